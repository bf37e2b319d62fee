/**
 * The sandbox against GitLab's own request spec for the push-mirror API, example by example:
 * gitlab-org/gitlab:spec/requests/api/remote_mirrors_spec.rb (describe and it names kept), plus
 * the EE parameters of ee/lib/ee/api/helpers/remote_mirrors_helpers.rb and
 * ee/app/models/ee/remote_mirrors/attributes.rb, which that spec does not cover.
 */
import { Gitlab } from "@gitbeaker/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox } from "./helpers/sandbox.ts";

let gl: GitLabSandbox;
let user: string;
let developer: string;

// spec: `let(:host_key)` and `let(:rsa_key)`, the same keys.
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAfuCHKVTjquxvt6CM6tdG4SLp1Btn/nOeHHE5UOzRdf";
const RSA_KEY =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDLIp+4ciR2YO9f9rpldc7InNQw/TBUtcNbJ2XR0rr15/5ytz7YM16xXG0Qjx576PNSmqs4gbTrvTuFZak+v1Jx/9deHRq/yqp9f+tv33+iaJGCQCX/+OVY7aWgV2R9YsS7XQ4mnv4XlOTEssib/rGAIT+ATd/GcdYSEOO+dh4O09/6O/jIMGSeP+NNetgn1nPCnLOjrXFZUnUtNDi6EEKeIlrliJjSb7Jr4f7gjvZnv4RskWHHFo8FgAAqt0gOMT6EmKrnypBe2vLGSAXbtkXr01q6/DNPH+n9VA1LTV6v1KN/W5CN5tQV11wRSKiM8g5OEbi86VjJRi2sOuYoXQU1";

beforeAll(async () => {
  gl = await startGitLabSandbox({ clock: manualClock() });
  const maintainer = gl.addUser("maintainer");
  const dev = gl.addUser("developer");
  gl.addProject("acme", "project");
  gl.addMember("acme", "maintainer", 40);
  gl.addMember("acme", "developer", 30);
  user = gl.addToken(maintainer, { scopes: ["api"] });
  developer = gl.addToken(dev, { scopes: ["api"] });
});

afterAll(async () => {
  await gl.close();
});

const ROUTE = "/projects/acme%2Fproject/remote_mirrors";

