import { main } from "./main.ts";

// The process boundary: the only place that reads process.argv/env and sets the exit code.
const exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
process.exitCode = exitCode;
