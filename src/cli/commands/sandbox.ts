import type { Argv } from "yargs";

export function sandboxBuilder<T>(yargs: Argv<T>) {
  return yargs
    .option("json", { type: "boolean", default: false, describe: "Print the URLs and token as JSON" })
    .option("allow-local-requests", {
      type: "boolean",
      default: false,
      describe:
        "Let push mirrors reach localhost and the local network (GitLab's admin setting; off by default, as in GitLab)",
    })
    .example([["$0 sandbox", "Start a local GitLab on loopback and print its URL and an api token"]]);
}

export type SandboxArgs = Awaited<ReturnType<typeof sandboxBuilder>["argv"]>;
