import { describe, expect, it } from "vitest";
import { changes, planRefs, type PlanInput } from "../src/core/ref-plan.ts";
import { checkGuards, refLimitCount, type GuardLimits } from "../src/core/damage-guard.ts";
import { ToolError } from "../src/errors/tool-error.ts";
import { unpushedReports } from "../src/core/ref-reports.ts";

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

describe("damage guards", () => {
  const planned = (kind: "delete" | "force", n: number, prefix = "b") =>
    Array.from({ length: n }, (_, i) => ({ ref: `refs/heads/${prefix}${i}`, kind, from: A, to: B }));
  const deletes = (n: number) => planned("delete", n);
  const forces = (n: number) => planned("force", n, "f");
  const limits = (maxDeletions: number, maxRewrites: number): GuardLimits => ({
    maxDeletions: { kind: "percent", value: maxDeletions },
    maxRewrites: { kind: "percent", value: maxRewrites },
  });
  const none = { allowMassDelete: false, allowMassRewrite: false };
  const thrown = (action: () => void): ToolError | undefined => {
    try {
      action();
    } catch (caught) {
      return caught as ToolError;
    }
    return undefined;
  };

  it.each([
    [{ kind: "percent", value: 25 } as const, 100, 25],
    [{ kind: "percent", value: 25 } as const, 3, 1],
    [{ kind: "percent", value: 0 } as const, 10, 1],
    [{ kind: "percent", value: 50 } as const, 7, 3],
    [{ kind: "count", value: 0 } as const, 10, 0],
    [{ kind: "count", value: 7 } as const, 3, 7],
  ])("limit %o of %i refs allows %i", (limit, refs, allowed) => {
    expect(refLimitCount(limit, refs)).toBe(allowed);
  });

  it("refuses deletions past the limit, naming the refs and the override", () => {
    const error = thrown(() => checkGuards(deletes(30), limits(25, 50), 100, none));

    expect(error).toBeInstanceOf(ToolError);
    expect(error?.code).toBe("EMASSDELETE");
    expect(error?.message).toContain("refusing to delete 30 of 100 refs");
    expect(error?.message).toContain("refs/heads/b0");
    expect(error?.fix).toContain("--allow-mass-delete");
  });

  it("lets the same deletions through with --allow-mass-delete, and at the limit", () => {
    expect(() =>
      checkGuards(deletes(30), limits(25, 50), 100, { ...none, allowMassDelete: true }),
    ).not.toThrow();
    expect(() => checkGuards(deletes(25), limits(25, 50), 100, none)).not.toThrow();
  });

  it("refuses forced updates past max_rewrites, naming the refs, the flag and the key", () => {
    const error = thrown(() => checkGuards(forces(51), limits(25, 50), 100, none));

    expect(error?.code).toBe("EMASSREWRITE");
    expect(error?.message).toBe(
      `refusing to force 51 of 100 refs on the target (max_rewrites: 50% allows 50): ${Array.from(
        { length: 20 },
        (_, i) => `refs/heads/f${i}`,
      ).join(", ")} and 31 more`,
    );
    expect(error?.fix).toBe(
      "Nothing was pushed. If the upstream really rewrote these refs, run again with --allow-mass-rewrite, or raise max_rewrites for this mirror.",
    );
  });

  it("lets forced updates through at the limit or with --allow-mass-rewrite, which lifts no other guard", () => {
    expect(() => checkGuards(forces(50), limits(25, 50), 100, none)).not.toThrow();
    expect(() =>
      checkGuards(forces(100), limits(25, 50), 100, { ...none, allowMassRewrite: true }),
    ).not.toThrow();
    const error = thrown(() =>
      checkGuards([...forces(100), ...deletes(40)], limits(25, 50), 140, { ...none, allowMassRewrite: true }),
    );
    expect(error?.code).toBe("EMASSDELETE");
  });

  it("names every guard broken in one error", () => {
    const error = thrown(() => checkGuards([...deletes(3), ...forces(4)], limits(25, 50), 7, none));

    expect(error?.message).toContain(
      "refusing to delete 3 of 7 refs on the target (max_deletions: 25% allows 1)",
    );
    expect(error?.message).toContain(
      "refusing to force 4 of 7 refs on the target (max_rewrites: 50% allows 3)",
    );
    expect(error?.fix).toContain("--allow-mass-delete --allow-mass-rewrite");
    expect(error?.fix).toContain("max_deletions and max_rewrites");
  });
});

describe("unpushedReports: a mirror that failed after planning", () => {
  // main fast-forwards, dev diverged, tag v1 moved, gone is deleted, new is created.
  const plan = planRefs(
    input({
      upstream: new Map([
        ["refs/heads/main", B],
        ["refs/heads/dev", B],
        ["refs/tags/v1", B],
        ["refs/heads/new", C],
        ["refs/heads/same", A],
      ]),
      target: new Map([
        ["refs/heads/main", A],
        ["refs/heads/dev", A],
        ["refs/tags/v1", A],
        ["refs/heads/gone", A],
        ["refs/heads/same", A],
      ]),
      divergence: "fail",
      fastForward: new Set(["refs/heads/main"]),
      containedInUpstream: new Set(["refs/heads/gone"]),
    }),
  );

  it("never reports a change that did not happen: diverged refs are diverged, the rest would-…", () => {
    const refs = unpushedReports(plan, [], "not pushed: other refs diverged (divergence: fail)", true);

    expect(Object.fromEntries(refs.map((ref) => [ref.ref, ref.outcome]))).toEqual({
      "refs/heads/main": "would-update",
      "refs/heads/dev": "diverged",
      "refs/tags/v1": "diverged",
      "refs/heads/new": "would-create",
      "refs/heads/same": "up-to-date",
      "refs/heads/gone": "would-delete",
    });
    expect(refs.find((ref) => ref.ref === "refs/heads/main")?.reason).toContain("not pushed");
  });

  it("explains a moved tag as a moved tag, and keeps what git confirmed", () => {
    const landed = [{ ref: "refs/heads/new", outcome: "created" as const, to: C }];
    const refs = unpushedReports(plan, landed, "not pushed: the mirror failed (EGITNETWORK) first", false);
    const byRef = new Map(refs.map((ref) => [ref.ref, ref]));

    expect(byRef.get("refs/heads/new")?.outcome).toBe("created");
    // Not stopped by divergence: what overwrite would have done, never "forced".
    expect(byRef.get("refs/heads/dev")?.outcome).toBe("would-force");
    expect(unpushedReports(plan, [], "x", true).find((ref) => ref.ref === "refs/tags/v1")?.reason).toMatch(
      /^tag moved/,
    );
  });
});
