import { demo } from "../../demo/run-demo.ts";
import type { CommandWorld } from "../world.ts";
import type { DemoArgs } from "./demo.ts";

/** The demo runs real command lines through the CLI's own entry, as a user or a CI job would. */
export async function runDemo(args: DemoArgs, world: CommandWorld): Promise<0 | 1> {
  // Imported when the demo runs, not with this module: main.ts is what loads this module.
  const { main } = await import("../main.ts");
  return demo(args.keep, world, main);
}
