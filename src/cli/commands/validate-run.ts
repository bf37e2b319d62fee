import { loadConfig } from "../../config/index.ts";
import type { CliWorld } from "../world.ts";
import type { ValidateArgs } from "./validate.ts";

/**
 * Check a config without running anything. Problems are thrown as one ConfigError and printed
 * by main.ts, all at once with their lines; variables are not checked here because a config is
 * usually validated where the secrets are not (a merge request, a laptop).
 */
export async function runValidate(args: ValidateArgs, world: CliWorld): Promise<0> {
  const { config, warnings } = await loadConfig(args.config, { cwd: world.cwd });
  for (const warning of warnings) {
    world.stderr.write(
      `${config.file}${warning.line != null ? `:${warning.line}` : ""}  warning  ${warning.path}  ${warning.message}\n`,
    );
  }
  const names = config.mirrors.map((mirror) => mirror.name).join(", ");
  world.stdout.write(
    `${config.file}: OK, ${config.mirrors.length} mirror${config.mirrors.length === 1 ? "" : "s"} (${names})\n`,
  );
  return 0;
}