async function api(
  method: string,
  path: string,
  token: string,
  params?: Record<string, unknown>,
  form = false,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { "private-token": token };
  let body: string | undefined;
  if (params != null && form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (Array.isArray(value)) for (const item of value) query.append(`${key}[]`, String(item));
      else query.append(key, String(value));
    }
    body = query.toString();
  } else if (params != null) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(params);
  }
  const res = await fetch(`${gl.url}/api/v4${path}`, { method, headers, ...(body == null ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text === "" ? null : (JSON.parse(text) as unknown) };
}

async function knownHosts(id: number): Promise<string> {
  return (await gl.waitForMirror("acme/project", id)).hostKeys.join("\n");
}

describe("POST /projects/:id/remote_mirrors", () => {
  it("requires `admin_remote_mirror` permission", async () => {
    expect((await api("POST", ROUTE, developer)).status).toBe(401);
  });

  describe("creates a remote mirror", () => {
    it.each([
      ["disabled by default", { url: "https://foo:bar@test.com" }, false, "password"],
      ["enabled", { url: "https://foo:bar@test1.com", enabled: true }, true, "password"],
      [
        "auth method",
        { url: "https://foo:bar@test2.com", enabled: true, auth_method: "ssh_public_key" },
        true,
        "ssh_public_key",
      ],
    ])("%s: creates a remote mirror and returns response", async (_case, params, enabled, authMethod) => {
      const created = await new Gitlab({ host: gl.url, token: user }).requester.post(ROUTE.slice(1), {
        body: params,
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ enabled, auth_method: authMethod });
    });
  });

  it("returns error if url is invalid", async () => {
    expect(await api("POST", ROUTE, user, { url: "ftp://foo:bar@test.com" })).toEqual({
      status: 400,
      body: { message: { url: ["is blocked: Only allowed schemes are http, https, ssh, git"] } },
    });
  });

  describe("with host_keys parameter", () => {
    const create = (host_keys: string[], url = "ssh://git@example.com/foo/bar.git", form = false) =>
      api("POST", ROUTE, user, { url, host_keys }, form);
    let n = 0;
    const unique = (url: string): string => url.replace("/foo/", `/foo${(n += 1)}/`);

    it("with a bare key: creates a remote mirror with ssh_known_hosts prepending hostname", async () => {
      const { status, body } = await create([HOST_KEY], unique("ssh://git@example.com/foo/bar.git"));
      expect(status).toBe(201);
      expect(await knownHosts((body as { id: number }).id)).toBe(`example.com ${HOST_KEY}`);
    });

    it("with a bare key and non-standard port URL: creates a remote mirror with [host]:port format in ssh_known_hosts", async () => {
      const { body } = await create([HOST_KEY], unique("ssh://git@example.com:2222/foo/bar.git"));
      expect(await knownHosts((body as { id: number }).id)).toBe(`[example.com]:2222 ${HOST_KEY}`);
    });

    it("with a full format key: creates a remote mirror preserving the provided hostname", async () => {
      const full = `mirror.example.org ${HOST_KEY}`;
      const { body } = await create([full], unique("ssh://git@example.com/foo/bar.git"));
      expect(await knownHosts((body as { id: number }).id)).toBe(full);
    });

    it("with multiple keys: creates a remote mirror with all keys joined by newlines", async () => {
      const { body } = await create([HOST_KEY, RSA_KEY], unique("ssh://git@example.com/foo/bar.git"));
      expect(await knownHosts((body as { id: number }).id)).toBe(
        `example.com ${HOST_KEY}\nexample.com ${RSA_KEY}`,
      );
    });

    it("with form-encoded key where + is decoded to space: restores + characters and creates the mirror successfully", async () => {
      const mangled = RSA_KEY.replaceAll("+", " ");
      const { status, body } = await create([mangled], unique("ssh://git@example.com/foo/bar.git"), true);
      expect(status).toBe(201);
      expect(await knownHosts((body as { id: number }).id)).toBe(`example.com ${RSA_KEY}`);
    });

    it("with invalid host_keys: returns 400 with error message", async () => {
      expect(await create(["invalid_key"])).toEqual({
        status: 400,
        body: { message: "Invalid SSH host key(s): invalid_key" },
      });
    });

    it("with mix of valid and invalid host_keys: returns 400 and does not create a mirror", async () => {
      const before = (await api("GET", ROUTE, user)).body as unknown[];
      expect((await create([HOST_KEY, "invalid_key"])).status).toBe(400);
      expect((await api("GET", ROUTE, user)).body).toHaveLength(before.length);
    });

    it("with too many host_keys: returns 400 with error message", async () => {
      expect(await create(Array.from({ length: 11 }, () => HOST_KEY))).toEqual({
        status: 400,
        body: { message: "Invalid SSH host key(s): too many host keys (maximum is 10)" },
      });
    });

    it("rejects a key whose data is not the key type's wire format (sshkey's valid_ssh_public_key?)", async () => {
      const wrongType = `ssh-rsa ${HOST_KEY.split(" ")[1] ?? ""}`;
      const truncated = HOST_KEY.slice(0, -8);
      for (const key of [wrongType, truncated]) {
        expect(await create([key])).toMatchObject({ status: 400 });
      }
    });
  });

  it("when auth method is invalid: returns an error", async () => {
    const params = { url: "https://foo:bar@test3.com", enabled: true, auth_method: "invalid" };
    expect(await api("POST", ROUTE, user, params)).toEqual({
      status: 400,
      body: { error: "auth_method does not have a valid value" },
    });
  });

  it("when only_protected_branches is not set: returns an error", async () => {
    const params = { url: "https://foo:bar@test4.com", enabled: true, only_protected_branches: null };
    expect(await api("POST", ROUTE, user, params)).toEqual({
      status: 400,
      body: { message: { only_protected_branches: ["can't be blank"] } },
    });
  });
});

describe("PUT /projects/:id/remote_mirrors/:mirror_id", () => {
  it("updates a remote mirror", async () => {
    const mirror = gl.addRemoteMirror("acme/project", {
      url: "https://put.example.com/a.git",
      enabled: true,
    });
    const { status, body } = await api(
      "PUT",
      `${ROUTE}/${mirror.id}`,
      user,
      { enabled: "0", only_protected_branches: "true", keep_divergent_refs: "true" },
      true,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ enabled: false, only_protected_branches: true, keep_divergent_refs: true });
  });

  describe("with host_keys parameter", () => {
    it("with an empty array: clears ssh_known_hosts; when host_keys is not provided: does not modify ssh_known_hosts", async () => {
      const mirror = gl.addRemoteMirror("acme/project", { url: "ssh://git@example.com/put/keys.git" });
      expect((await api("PUT", `${ROUTE}/${mirror.id}`, user, { host_keys: [HOST_KEY] })).status).toBe(200);
      expect(await knownHosts(mirror.id)).toBe(`example.com ${HOST_KEY}`);
      await api("PUT", `${ROUTE}/${mirror.id}`, user, { enabled: true });
      expect(await knownHosts(mirror.id)).toBe(`example.com ${HOST_KEY}`);
      await api("PUT", `${ROUTE}/${mirror.id}`, user, { host_keys: [] });
      expect(await knownHosts(mirror.id)).toBe("");
    });

    it("with invalid host_keys: returns 400 with error message", async () => {
      const mirror = gl.addRemoteMirror("acme/project", { url: "ssh://git@example.com/put/bad.git" });
      expect(await api("PUT", `${ROUTE}/${mirror.id}`, user, { host_keys: ["invalid_key"] })).toMatchObject({
        status: 400,
        body: { message: "Invalid SSH host key(s): invalid_key" },
      });
    });
  });
});

