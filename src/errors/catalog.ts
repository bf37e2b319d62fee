/**
 * Every error code ci-mirror (and its components' scripts) can print, with the exit code it ends
 * a command with, what it means, and how to fix it. A code exists here or nowhere: `ToolError`
 * takes only these keys, and the README's table of error codes is generated from this file
 * (`npm run docs:errors`).
 *
 * `fix` is the general fix, the one the README shows. Where the fix depends on what failed (the
 * side of a git error, the variable that is not set), a throw site picks one of the `variants`,
 * by name, with its parameters when it has some: the words stay here, as data.
 *
 * `exit` is the process's exit code when the error ends a command (the README's exit-code
 * table). An error inside one mirror of a sync only fails that mirror, and the run exits 1.
 */
import type { CancelExitCode } from "../util/cancel.ts";

/** What a failed command exits with: never 0. */
export type FailureExitCode = 1 | 2 | 3 | CancelExitCode;

/** A fix's words, or a function of the facts it names. */
type FixText = string | ((params: never) => string);

export interface CatalogEntry {
  readonly exit: FailureExitCode;
  /** What happened, in a few words, for the README. */
  readonly meaning: string;
  readonly fix: string;
  readonly variants?: Readonly<Record<string, FixText>>;
}

/**
 * The user's answer to any git error that is not about one side in particular; `variants`
 * `upstream` and `target` name the keys of that side.
 */
const SIDES = {
  auth: {
    upstream:
      "Check the upstream's credential, the variable named by `source_token` (or `ssh_key` over SSH): it must be able to read the upstream. A credential that is set but refused is wrong, expired or revoked.",
    target:
      "Check the target's credential, the variable named by `target.token` (or `target.ssh_key` over SSH): it must be able to write the target (GitLab: write_repository, role Developer or above). A credential that is set but refused is wrong, expired or revoked.",
  },
  notFound: {
    upstream:
      'Check the `source` URL. A private repository also answers "not found" to a credential that cannot read it: check `source_token`.',
    target:
      'Check the target URL; for a GitLab target, create the project first, or set `create_target`. A credential without access also gets "not found": check `target.token`.',
  },
  hostKey: {
    upstream:
      "Add the upstream's host key to the variable named by `known_hosts` (ssh-keyscan output, checked out of band).",
    target:
      "Add the target's host key to the variable named by `target.known_hosts` (ssh-keyscan output, checked out of band).",
  },
} as const;

const REPORT_BUG = "This is a bug in ci-mirror; please report it with --debug output.";
const GITLAB_ITSELF = "Check that gitlab.url points at GitLab itself, not at a proxy or another server.";

