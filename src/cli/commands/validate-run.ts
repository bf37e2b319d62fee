import { Printer } from "../../output/printer.ts";
import { loadCommandConfig } from "../command-config.ts";
import type { CommandWorld } from "../world.ts";
import type { ValidateArgs } from "./validate.ts";

/**
 * Check a config without running anything. Problems are thrown as one ConfigError and printed
 * by main.ts, all at once with their lines; variables are not checked here because a config is
 * usually validated where the secrets are not (a merge request, a laptop).
 */
export async function runValidate(args: ValidateArgs, world: CommandWorld): Promise<0> {
  const printer = new Printer(world.stdout, world.stderr, world.redactor);
  const config = await loadCommandConfig(args.config, world, printer);
  const names = config.mirrors.map((mirror) => mirror.name).join(", ");
  printer.out(
    `${config.file}: OK, ${config.mirrors.length} mirror${config.mirrors.length === 1 ? "" : "s"} (${names})`,
  );
  return 0;
}
