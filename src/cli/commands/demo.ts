import type { Argv } from "yargs";
import type { CliWorld } from "../world.ts";

export function demoBuilder<T>(yargs: Argv<T>) {
  return yargs.option("keep", {
    type: "boolean",
    default: false,
    describe: "Keep the demo's temporary directory",
  });
}

export type DemoArgs = Awaited<ReturnType<typeof demoBuilder>["argv"]>;

export async function runDemo(args: DemoArgs, world: CliWorld): Promise<0 | 1> {
  const { demo } = await import("../../demo/run-demo.ts");
  return demo(args.keep, world);
}