export const ERRORS = {
  // Usage and config: nothing was run.
  EUSAGE: {
    exit: 2,
    meaning:
      "the command line is wrong: an unknown option, a missing or bad value, options that exclude each other",
    fix: "Run `ci-mirror --help` for the commands and options.",
    variants: {
      whichMirrors: "Pass --mirror NAME (repeatable) or --all.",
      knownMirrors: ({ known }: { known: string }) => `Known mirrors: ${known}.`,
      onlyNames: "Check the names given with --only (or MIRROR_ONLY); `ci-mirror validate` lists them.",
      mirrorName: "Use letters, digits, '.', '_' and '-' (at most 63 characters).",
      variableName: ({ flag }: { flag: string }) =>
        `Store the value in a masked CI/CD variable and pass its name, e.g. ${flag} MY_VARIABLE.`,
      maxJobs: ({ defaultJobs }: { defaultJobs: number }) =>
        `It is the most jobs the child pipeline may have (default ${defaultJobs}); see your GitLab plan's limits.`,
      jobName: ({ needsLimit }: { needsLimit: number }) =>
        `Use a shorter job prefix (keep names within ${needsLimit} if other jobs need them).`,
      shardTooLong: "Raise --max-jobs (the max_jobs input), so that each shard syncs fewer mirrors.",
      childTooLarge:
        "Split the mirrors over several config files, each included with its own job_prefix; fewer jobs (--max-jobs) also make the file smaller.",
      project: "Pass --project ID_OR_PATH.",
      mirrorId: "Pass --id N (see `push-mirrors list`).",
      mirrorUrl:
        "Delete the mirror and create it again with the new URL (or declare it and use `push-mirrors apply`).",
      noAttributes: "Pass at least one attribute flag.",
      urlCredentials:
        "Pass the variable that holds the token with --token-var NAME, and the user with --username.",
      protectedOrRegex:
        "Pass one of them: a regex turns protected-only off, and --only-protected-branches clears the regex.",
    },
  },
  ECONFIG: {
    exit: 2,
    meaning: "the config file has problems (each is listed with its line and column), or cannot be read",
    fix: "Correct the keys listed above; `ci-mirror validate` checks the file without running anything.",
    variants: {
      unreadable: ({ file }: { file: string }) =>
        `Create ${file} (the README's "Config reference" shows every key), or pass the config file with --config FILE.`,
    },
  },
  EENVMISSING: {
    exit: 2,
    meaning: "a CI/CD variable that the config or a flag names is not set (every one missing is named)",
    fix: "Define it as a masked CI/CD variable (Settings > CI/CD > Variables), or export it before running.",
    variants: {
      mirrors: ({ count }: { count: number }) => {
        const them = count === 1 ? "it" : "them";
        return `Define ${them} in Settings > CI/CD > Variables (masked; protected variables reach only pipelines of protected branches and tags), or export ${them} before running. Nothing was run.`;
      },
      variable: ({ name }: { name: string }) =>
        `Define ${name} as a masked CI/CD variable in the project or group settings, or export it before running.`,
      gitlabToken: ({ name }: { name: string }) =>
        `Add a masked CI/CD variable ${name} holding a token with the api scope (or name another variable in gitlab.token).`,
      pushMirrorToken: ({ name }: { name: string }) =>
        `Add a masked CI/CD variable ${name} holding the token the mirror pushes with.`,
      pushMirrorTokens: "Add a masked CI/CD variable for each, holding the token the mirror pushes with.",
    },
  },
  ESECRETSHORT: {
    exit: 2,
    meaning: "a credential is shorter than 8 characters, too short to be masked in logs",
    fix: "A value that short cannot be masked in logs and reports: put a real token in the variable.",
    variants: {
      variable: ({ name, min }: { name: string; min: number }) =>
        `A value that short cannot be masked in logs and reports (GitLab masks variables of ${min} characters or more): put a real token in ${name}.`,
    },
  },
  EGITLABCONFIG: {
    exit: 2,
    meaning: "no GitLab URL, or one that is not a URL or holds credentials",
    fix: "Set `gitlab: { url: https://gitlab.example.com }` in the config, or run inside a GitLab CI job (which sets CI_SERVER_URL).",
    variants: {
      noUrlOrFlag:
        "Set `gitlab: { url: https://gitlab.example.com }` in the config, pass --gitlab-url, or run inside a GitLab CI job (which sets CI_SERVER_URL).",
      notUrl: "Write it as https://gitlab.example.com",
      credentials: "Put the token in the variable named by gitlab.token instead.",
    },
  },
  EGITLABTOKEN: {
    exit: 2,
    meaning: "the only GitLab credential is CI_JOB_TOKEN, which GitLab refuses on push-mirror routes",
    fix: "GitLab does not accept job tokens on remote-mirror routes: set GITLAB_TOKEN (or the variable named by gitlab.token) to a Maintainer's api-scoped token.",
  },
  EAUDITEMPTY: {
    exit: 2,
    meaning: "`audit` has nothing to audit: no projects, groups or push_mirrors",
    fix: "List projects or groups under `audit:`, or declare `push_mirrors:`.",
  },
  // One code for git not being there, wherever it is found missing. It ends a command only in
  // `plan`, before anything is written (exit 2); inside a sync it fails each mirror (exit 1).
  EGITMISSING: {
    exit: 2,
    meaning:
      "git is not installed or not on PATH; for `plan`, not in the image every sync job of the child would run in",
    fix: "Install git (2.31 or newer).",
    variants: {
      image:
        "Use the image input's default (the ci-mirror image), or install git with the before_script input (see the Quick start in the README).",
    },
  },

  // Another run holds the cache dir: nothing was run, and the config is fine.
  ELOCKED: {
    exit: 3,
    meaning: "another ci-mirror run holds the cache dir",
    fix: "Nothing was run. Wait for that run to finish, or give this run its own --cache-dir.",
    variants: {
      held: ({ staleSeconds }: { staleSeconds: number }) =>
        `Nothing was run. Wait for that run to finish, or give this run its own --cache-dir. The lock of a run that was killed on this machine is taken over at once; one from another machine expires ${staleSeconds}s after its last heartbeat.`,
      contended: "Nothing was run. Run again.",
    },
  },

  // A mirror failed.
  EGITAUTH: {
    exit: 1,
    meaning: "git: the upstream or the target refused the credential (or asked for one)",
    fix: "Check that the token variable is set and the token can read the source and write the target (write_repository).",
    variants: SIDES.auth,
  },
  EGITNOTFOUND: {
    exit: 1,
    meaning: "git: the repository does not exist, or the credential cannot see it",
    fix: "Check the repository URL; for a GitLab target, create the project first.",
    variants: SIDES.notFound,
  },
  EHOSTKEY: {
    exit: 1,
    meaning: "SSH: the server's host key is unknown or changed",
    fix: "Add the server's host key to the known_hosts variable (ssh-keyscan output, checked out of band).",
    variants: SIDES.hostKey,
  },
  EGITREDIRECT: {
    exit: 1,
    meaning: "git: a server answered with a redirect, which ci-mirror does not follow with credentials",
    fix: "ci-mirror sends credentials only to the URL in the config and follows no redirect with them. If the repository moved, check where to, and put its new URL in the config.",
  },
  EGITNETWORK: {
    exit: 1,
    meaning: "git: the network or the server failed, after every retry",
    fix: "The network or the server failed; ci-mirror retried. Run again later, or raise --timeout for very large repositories.",
  },
  EGITTIMEOUT: {
    exit: 1,
    meaning: "git: a network operation ran past --timeout and was stopped",
    fix: "Raise --timeout, or check the network between the runner and the remote.",
  },
  EGITSHALLOW: {
    exit: 1,
    meaning: "the cache repository is shallow, so it cannot be pushed from",
    fix: "The cache repository is shallow; delete the cache directory and run again.",
  },
  EGIT: {
    exit: 1,
    meaning: "git failed in a way ci-mirror does not recognise; git's own words are shown",
    fix: "Read git's own words above; run again with --debug to see git's commands and their output.",
  },
  EDISKFULL: {
    exit: 1,
    meaning: "a disk is full, or a quota used up: the directory to free is named",
    fix: "The disk that holds the cache dir or the temp dir is full. Free space there and run again.",
    variants: {
      at: ({ where }: { where: string }) =>
        `The disk that holds ${where} is full. Free space there and run again.`,
      git: ({ where }: { where: string }) =>
        `The disk that holds ${where} is full. Free space there, or point --cache-dir at a disk with room; ci-mirror does not retry this, as it would fail the same way.`,
    },
  },
  ESSHHOSTS: {
    exit: 1,
    meaning: "an ssh:// endpoint has no known_hosts",
    fix: "Set known_hosts to the name of a variable holding the server's host keys; ci-mirror never trusts an unknown host.",
  },
  EUPSTREAMEMPTY: {
    exit: 1,
    meaning: "the upstream answered with no branches or tags while the target has some: nothing was pushed",
    fix: "Nothing was pushed. Check the source URL and token; if the upstream really is empty and the target should be emptied too, run again with --allow-mass-delete.",
  },
  EREFSEMPTY: {
    exit: 1,
    meaning: "the mirror's ref rules select none of the upstream's branches and tags",
    fix: "Check refs.branches, refs.tags and refs.exclude for this mirror.",
  },
  EDIVERGED: {
    exit: 1,
    meaning:
      "`divergence: fail`, and the target has commits the upstream lacks (or a tag moved): nothing was pushed",
    fix: "Nothing was pushed (divergence: fail). Reconcile the target, or choose divergence: keep or overwrite.",
  },
  EMASSDELETE: {
    exit: 1,
    meaning: "the sync would delete more refs than `max_deletions` allows: nothing was pushed",
    fix: "Nothing was pushed. If the upstream really deleted these refs, run again with --allow-mass-delete, or raise max_deletions for this mirror.",
    variants: {
      // Both guards broken: the first one names the error, the fix names both.
      andRewrites:
        "Nothing was pushed. If the upstream really deleted and rewrote these refs, run again with --allow-mass-delete --allow-mass-rewrite, or raise max_deletions and max_rewrites for this mirror.",
    },
  },
  EMASSREWRITE: {
    exit: 1,
    meaning: "the sync would force more refs than `max_rewrites` allows: nothing was pushed",
    fix: "Nothing was pushed. If the upstream really rewrote these refs, run again with --allow-mass-rewrite, or raise max_rewrites for this mirror.",
  },
  EREJECTED: {
    exit: 1,
    meaning: "the target rejected some ref updates (each is listed with its reason); the others were pushed",
    fix: "See the reason on each rejected ref; the other refs were pushed.",
  },
  EINCOMPLETE: {
    exit: 1,
    meaning: "a fetch did not bring every object the refs need: nothing was pushed",
    fix: "Nothing was pushed. Run again; if it persists, delete the cache directory.",
  },
  ELFS: {
    exit: 1,
    meaning: "a Git LFS transfer failed: nothing was pushed",
    fix: "Nothing was pushed. Check that both sides serve LFS over HTTPS and the tokens allow it.",
  },
  ELFSMISSING: {
    exit: 1,
    meaning: "`lfs: true`, but git-lfs is not installed",
    fix: "Install git-lfs in the job image (the ci-mirror image has it), or set lfs: auto.",
  },
  ECREATETARGET: {
    exit: 1,
    meaning: "`create_target` could not create the missing target project",
    fix: "create_target creates a project in its group on the GitLab named by gitlab.url (or $CI_SERVER_URL): check the target URL.",
    variants: {
      notOnGitLab:
        "create_target only creates projects on the GitLab named by gitlab.url (or $CI_SERVER_URL).",
      noGroup: "A target project lives in a group: https://gitlab.example.com/<group>/<project>.git.",
      visibility: ({ visibility }: { visibility: string }) =>
        `A project cannot be more open than its group: set \`create_target: { visibility: … }\` no more open than the group (it is ${visibility} now), or change the group's visibility.`,
    },
  },
  ELOCKWRITE: {
    exit: 1,
    meaning: "the cache dir's lock could not be written",
    fix: "Make room on the filesystem that holds the cache dir (or fix its permissions), or give this run another --cache-dir.",
  },
  EREPORT: {
    exit: 1,
    meaning: "a report file (--report, --junit) could not be written",
    fix: "Make room on that filesystem or fix its permissions; the summary above says what the run did.",
  },
  ECANCELLED: {
    exit: 143,
    meaning: "the run was cancelled (SIGINT or SIGTERM) before this mirror finished",
    fix: "The job was cancelled (a newer pipeline, a timeout, or a person). Refs are each at their old or their new value; the next run completes the mirror.",
  },

  // The GitLab API.
  EGITLABAUTH: {
    exit: 1,
    meaning: "GitLab refused the API token (401)",
    fix: "The token is unknown, expired or revoked: set a valid api-scoped token in the variable named by gitlab.token (default GITLAB_TOKEN).",
  },
  EGITLABPERMISSION: {
    exit: 1,
    meaning: "the API token lacks a scope or a role",
    fix: "Give the token the `api` scope, and its user the role it needs (Maintainer, to manage push mirrors).",
    variants: {
      scope: "Use a token with the `api` scope.",
      mirrors: ({ target }: { target: string }) =>
        `Managing push mirrors needs the Maintainer role on ${target} (GitLab answers 401 here, not 403).`,
      access: ({ target }: { target: string }) => `Give the token's user access to ${target}.`,
    },
  },
  EGITLABNOTFOUND: {
    exit: 1,
    meaning: "GitLab has no such project, group or push mirror, or the token's user cannot see it",
    fix: "Check the path or id, and that the token's user can see it (GitLab answers 404 to both).",
    variants: {
      mirror: "List the project's mirrors with `ci-mirror push-mirrors list`.",
    },
  },
  EGITLABTIMEOUT: {
    exit: 1,
    meaning: "GitLab did not answer in time",
    fix: "Check that GitLab is reachable from the runner, or raise the timeout.",
  },
  EGITLABRATELIMIT: {
    exit: 1,
    meaning: "GitLab kept rate-limiting the requests (429)",
    fix: "Run the job again later, or ask the GitLab admin about the API rate limits.",
  },
  EGITLABUNAVAILABLE: {
    exit: 1,
    meaning: "GitLab could not be reached, or kept failing (5xx)",
    fix: "GitLab had a server-side problem; run the job again later.",
    variants: {
      unreachable: "Check gitlab.url / $CI_SERVER_URL and that the runner can reach GitLab.",
    },
  },
  EGITLABUNEXPECTED: {
    exit: 1,
    meaning: "GitLab (or whatever answered at gitlab.url) gave an answer ci-mirror cannot use",
    fix: `${GITLAB_ITSELF} If it does, this GitLab answers differently than ci-mirror expects; please report it.`,
    variants: {
      tooLarge: GITLAB_ITSELF,
      shape: "This GitLab version answers differently than ci-mirror expects; please report it.",
    },
  },
  EGITLABVALIDATION: {
    exit: 1,
    meaning: "GitLab refused a request as invalid; its reasons are shown",
    fix: "Correct the values named above.",
  },
  EGITLABREFUSED: {
    exit: 1,
    meaning: "GitLab refused to create or update a push mirror; its reason is shown",
    fix: "Correct what GitLab names, then run again.",
    variants: {
      itself: "Point the mirror at another repository: a project cannot push to its own.",
      tooMany: ({ max }: { max: string }) =>
        `GitLab allows ${max} enabled push mirrors per project: disable or delete one first, or declare this one \`enabled: false\`.`,
      re2: "GitLab matches branch names with RE2, which has no lookaround or backreferences: rewrite mirror_branch_regex (`ci-mirror validate` checks it).",
      localNetwork:
        "The host is, or resolves to, a local address and this GitLab does not allow requests to the local network: use a public host, or ask an admin to allow them (Admin area > Settings > Network > Outbound requests).",
      blockedUrl: "Use an https://, http://, ssh:// or git:// URL that GitLab accepts.",
      taken:
        "The project already has a push mirror with this URL (credentials do not count): `ci-mirror push-mirrors list` shows it.",
      exclusive: "Set only one of only_protected_branches and mirror_branch_regex.",
      hostKey: "Give host keys as known_hosts lines, or as `<type> <base64>` keys.",
    },
  },
  EGITLABREDIRECT: {
    exit: 1,
    meaning: "the GitLab API answered with a redirect, which ci-mirror does not follow",
    fix: "GitLab does not redirect API calls: set gitlab.url (or --gitlab-url, or $CI_SERVER_URL) to the instance's own address, or to its new one if it has moved.",
  },
  EGITLABPAGES: {
    exit: 1,
    meaning: "a listing's pages are not what GitLab sends (too many, empty, or a count GitLab never gives)",
    fix: `GitLab does not paginate this way: ${GITLAB_ITSELF.charAt(0).toLowerCase()}${GITLAB_ITSELF.slice(1)}`,
  },
  EGITLABNOKEY: {
    exit: 1,
    meaning: "`push-mirrors public-key`: the mirror has no public key GitLab generated",
    fix: "Only ssh:// mirrors with auth_method ssh_public_key have a key GitLab generated; this one authenticates with the password in its URL.",
    variants: {
      sshUrl:
        "Only mirrors with auth_method ssh_public_key have a key GitLab generated: update the mirror with --auth-method ssh_public_key, then add the key it shows to the target.",
    },
  },

  // `audit`: a push mirror GitLab has is unhealthy. Each fails the audit (exit 1), and is the
  // mirror's error in the report and the `type` of its JUnit failure.
  EPUSHMIRRORFAILED: {
    exit: 1,
    meaning: "`audit`: GitLab's last push of the mirror failed; GitLab's last error is shown",
    fix: "Fix what GitLab's last error names (often the token in the mirror's URL, or a protected branch on the target), then ask for a push again: `ci-mirror audit --resync-failed` or `ci-mirror push-mirrors sync`.",
  },
  EPUSHMIRRORSTUCK: {
    exit: 1,
    meaning:
      "`audit`: the mirror's push has been running longer than stuck_after, or GitLab gave up on it as too long",
    fix: "Ask for a push again with `ci-mirror push-mirrors sync` once GitLab has marked it failed; if pushes keep getting stuck, the GitLab admin can check its background jobs (Sidekiq).",
  },
  EPUSHMIRRORSTALE: {
    exit: 1,
    meaning: "`audit`: the mirror has had no successful push within max_age, or never",
    fix: "Check the mirror's status and last error (`ci-mirror push-mirrors show`), and ask for a push with `ci-mirror push-mirrors sync`; for projects that rarely change, raise audit.max_age (--max-age).",
  },
  EPUSHMIRRORDISABLED: {
    exit: 1,
    meaning: "`audit`: the mirror is disabled on GitLab, but push_mirrors declares it enabled",
    fix: "Run `ci-mirror push-mirrors apply` to enable it again, or declare it `enabled: false`.",
  },
  EPUSHMIRRORMISSING: {
    exit: 1,
    meaning: "`audit`: a mirror declared in push_mirrors does not exist on GitLab",
    fix: "Run `ci-mirror push-mirrors apply` to create it, or take it out of push_mirrors.",
  },

  // Not the user's to fix.
  EINTERNAL: {
    exit: 1,
    meaning: "a bug in ci-mirror",
    fix: REPORT_BUG,
  },
} satisfies Record<string, CatalogEntry>;

