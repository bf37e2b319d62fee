import type { Argv } from "yargs";
import type { ArgsOf, GlobalOptions, LazyCommand, OptionsOf } from "../command.ts";
import { positiveInteger, positiveNumber, variableName } from "../flags.ts";

const ACTIONS = ["list", "show", "create", "update", "delete", "sync", "public-key", "apply"] as const;

function pushMirrorsBuilder(yargs: Argv<GlobalOptions>) {
  return yargs
    .positional("action", { choices: ACTIONS, demandOption: true, describe: "What to do" })
    .option("config", {
      alias: "c",
      type: "string",
      describe:
        "Config file: its gitlab: settings, and push_mirrors: for apply (default: mirrors.yml; optional except for apply)",
    })
    .option("gitlab-url", {
      type: "string",
      describe: "GitLab base URL (default: gitlab.url, else $CI_SERVER_URL)",
    })
    .option("project", { alias: "p", type: "string", describe: "Project id or full path (group/app)" })
    .option("id", {
      type: "number",
      describe: "Push mirror id (show, update, delete, sync, public-key)",
      coerce: positiveInteger("--id"),
    })
    .option("url", { type: "string", describe: "Mirror URL without credentials (create)" })
    .option("username", { type: "string", describe: "User put into the mirror URL (create; default oauth2)" })
    .option("token-var", {
      type: "string",
      describe: "NAME of the variable holding the mirror's password/token (create)",
      coerce: variableName("--token-var"),
    })
    .option("enabled", {
      type: "boolean",
      describe: "Mirror enabled (create: default true, as apply; --no-enabled to disable)",
    })
    .option("only-protected-branches", { type: "boolean", describe: "Push protected branches only" })
    .option("keep-divergent-refs", { type: "boolean", describe: "Skip refs that diverged on the mirror" })
    .option("mirror-branch-regex", {
      type: "string",
      describe: "Push only branches matching (Premium; '' clears)",
    })
    .option("auth-method", {
      choices: ["password", "ssh_public_key"] as const,
      describe: "How GitLab authenticates",
    })
    .option("json", { type: "boolean", default: false, describe: "Machine-readable output" })
    .option("dry-run", { type: "boolean", default: false, describe: "apply: show the plan, change nothing" })
    .option("prune", {
      type: "boolean",
      default: false,
      describe: "apply: delete mirrors the config does not declare",
    })
    .option("rotate-credentials", {
      type: "boolean",
      default: false,
      describe: "apply: recreate mirrors that carry a token, with the token's current value",
    })
    .option("timeout", {
      type: "number",
      default: 30,
      describe: "Seconds before one API request is abandoned",
      coerce: positiveNumber("--timeout", "seconds"),
    })
    .example([
      ["$0 push-mirrors list --project group/app", "Mirrors of a project, with their status"],
      [
        "$0 push-mirrors create -p group/app --url https://github.com/org/app.git --token-var GITHUB_TOKEN --enabled",
        "Add a mirror; the credential is read from $GITHUB_TOKEN",
      ],
      ["$0 push-mirrors update -p group/app --id 7 --no-enabled", "Disable a mirror"],
      ["$0 push-mirrors apply -c mirrors.yml --dry-run", "Show what push_mirrors: would change"],
    ]);
}

export type PushMirrorsArgs = ArgsOf<typeof pushMirrorsBuilder>;

export const pushMirrorsCommand: LazyCommand<OptionsOf<typeof pushMirrorsBuilder>> = {
  command: "push-mirrors <action>",
  describe: "Manage a project's GitLab push mirrors, or apply push_mirrors: from the config",
  builder: pushMirrorsBuilder,
  load: async () => (await import("./push-mirrors-run.ts")).runPushMirrors,
};
