/**
 * The sandbox against gitlab-org/gitlab:spec/models/remote_mirror_spec.rb, example by example
 * (describe and it names kept), through the API: the model's validations as 400s, and `#sync`'s
 * scheduling as the delay the sync route records.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";

let gl: GitLabSandbox;
let token: string;
let n = 0;

beforeAll(async () => {
  // Local requests allowed, so that a self-referencing URL on loopback fails for that reason only.
  gl = await startGitLabSandbox({ clock: manualClock(), allowLocalRequests: true });
  const maint = gl.addUser("maint");
  gl.addMember(gl.addGroup("g").path, "maint", 40);
  token = gl.addToken(maint, { scopes: ["api"] });
});

afterAll(async () => {
  await gl.close();
});

function freshProject(): string {
  n += 1;
  gl.addProject("g", `p${n}`);
  return `g/p${n}`;
}

async function api(method: string, project: string, path: string, body?: unknown) {
  const res = await fetch(`${gl.url}/api/v4/projects/${encodeURIComponent(project)}/remote_mirrors${path}`, {
    method,
    headers: { "private-token": token, "content-type": "application/json" },
    ...(body == null ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
}

const LIMIT = "Maximum number of push mirrors (10) exceeded for this project.";
const SELF = "You cannot mirror a repository to itself.";

describe("validations", () => {
  describe("#validate_mirror_count", () => {
    it("when enabling a disabled mirror would exceed the limit: prevents enabling the mirror", async () => {
      const project = freshProject();
      for (let i = 0; i < 10; i += 1)
        gl.addRemoteMirror(project, { url: `http://enabled${i}.com`, enabled: true });
      const disabled = gl.addRemoteMirror(project, { url: "http://disabled.com", enabled: false });
      expect(await api("PUT", project, `/${disabled.id}`, { enabled: true })).toEqual({
        status: 400,
        body: { message: { base: [LIMIT] } },
      });
    });

    it("when at the limit: prevents creating a new mirror", async () => {
      const project = freshProject();
      for (let i = 0; i < 10; i += 1)
        gl.addRemoteMirror(project, { url: `http://test${i}.com`, enabled: true });
      expect(await api("POST", project, "", { url: "http://new.com", enabled: true })).toEqual({
        status: 400,
        body: { message: { base: [LIMIT] } },
      });
    });

    it("when at limit but some mirrors are disabled: allows creating a new mirror", async () => {
      const project = freshProject();
      for (let i = 0; i < 9; i += 1) gl.addRemoteMirror(project, { url: `http://on${i}.com`, enabled: true });
      gl.addRemoteMirror(project, { url: "http://off.com", enabled: false });
      expect((await api("POST", project, "", { url: "http://new.com", enabled: true })).status).toBe(201);
    });
  });

  describe("url uniqueness", () => {
    it("validates url uniqueness within the project (credentials ignored)", async () => {
      const project = freshProject();
      expect((await api("POST", project, "", { url: "http://a:b@example.com/foo.git" })).status).toBe(201);
      expect(await api("POST", project, "", { url: "http://c:d@example.com/foo.git" })).toEqual({
        status: 400,
        body: { message: { url: ["has already been taken"] } },
      });
      expect((await api("POST", project, "", { url: "https://example.com/bar.git" })).status).toBe(201);
    });

    it("allows the same URL on a different project", async () => {
      const url = "https://example.com/shared.git";
      expect((await api("POST", freshProject(), "", { url })).status).toBe(201);
      expect((await api("POST", freshProject(), "", { url })).status).toBe(201);
    });
  });

  describe("self-referencing url", () => {
    it.each([".git", "", ".git/", "/"])(
      "rejects the self-referencing HTTP URL (http_url_to_repo, ending %j)",
      async (ending) => {
        const project = freshProject();
        const url = `${gl.url}/${project}${ending}`;
        expect(await api("POST", project, "", { url })).toEqual({
          status: 400,
          body: { message: { base: [SELF] } },
        });
      },
    );

    it("rejects a self-referencing URL that includes credentials", async () => {
      const project = freshProject();
      const url = `${gl.url}/${project}.git`.replace("://", "://user:pass@");
      expect(await api("POST", project, "", { url })).toEqual({
        status: 400,
        body: { message: { base: [SELF] } },
      });
    });

    it("allows an unrelated external URL", async () => {
      expect(
        (await api("POST", freshProject(), "", { url: "https://gitlab.example.com/group/project.git" }))
          .status,
      ).toBe(201);
    });

    it("rejects the self-referencing SSH URL (RFC ssh:// form)", async () => {
      const project = freshProject();
      const url = `ssh://git@${new URL(gl.url).hostname}/${project}.git`;
      expect(await api("POST", project, "", { url })).toEqual({
        status: 400,
        body: { message: { base: [SELF] } },
      });
    });
  });
});

describe("#sync", () => {
  async function syncDelay(onlyProtected: boolean, startedAgoMs: number | null): Promise<number | undefined> {
    const project = freshProject();
    const mirror = gl.addRemoteMirror(project, {
      url: `https://sync${n}.example.com/x.git`,
      enabled: true,
      onlyProtectedBranches: onlyProtected,
    });
    if (startedAgoMs != null) {
      gl.setMirrorState(project, mirror.id, {
        updateStatus: "finished",
        lastUpdateStartedAt: new Date(Date.now() - startedAgoMs),
      });
    }
    expect((await api("POST", project, `/${mirror.id}/sync`)).status).toBe(204);
    return gl.syncRequests.find((request) => request.mirrorId === mirror.id)?.delaySeconds;
  }

  it("with remote mirroring disabled: returns nil (the API answers 400)", async () => {
    const project = freshProject();
    const mirror = gl.addRemoteMirror(project, { url: "https://off.example.com/x.git", enabled: false });
    expect((await api("POST", project, `/${mirror.id}/sync`)).status).toBe(400);
  });

  it("with only protected branches enabled, when it did not update in the last minute: schedules a RepositoryUpdateRemoteMirrorWorker to run now", async () => {
    expect(await syncDelay(true, 2 * 60_000)).toBe(0);
  });

  it("with only protected branches enabled, when it did update in the last minute: schedules a RepositoryUpdateRemoteMirrorWorker to run in the next minute", async () => {
    expect(await syncDelay(true, 30_000)).toBe(60);
  });

  it("with only protected branches disabled, when it did not update in the last 5 minutes: schedules a RepositoryUpdateRemoteMirrorWorker to run now", async () => {
    expect(await syncDelay(false, null)).toBe(0);
  });

  it("with only protected branches disabled, when it did update within the last 5 minutes: schedules a RepositoryUpdateRemoteMirrorWorker to run in the next 5 minutes", async () => {
    expect(await syncDelay(false, 30_000)).toBe(300);
  });
});