/**
 * Codes printed by the components' own scripts, before ci-mirror runs: they are documented and
 * tested with the others, but no `ToolError` carries them.
 */
export const SCRIPT_ERRORS = {
  ENOCIMIRROR: {
    exit: 127,
    meaning: "a component's job image has no `ci-mirror` (the component's script says so, as a shell would)",
    fix: "Use the image input's default (the ci-mirror image), or install ci-mirror with the before_script input.",
  },
} satisfies Record<string, Omit<CatalogEntry, "exit"> & { exit: 127 }>;

export type ErrorCode = keyof typeof ERRORS;

type Entry<C extends ErrorCode> = (typeof ERRORS)[C];
type ParamsOf<F> = F extends (params: infer P) => string ? P : never;
type VariantChoice<V> = {
  [K in keyof V & string]: V[K] extends string ? K : readonly [K, ParamsOf<V[K]>];
}[keyof V & string];

/**
 * How a throw site picks its fix: nothing (the general one), a variant's name, or a variant's
 * name and its parameters.
 */
export type FixChoice<C extends ErrorCode> = C extends ErrorCode
  ? Entry<C> extends { variants: infer V }
    ? VariantChoice<V>
    : never
  : never;

/** The fix's words for a code and a throw site's choice. */
export function fixText(code: ErrorCode, choice?: FixChoice<ErrorCode>): string {
  const entry: CatalogEntry = ERRORS[code];
  if (choice === undefined) return entry.fix;
  const [name, params] = typeof choice === "string" ? [choice, undefined] : choice;
  const variant = entry.variants?.[name];
  // The types let only a code's own variants through; a mismatch is a bug, said as one.
  if (variant === undefined) throw new Error(`${code} has no fix variant ${name}`);
  return typeof variant === "string" ? variant : (variant as (params: unknown) => string)(params);
}

/** The one shape an error takes in every output: the `--report` and `--json` files, JUnit, audit. */
export interface ErrorReport {
  code: ErrorCode;
  message: string;
  fix: string;
}
