import { describe, expect, it } from "vitest";
import { changes, planRefs, type PlanInput } from "../src/core/plan.ts";
import { checkDeletions, deletionLimit } from "../src/core/deletion-guard.ts";
import { ToolError } from "../src/errors/tool-error.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

function input(overrides: Partial<PlanInput>): PlanInput {
  return {
    upstream: new Map(),
    target: new Map(),
    divergence: "overwrite",
    prune: true,
    fastForward: new Set(),
    containedInUpstream: new Set(),
    ...overrides,
  };
}

describe("planRefs", () => {
  it("creates, fast-forwards, forces and deletes under overwrite", () => {
    const plan = planRefs(
      input({
        upstream: new Map([
          ["refs/heads/new", A],
          ["refs/heads/ff", B],
          ["refs/heads/rewritten", C],
          ["refs/heads/same", A],
        ]),
        target: new Map([
          ["refs/heads/ff", A],
          ["refs/heads/rewritten", A],
          ["refs/heads/same", A],
          ["refs/heads/gone", B],
        ]),
        fastForward: new Set(["refs/heads/ff"]),
      }),
    );

    expect(Object.fromEntries(plan.refs.map((ref) => [ref.ref, ref.kind]))).toEqual({
      "refs/heads/new": "create",
      "refs/heads/ff": "update",
      "refs/heads/rewritten": "force",
      "refs/heads/same": "up-to-date",
      "refs/heads/gone": "delete",
    });
    expect(plan.diverged).toEqual(["refs/heads/rewritten"]);
    expect(changes(plan).map((ref) => ref.ref)).toEqual([
      "refs/heads/new",
      "refs/heads/ff",
      "refs/heads/rewritten",
      "refs/heads/gone",
    ]);
  });

  it("keeps diverged refs and target-only work under keep, deletes only what the upstream still contains", () => {
    const plan = planRefs(
      input({
        divergence: "keep",
        upstream: new Map([["refs/heads/main", B]]),
        target: new Map([
          ["refs/heads/main", C],
          ["refs/heads/merged", A],
          ["refs/heads/local-work", C],
        ]),
        containedInUpstream: new Set(["refs/heads/merged"]),
      }),
    );

    expect(Object.fromEntries(plan.refs.map((ref) => [ref.ref, ref.kind]))).toEqual({
      "refs/heads/main": "keep-diverged",
      "refs/heads/merged": "delete",
      "refs/heads/local-work": "keep-target-only",
    });
  });

  it("under fail, reports diverged refs and deletions that would lose commits", () => {
    const plan = planRefs(
      input({
        divergence: "fail",
        upstream: new Map([["refs/heads/main", B]]),
        target: new Map([
          ["refs/heads/main", C],
          ["refs/heads/local-work", C],
        ]),
      }),
    );

    expect(plan.diverged.sort()).toEqual(["refs/heads/local-work", "refs/heads/main"]);
  });

  it("leaves target-only refs alone without prune", () => {
    const plan = planRefs(
      input({
        prune: false,
        upstream: new Map([["refs/heads/main", A]]),
        target: new Map([["refs/heads/x", B]]),
      }),
    );

    expect(plan.refs).toEqual([{ ref: "refs/heads/main", kind: "create", to: A }]);
  });
});

describe("deletion guard", () => {
  const deletes = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ ref: `refs/heads/b${i}`, kind: "delete" as const, from: A }));

  it.each([
    [{ kind: "percent", value: 25 } as const, 100, 25],
    [{ kind: "percent", value: 25 } as const, 3, 1],
    [{ kind: "percent", value: 0 } as const, 10, 1],
    [{ kind: "count", value: 0 } as const, 10, 0],
    [{ kind: "count", value: 7 } as const, 3, 7],
  ])("limit %o of %i refs allows %i deletions", (limit, refs, allowed) => {
    expect(deletionLimit(limit, refs)).toBe(allowed);
  });

  it("refuses past the limit, naming the refs and the override", () => {
    const error = (() => {
      try {
        checkDeletions(deletes(30), { kind: "percent", value: 25 }, 100, false);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe("EMASSDELETE");
    expect((error as ToolError).message).toContain("refusing to delete 30 of 100 refs");
    expect((error as ToolError).message).toContain("refs/heads/b0");
    expect((error as ToolError).fix).toContain("--allow-mass-delete");
  });

  it("lets the same deletions through with --allow-mass-delete, and at the limit", () => {
    expect(() => checkDeletions(deletes(30), { kind: "percent", value: 25 }, 100, true)).not.toThrow();
    expect(() => checkDeletions(deletes(25), { kind: "percent", value: 25 }, 100, false)).not.toThrow();
  });
});
