import { describe, expect, it } from "vitest";
import { Printer } from "../src/output/printer.ts";
import { throttledMeters } from "../src/output/progress.ts";
import { Redactor } from "../src/util/redact.ts";

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1_000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

describe("throttledMeters", () => {
  it("shows at most one meter line per interval, none for a transfer shorter than it", () => {
    const shown: string[] = [];
    const time = clock();
    const meter = throttledMeters((line) => shown.push(line), { intervalMs: 5_000, now: time.now });

    meter("clone", "Receiving objects:   1% (1/100), 10.00 KiB | 1.00 MiB/s");
    time.advance(4_000);
    meter("clone", "Receiving objects:  40% (40/100), 4.00 MiB | 1.00 MiB/s");
    expect(shown).toEqual([]);

    time.advance(1_000);
    meter("clone", "Receiving objects:  50% (50/100), 5.00 MiB | 1.00 MiB/s");
    time.advance(1_000);
    meter("clone", "Receiving objects:  60% (60/100), 6.00 MiB | 1.00 MiB/s");
    time.advance(5_000);
    meter("clone", "remote: Counting objects:  90% (90/100)");

    expect(shown).toEqual([
      "clone: Receiving objects:  50% (50/100), 5.00 MiB | 1.00 MiB/s",
      "clone: remote Counting objects:  90% (90/100)",
    ]);
  });

  it("passes on meters only, never other lines git writes", () => {
    const shown: string[] = [];
    const meter = throttledMeters((line) => shown.push(line), { intervalMs: 0 });

    meter("push", "To http://example.com/a.git");
    meter("push", "remote: GitLab: you are not allowed to push");
    meter("push", "Writing objects: 100% (3/3), 250 bytes | 250.00 KiB/s, done.");

    expect(shown).toEqual(["push: Writing objects: 100% (3/3), 250 bytes | 250.00 KiB/s, done."]);
  });
});

describe("Printer.live", () => {
  it("rewrites one line in place on a terminal, clears it before other output, and redacts it", () => {
    let written = "";
    const sink = { isTTY: true, write: (chunk: string) => (written += chunk) };
    const redactor = new Redactor();
    redactor.add("s3cr3t-value");
    const printer = new Printer(sink, sink, redactor);

    expect(printer.canShowLive).toBe(true);
    printer.live("[m] clone: Receiving objects: 10% s3cr3t-value");
    printer.live("[m] clone: Receiving objects: 20%");
    printer.err("[m] done");

    expect(written).not.toContain("s3cr3t-value");
    expect(written.split("\r\u001b[K")).toHaveLength(4);
    expect(written.endsWith("\r\u001b[K[m] done\n")).toBe(true);
    expect(new Printer(sink, { write: () => undefined }, redactor).canShowLive).toBe(false);
  });
});
