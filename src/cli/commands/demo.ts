import type { Argv } from "yargs";
import type { RunCommand } from "../../demo/run-demo.ts";
import type { CliWorld } from "../world.ts";

export function demoBuilder<T>(yargs: Argv<T>) {
  return yargs.option("keep", {
    type: "boolean",
    default: false,
    describe: "Keep the demo's temporary directory",
  });
}

export type DemoArgs = Awaited<ReturnType<typeof demoBuilder>["argv"]>;

/** `run` is the CLI's own entry, handed in so the demo runs real command lines without a cycle. */
export async function runDemo(args: DemoArgs, world: CliWorld, run: RunCommand): Promise<0 | 1> {
  const { demo } = await import("../../demo/run-demo.ts");
  return demo(args.keep, world, run);
}
