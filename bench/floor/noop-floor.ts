/**
 * The least a Node CLI built on this project's fixed stack can do for a no-op run: start Node,
 * parse argv with yargs, list both sides with two `git ls-remote` run by execa, compare, exit.
 * No config file, no checks, no output. The bench bundles it the way the real CLI is bundled and
 * times it next to `ci-mirror sync`, so the no-op figure can be read against what the stack itself
 * costs. Arguments: `--upstream URL --target URL`; tokens come from UPSTREAM_TOKEN / TARGET_TOKEN.
 */
import { execa } from "execa";
import yargs from "yargs";

const args = await yargs()
  .option("upstream", { type: "string", demandOption: true })
  .option("target", { type: "string", demandOption: true })
  .strict()
  .parseAsync(process.argv.slice(2));

function listing(url: string, token: string | undefined): Promise<{ stdout: string }> {
  const basic = Buffer.from(`bench:${token ?? ""}`).toString("base64");
  return execa("git", ["ls-remote", "--heads", "--tags", "--", url], {
    env: {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    },
  });
}

const [upstream, target] = await Promise.all([
  listing(args.upstream, process.env.UPSTREAM_TOKEN),
  listing(args.target, process.env.TARGET_TOKEN),
]);
process.exitCode = upstream.stdout === target.stdout ? 0 : 1;
