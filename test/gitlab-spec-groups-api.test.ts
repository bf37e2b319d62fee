/**
 * The sandbox against gitlab-org/gitlab:spec/requests/api/groups_spec.rb, for the examples of
 * `GET /groups/:id/projects` ci-mirror relies on (names kept), and the pagination params of
 * lib/api/concerns/pagination_params.rb.
 */
import { Gitlab } from "@gitbeaker/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";

let gl: GitLabSandbox;
let user1: string;

beforeAll(async () => {
  gl = await startGitLabSandbox({ clock: manualClock() });
  const user = gl.addUser("user1");
  gl.addGroup("group1");
  gl.addMember("group1", "user1", 40);
  gl.addProject("group1", "project1");
  gl.addProject("group1", "project2");
  gl.addProject("group1/subgroup", "deep");
  for (const name of ["a", "b", "c"]) {
    gl.addProject("others", name);
    gl.shareProject(`others/${name}`, "group1", 30);
  }
  user1 = gl.addToken(user, { scopes: ["api"] });
});

afterAll(async () => {
  await gl.close();
});

async function get(query: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${gl.url}/api/v4/groups/group1/projects${query}`, {
    headers: { "private-token": user1 },
  });
  return { status: res.status, body: await res.json() };
}

const paths = (body: unknown): string[] =>
  (body as { path_with_namespace: string }[]).map((p) => p.path_with_namespace).sort();

describe("GET /groups/:id/projects", () => {
  it("returns projects including those shared with the group (with_shared defaults to true)", async () => {
    expect(paths((await get("")).body)).toEqual([
      "group1/project1",
      "group1/project2",
      "others/a",
      "others/b",
      "others/c",
    ]);
  });

  it("returns projects excluding shared", async () => {
    const projects = await new Gitlab({ host: gl.url, token: user1 }).Groups.allProjects("group1", {
      withShared: false,
    });
    expect(projects.map((p) => p.path_with_namespace).sort()).toEqual(["group1/project1", "group1/project2"]);
  });

  it("returns projects including those in subgroups, but no shares of the subgroups (GroupProjectsFinder)", async () => {
    expect(paths((await get("?include_subgroups=true&with_shared=false")).body)).toEqual([
      "group1/project1",
      "group1/project2",
      "group1/subgroup/deep",
    ]);
  });

  describe("pagination params (lib/api/concerns/pagination_params.rb)", () => {
    it.each([
      ["per_page=abc", { error: "per_page is invalid" }],
      ["per_page=0", { error: "per_page has a value not allowed" }],
      ["per_page=-1", { error: "per_page does not have a valid value" }],
      ["page=0", { error: "page does not have a valid value" }],
      ["page=x", { error: "page is invalid" }],
    ])("refuses %s with 400", async (query, body) => {
      expect(await get(`?${query}`)).toEqual({ status: 400, body });
    });

    it("clamps a per_page above 100 (Kaminari's max_per_page)", async () => {
      const res = await fetch(`${gl.url}/api/v4/groups/group1/projects?per_page=500`, {
        headers: { "private-token": user1 },
      });
      expect(res.headers.get("x-per-page")).toBe("100");
    });
  });
});
