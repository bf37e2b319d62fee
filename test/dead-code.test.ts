import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

/**
 * `npm run knip` in the suite as well as in .ci/run: an export, file or dependency that nothing
 * uses any more fails the change that left it, not a later CI run.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

describe("dead code", () => {
  it("knip finds no unused file, export or dependency", async () => {
    const result = await execa("npm", ["run", "-s", "knip", "--", "--no-progress"], {
      cwd: ROOT,
      reject: false,
      all: true,
    });
    expect(result.all).toBe("");
    expect(result.exitCode).toBe(0);
  });
});
