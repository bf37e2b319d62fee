import type { Argv } from "yargs";
import { withConfigOption } from "../options.ts";

export function validateBuilder<T>(yargs: Argv<T>) {
  return withConfigOption(yargs);
}

export type ValidateArgs = Awaited<ReturnType<typeof validateBuilder>["argv"]>;
