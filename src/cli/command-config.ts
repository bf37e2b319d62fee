import { formatWarnings, loadConfig } from "../config/index.ts";
import type { Config } from "../config/types.ts";
import { registerConfigSecrets } from "../output/config-secrets.ts";
import type { Printer } from "../output/printer.ts";
import type { CommandWorld } from "./world.ts";

interface CommandConfigOptions {
  /** Warn about the CI/CD variables the config names that this environment lacks (`plan`). */
  checkVariables?: boolean;
  /** Variables named on the command line whose values are secrets too (`--token-var VAR`). */
  moreSecrets?: readonly (string | undefined)[];
}

/**
 * A command's config: loaded, every secret it names registered with the run's redactor, and its
 * warnings printed, in that order, so that a warning is redacted like anything else the command
 * prints. Every command that reads the config reads it here.
 */
export async function loadCommandConfig(
  file: string,
  world: CommandWorld,
  printer: Printer,
  options: CommandConfigOptions = {},
): Promise<Config> {
  const { config, warnings } = await loadConfig(file, {
    cwd: world.cwd,
    env: options.checkVariables === true ? world.env : undefined,
  });
  await registerConfigSecrets(config, world.env, world.redactor, options.moreSecrets);
  for (const line of formatWarnings(config.file, warnings)) printer.err(line);
  return config;
}