describe("EE: mirror_branch_regex (ee/lib/ee/api/helpers/remote_mirrors_helpers.rb)", () => {
  it("refuses only_protected_branches with mirror_branch_regex, on POST and on PUT", async () => {
    const pair = { only_protected_branches: false, mirror_branch_regex: "" };
    const refused = {
      status: 400,
      body: { error: "only_protected_branches, mirror_branch_regex are mutually exclusive" },
    };
    expect(await api("POST", ROUTE, user, { url: "https://ee.example.com/post.git", ...pair })).toEqual(
      refused,
    );
    const mirror = gl.addRemoteMirror("acme/project", { url: "https://ee.example.com/put.git" });
    expect(await api("PUT", `${ROUTE}/${mirror.id}`, user, pair)).toEqual(refused);
  });

  it("keeps a cleared regex as an empty string (RemoteMirrors::Attributes acts on a present? regex only)", async () => {
    const mirror = gl.addRemoteMirror("acme/project", {
      url: "https://ee.example.com/cleared.git",
      mirrorBranchRegex: "^release/",
    });
    const { body } = await api("PUT", `${ROUTE}/${mirror.id}`, user, { mirror_branch_regex: "" });
    expect(body).toMatchObject({ mirror_branch_regex: "", only_protected_branches: false });
    const protectedOnly = await api("PUT", `${ROUTE}/${mirror.id}`, user, { only_protected_branches: true });
    expect(protectedOnly.body).toMatchObject({ mirror_branch_regex: null, only_protected_branches: true });
  });

  it.each([
    ["^(?=main)", "not valid RE2 syntax: invalid perl operator: (?="],
    ["^(a)\\1$", "not valid RE2 syntax: invalid escape sequence: \\1"],
  ])("refuses %s: not RE2 syntax (UntrustedRegexpValidator)", async (regex, message) => {
    expect(
      await api("POST", ROUTE, user, { url: "https://ee.example.com/re2.git", mirror_branch_regex: regex }),
    ).toEqual({
      status: 400,
      body: { message: { mirror_branch_regex: [message] } },
    });
  });
});
