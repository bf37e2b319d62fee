import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { Config } from "../../config/types.ts";
import { applyPushMirrors } from "../../core/push-mirrors/apply.ts";
import { mirrorRefusal } from "../../core/push-mirrors/refusal.ts";
import {
  applyJson,
  formatApply,
  formatMirror,
  formatMirrors,
  mirrorJson,
} from "../../output/push-mirrors.ts";
import { pushMirrorCredentials } from "../../core/push-mirrors/credentials.ts";
import { UsageError } from "../../errors/tool-error.ts";
import { createGitLabClient } from "../../gitlab/client.ts";
import { hasCredentials, mirrorUrlWithCredentials } from "../../gitlab/mirror-url.ts";
import type { RemoteMirrorInput } from "../../gitlab/port.ts";
import { resolveGitLabSettings } from "../../gitlab/settings.ts";
import { registerEnvSecrets } from "../../output/config-secrets.ts";
import { Printer } from "../../output/printer.ts";
import type { Redactor } from "../../util/redact.ts";
import { loadCommandConfig } from "../command-config.ts";
import type { CliWorld, CommandWorld } from "../world.ts";

import type { PushMirrorsArgs } from "./push-mirrors.ts";

const DEFAULT_CONFIG = "mirrors.yml";

export async function runPushMirrors(args: PushMirrorsArgs, world: CommandWorld): Promise<0 | 1 | 2> {
  const tokenVar = args.tokenVar;
  const { redactor } = world;
  const printer = new Printer(world.stdout, world.stderr, redactor);
  // mirrors.yml by default, like every command. `apply` needs it; the one-mirror actions use its
  // `gitlab:` settings when it is there, and work from --gitlab-url / $CI_SERVER_URL without it.
  const configFile = args.config ?? DEFAULT_CONFIG;
  const optional = args.config == null && args.action !== "apply";
  let config: Config | undefined;
  if (!optional || (await isFile(resolve(world.cwd, configFile)))) {
    config = await loadCommandConfig(configFile, world, printer, { moreSecrets: [tokenVar] });
  } else {
    registerEnvSecrets(world.env, redactor, [tokenVar]);
  }
  const settings = resolveGitLabSettings(config?.gitlab, world.env, {
    redactor,
    urlOverride: args.gitlabUrl,
    urlFlag: true,
  });
  const port = createGitLabClient({ ...settings, timeoutMs: args.timeout * 1000, redactor });
  // JSON is redacted as a value before it is serialised, so escaping cannot hide a secret;
  // text is redacted by the printer. What GitLab says (a mirror's last_error) is redacted before
  // it is formatted, too, because the table shortens it and could cut a secret in two.
  const print = (text: string, json: unknown): void => {
    printer.out(args.json ? JSON.stringify(redactor.redactValue(json), null, 2) : text);
  };

  if (args.action === "apply") {
    const result = await applyPushMirrors(
      config ?? { pushMirrors: [] },
      port,
      { env: world.env, redactor },
      { dryRun: args.dryRun, prune: args.prune, rotateCredentials: args.rotateCredentials },
    );
    for (const warning of result.warnings) {
      printer.err(`warning: ${warning.message}`);
      printer.err(`fix: ${warning.fix}`);
    }
    print(formatApply(result), applyJson(result));
    const failed = result.failures.length > 0 || result.outcomes.some((o) => o.status === "failed");
    return failed ? 1 : 0;
  }

  const project = requireProject(args.project);
  switch (args.action) {
    case "list": {
      const mirrors = redactor.redactValue(await port.listRemoteMirrors(project));
      print(formatMirrors(mirrors), mirrors.map(mirrorJson));
      return 0;
    }
    case "show": {
      const mirror = redactor.redactValue(await port.getRemoteMirror(project, requireId(args.id)));
      print(formatMirror(mirror), mirrorJson(mirror));
      return 0;
    }
    case "create": {
      const input = createInput(args, tokenVar, world, redactor);
      const mirror = redactor.redactValue(
        await port.createRemoteMirror(project, input).catch((error: unknown) => {
          throw mirrorRefusal(error, project, args.url ?? input.url);
        }),
      );
      print(`created push mirror ${mirror.id}\n${formatMirror(mirror)}`, mirrorJson(mirror));
      return 0;
    }
    case "update": {
      const id = requireId(args.id);
      if (args.url != null) {
        throw new UsageError("GitLab cannot change a push mirror's URL", "mirrorUrl");
      }
      const input = attributes(args);
      if (Object.keys(input).length === 0) throw new UsageError("nothing to update", "noAttributes");
      const mirror = redactor.redactValue(
        await port.updateRemoteMirror(project, id, input).catch((error: unknown) => {
          throw mirrorRefusal(error, project, `#${id}`);
        }),
      );
      print(`updated push mirror ${mirror.id}\n${formatMirror(mirror)}`, mirrorJson(mirror));
      return 0;
    }
    case "delete": {
      const id = requireId(args.id);
      await port.deleteRemoteMirror(project, id);
      print(`deleted push mirror ${id}`, { deleted: id });
      return 0;
    }
    case "sync": {
      const id = requireId(args.id);
      await port.syncRemoteMirror(project, id);
      print(`sync of push mirror ${id} requested`, { synced: id });
      return 0;
    }
    case "public-key": {
      const key = await port.getRemoteMirrorPublicKey(project, requireId(args.id));
      print(key, { publicKey: key });
      return 0;
    }
  }
}

function createInput(
  args: PushMirrorsArgs,
  tokenVar: string | undefined,
  world: CliWorld,
  redactor: Redactor,
): RemoteMirrorInput & { url: string } {
  if (args.url == null) throw new UsageError("create needs --url");
  if (hasCredentials(args.url)) {
    throw new UsageError(
      "--url must not contain credentials (they would end up in shell history and job logs)",
      "urlCredentials",
    );
  }
  let url = args.url;
  if (tokenVar != null) {
    const { username, password } = pushMirrorCredentials(tokenVar, args.username, {
      env: world.env,
      redactor,
    });
    url = mirrorUrlWithCredentials(url, username, password);
  } else if (args.username != null) {
    throw new UsageError("--username needs --token-var");
  }
  // Enabled unless --no-enabled, as `apply` creates a declared mirror: a mirror is created to
  // push. (GitLab's API alone would create it disabled.)
  return { ...attributes(args), enabled: args.enabled ?? true, url };
}

function attributes(args: PushMirrorsArgs): RemoteMirrorInput {
  if (args.onlyProtectedBranches != null && args.mirrorBranchRegex != null) {
    throw new UsageError(
      "--only-protected-branches and --mirror-branch-regex are mutually exclusive (GitLab refuses both in one request)",
      "protectedOrRegex",
    );
  }
  const input: RemoteMirrorInput = {};
  if (args.enabled != null) input.enabled = args.enabled;
  if (args.onlyProtectedBranches != null) input.onlyProtectedBranches = args.onlyProtectedBranches;
  if (args.keepDivergentRefs != null) input.keepDivergentRefs = args.keepDivergentRefs;
  if (args.mirrorBranchRegex != null) input.mirrorBranchRegex = args.mirrorBranchRegex;
  if (args.authMethod != null) input.authMethod = args.authMethod;
  return input;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function requireProject(project: string | undefined): string {
  if (project == null || project === "") throw new UsageError("say which project", "project");
  return project;
}

function requireId(id: number | undefined): number {
  // A given --id is a whole number of at least 1 already (flags.ts).
  if (id === undefined) throw new UsageError("say which mirror", "mirrorId");
  return id;
}
