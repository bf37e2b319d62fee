import { execFile } from "node:child_process";

export function gitOutput(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile("git", args, { env }, (error, stdout, stderr) => {
      if (error != null) reject(new Error(`git ${args[0] ?? ""} failed: ${stderr || error.message}`));
      else resolveRun(stdout.trim());
    });
  });
}
