/**
 * The sandbox's mirror updates against gitlab-org/gitlab:spec/services/projects/update_remote_mirror_service_spec.rb
 * (names kept), with the worker around them (app/workers/repository_update_remote_mirror_worker.rb):
 * each retry waits the backoff on the sandbox's clock, and the fourth failure is final.
 */
import { Gitlab } from "@gitbeaker/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manualClock, startGitLabSandbox } from "./helpers/sandbox.ts";
import type { GitLabSandbox, ManualClock } from "./helpers/sandbox.ts";

const MINUTE = 60_000;
let gl: GitLabSandbox;
let clock: ManualClock;
let api: InstanceType<typeof Gitlab>;

beforeAll(async () => {
  clock = manualClock();
  gl = await startGitLabSandbox({
    clock,
    // GitLab's default: no local requests. One name resolves to the local network.
    resolveHost: (host) =>
      Promise.resolve(host === "internal.example.com" ? ["10.0.0.7"] : ["93.184.216.34"]),
  });
  const maint = gl.addUser("maint");
  gl.addProject("g", "p");
  gl.addMember("g", "maint", 40);
  await gl.commitFiles("g/p", "main", { "a.txt": "a\n" });
  api = new Gitlab({ host: gl.url, token: gl.addToken(maint, { scopes: ["api"] }) });
});

afterAll(async () => {
  await gl.close();
});

describe("#execute", () => {
  describe("when the URL is blocked (a name that resolves to the local network)", () => {
    it("hard retries and returns error status; when retries are exceeded: hard fails", async () => {
      const mirror = gl.addRemoteMirror("g/p", { url: "https://internal.example.com/x.git", enabled: true });
      await api.ProjectRemoteMirrors.sync("g/p", mirror.id);
      await clock.step();
      expect(gl.readMirror("g/p", mirror.id)).toMatchObject({
        updateStatus: "to_retry",
        lastError: "The remote mirror URL is invalid: Requests to the local network are not allowed",
      });
      const final = await gl.waitForMirror("g/p", mirror.id);
      expect(final.updateStatus).toBe("failed");
    });
  });

  describe("when the update fails because of a `Gitlab::Git::CommandError`", () => {
    it("marks the mirror as to be retried, then as failed after 3 tries, the backoff apart", async () => {
      const mirror = gl.addRemoteMirror("g/p", { url: "https://mirror.example.com/x.git", enabled: true });
      gl.injectMirrorFailure("g/p", mirror.id, "update failed", 4);
      const started = clock.now().getTime();
      await api.ProjectRemoteMirrors.sync("g/p", mirror.id);
      await clock.step();
      expect(gl.readMirror("g/p", mirror.id)).toMatchObject({
        updateStatus: "to_retry",
        lastError: "update failed",
      });
      // RepositoryUpdateRemoteMirrorWorker#schedule_retry: perform_in(backoff_delay), 5 minutes here.
      await clock.advance(4 * MINUTE);
      expect(gl.readMirror("g/p", mirror.id).lastUpdateStartedAt?.getTime()).toBe(started);
      await clock.advance(MINUTE);
      expect(gl.readMirror("g/p", mirror.id).lastUpdateStartedAt?.getTime()).toBe(started + 5 * MINUTE);
      expect(gl.readMirror("g/p", mirror.id).updateStatus).toBe("to_retry");
      const final = await gl.waitForMirror("g/p", mirror.id);
      expect(final).toMatchObject({ updateStatus: "failed", lastError: "update failed" });
      expect(final.lastUpdateAt?.getTime()).toBe(started + 15 * MINUTE);
      expect(final.lastSuccessfulUpdateAt).toBeNull();
    });
  });
});
