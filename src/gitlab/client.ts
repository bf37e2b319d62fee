/**
 * `GitLabPort` over @gitbeaker/rest. gitbeaker builds the requests (endpoints, path encoding,
 * Link-header pagination); transport.ts sends them; schema.ts checks what comes back.
 */
import { Gitlab } from "@gitbeaker/rest";
import type * as z from "zod";
import { ToolError } from "../errors/tool-error.ts";
import type { Redactor } from "../util/redact.ts";
import { gitLabError } from "./errors.ts";
import type { ErrorContext } from "./errors.ts";
import type { GitLabPort, ProjectRef, RemoteMirror, RemoteMirrorInput } from "./port.ts";
import {
  groupSchema,
  projectSchema,
  protectedBranchSchema,
  publicKeySchema,
  remoteMirrorSchema,
  tokenSchema,
} from "./schema.ts";
import { allPages } from "./pages.ts";
import { REAL_CLOCK, type RetryClock, type RetryPolicy } from "../util/retry.ts";
import { createRequesterFn } from "./transport.ts";

export interface GitLabClientSettings {
  url: string;
  token?: string | undefined;
  jobToken?: string | undefined;
  timeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  redactor?: Redactor | undefined;
  /** Most pages one listing may take (100 rows each); default 1,000. */
  maxPages?: number | undefined;
  /** How retries wait and what `Retry-After` dates count from; default real time. */
  clock?: RetryClock | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 60_000 };
const PER_PAGE = 100;
// Pages of a group's projects asked for at once; GitLab's rate limits are per minute, and a
// large group has a few dozen pages at most.
const PAGE_CONCURRENCY = 4;
// 100,000 rows: far beyond any group ci-mirror audits, and a bound on what a server can make
// one listing request.
const DEFAULT_MAX_PAGES = 1_000;

export function createGitLabClient(settings: GitLabClientSettings): GitLabPort {
  settings.redactor?.add(settings.token);
  settings.redactor?.add(settings.jobToken);
  let requests = 0;
  const api = gitbeaker(settings, () => {
    requests += 1;
  });
  const host = hostOf(settings.url);
  const shared = { api, call: translatingErrors(api, settings, host), listAll: lister(api, settings, host) };
  return {
    get requestCount() {
      return requests;
    },
    ...projectCalls(shared),
    ...remoteMirrorCalls(shared, settings.token != null),
    tokenSelf: () => shared.call({}, async () => parse(tokenSchema, await api.PersonalAccessTokens.show())),
  };
}

/** gitbeaker's client, sending through transport.ts. */
function gitbeaker(settings: GitLabClientSettings, onRequest: () => void): Gitlab {
  const requesterFn = createRequesterFn({
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: settings.retry ?? DEFAULT_RETRY,
    onRequest,
    clock: settings.clock ?? REAL_CLOCK,
  });
  // queryTimeout: null because gitbeaker would start one timer per call, running across our
  // retries and Retry-After waits; transport.ts times each HTTP request instead.
  const common = { host: settings.url, requesterFn, queryTimeout: null };
  return settings.token != null
    ? new Gitlab({ ...common, token: settings.token })
    : new Gitlab({ ...common, jobToken: settings.jobToken ?? "" });
}

/** Runs one API call and turns its failure into a ToolError that names the host and the object. */
type Call = <T>(context: Omit<ErrorContext, "host">, run: () => Promise<T>) => Promise<T>;

/** Every row of a paginated listing. */
type ListAll = (path: string, query: Record<string, unknown>, what: string) => Promise<unknown[]>;

/** What the calls of the port share. */
interface Requests {
  api: Gitlab;
  call: Call;
  listAll: ListAll;
}

function translatingErrors(api: Gitlab, settings: GitLabClientSettings, host: string): Call {
  async function tokenIsValid(): Promise<boolean> {
    if (settings.token == null) return false;
    try {
      await api.PersonalAccessTokens.show();
      return true;
    } catch {
      return false;
    }
  }

  return async <T>(context: Omit<ErrorContext, "host">, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const full: ErrorContext = { host, ...context };
      if (context.mirrorRoute === true && statusOf(error) === 401) {
        // GitLab answers 401 both to a bad token and to a good token without Maintainer on
        // remote-mirror routes: ask who we are to tell the two apart.
        full.tokenValid = await tokenIsValid();
      }
      const translated = gitLabError(error, full);
      if (settings.redactor != null) translated.message = settings.redactor.redact(translated.message);
      throw translated;
    }
  };
}

/**
 * Every row of an offset-paginated listing. pages.ts bounds it: page 1 gives the count and the
 * rest are asked for at once; past GitLab's 10,000-row count, pages are followed one by one.
 */
function lister(api: Gitlab, settings: GitLabClientSettings, host: string): ListAll {
  return async (path, query, what) =>
    allPages(
      async (page) => {
        const response = await api.requester.get(path, {
          searchParams: { ...query, perPage: PER_PAGE, page },
        });
        return { body: response.body, headers: response.headers };
      },
      {
        perPage: PER_PAGE,
        maxPages: settings.maxPages ?? DEFAULT_MAX_PAGES,
        concurrency: PAGE_CONCURRENCY,
        what,
        host,
      },
    );
}

const projectPath = (project: ProjectRef): string => `projects/${encodeURIComponent(String(project))}`;
const mirrorsPath = (project: ProjectRef): string => `${projectPath(project)}/remote_mirrors`;

type ProjectCalls = Pick<
  GitLabPort,
  "getProject" | "findProject" | "createProject" | "getGroup" | "listGroupProjects" | "listProtectedBranches"
>;

function projectCalls({ api, call, listAll }: Requests): ProjectCalls {
  const calls: ProjectCalls = {
    async getProject(project) {
      return call({ project: String(project) }, async () =>
        parse(projectSchema, await api.Projects.show(project)),
      );
    },
    async findProject(project) {
      try {
        return await calls.getProject(project);
      } catch (error) {
        if (error instanceof ToolError && error.code === "EGITLABNOTFOUND") return undefined;
        throw error;
      }
    },
    async createProject(input) {
      const group = await calls.getGroup(input.namespacePath);
      return call({ project: `${input.namespacePath}/${input.path}` }, async () =>
        parse(
          projectSchema,
          await api.Projects.create({
            path: input.path,
            namespaceId: group.id,
            visibility: input.visibility as "private",
            ...(input.description == null ? {} : { description: input.description }),
            ...(input.defaultBranch == null ? {} : { defaultBranch: input.defaultBranch }),
          }),
        ),
      );
    },
    async getGroup(group) {
      return call({ group: String(group) }, async () => parse(groupSchema, await api.Groups.show(group)));
    },
    async listGroupProjects(group, options = {}) {
      return call({ group: String(group) }, async () => {
        const query = {
          includeSubgroups: true,
          // Only sent when excluding: without the parameter GitLab returns both.
          ...(options.includeArchived === true ? {} : { archived: false }),
          // GitLab's default (true) adds projects shared into the group, whose mirrors the
          // token usually cannot manage; they are the group's only when asked for.
          withShared: options.includeShared === true,
        };
        const path = `groups/${encodeURIComponent(String(group))}/projects`;
        return parseArray(projectSchema, await listAll(path, query, `the projects of group ${group}`));
      });
    },
    async listProtectedBranches(project) {
      return call({ project: String(project) }, async () =>
        parseArray(
          protectedBranchSchema,
          await listAll(
            `${projectPath(project)}/protected_branches`,
            {},
            `the protected branches of ${project}`,
          ),
        ),
      );
    },
  };
  return calls;
}

type RemoteMirrorCalls = Pick<
  GitLabPort,
  | "listRemoteMirrors"
  | "getRemoteMirror"
  | "createRemoteMirror"
  | "updateRemoteMirror"
  | "deleteRemoteMirror"
  | "syncRemoteMirror"
  | "getRemoteMirrorPublicKey"
>;

/** The remote-mirror routes, which GitLab opens to a Maintainer's own token only. */
function remoteMirrorCalls({ api, call, listAll }: Requests, hasToken: boolean): RemoteMirrorCalls {
  function mirrorRoute(project: ProjectRef, mirrorId?: number): Omit<ErrorContext, "host"> {
    if (!hasToken) {
      throw new ToolError("EGITLABTOKEN", "CI_JOB_TOKEN cannot manage push mirrors");
    }
    return { project: String(project), mirrorId, mirrorRoute: true };
  }

  const calls: RemoteMirrorCalls = {
    async listRemoteMirrors(project) {
      const context = mirrorRoute(project);
      return call(context, async () =>
        parseArray(
          remoteMirrorSchema,
          await listAll(mirrorsPath(project), {}, `the push mirrors of ${project}`),
        ),
      );
    },
    async getRemoteMirror(project, mirrorId) {
      const context = mirrorRoute(project, mirrorId);
      return call(context, async () =>
        parse(remoteMirrorSchema, await api.ProjectRemoteMirrors.show(project, mirrorId)),
      );
    },
    async createRemoteMirror(project, input) {
      const context = mirrorRoute(project);
      // Raw POST rather than createPushMirror(): that method's options type has no auth_method.
      return call(context, async () => {
        const response = await api.requester.post(mirrorsPath(project), { body: mirrorBody(input) });
        return parse(remoteMirrorSchema, response.body);
      });
    },
    async updateRemoteMirror(project, mirrorId, input) {
      const context = mirrorRoute(project, mirrorId);
      // gitbeaker 43.8's ProjectRemoteMirrors.edit() sends POST, which GitLab does not route
      // (404); the API's update is a PUT.
      return call(context, async () => {
        // GitLab cannot change a mirror's URL: a url here is dropped, not sent.
        const changes: RemoteMirrorInput = { ...input };
        delete changes.url;
        const response = await api.requester.put(`${mirrorsPath(project)}/${mirrorId}`, {
          body: mirrorBody(changes),
        });
        return parse(remoteMirrorSchema, response.body);
      });
    },
    async deleteRemoteMirror(project, mirrorId) {
      const context = mirrorRoute(project, mirrorId);
      await call(context, async () => {
        await api.ProjectRemoteMirrors.remove(project, mirrorId);
      });
    },
    async syncRemoteMirror(project, mirrorId) {
      const context = mirrorRoute(project, mirrorId);
      await call(context, async () => {
        await api.ProjectRemoteMirrors.sync(project, mirrorId);
      });
    },
    async getRemoteMirrorPublicKey(project, mirrorId) {
      const context = mirrorRoute(project, mirrorId);
      // gitbeaker 43.8 has no method for `…/public_key` (GitLab 17.9+).
      try {
        return await call(context, async () => {
          const response = await api.requester.get(`${mirrorsPath(project)}/${mirrorId}/public_key`);
          return parse(publicKeySchema, response.body);
        });
      } catch (error) {
        if (!(error instanceof ToolError) || error.code !== "EGITLABNOTFOUND") throw error;
        // GitLab answers the same bare 404 for a missing mirror and for one without a key
        // (lib/api/remote_mirrors.rb: `not_found! unless mirror.ssh_key_auth?`): ask which.
        const mirror = await calls.getRemoteMirror(project, mirrorId);
        throw noPublicKey(String(project), mirror);
      }
    },
  };
  return calls;
}

/** Why a mirror that exists has no public key: `RemoteMirror#ssh_key_auth?` needs both parts. */
function noPublicKey(project: string, mirror: RemoteMirror): ToolError {
  const sshUrl = mirror.url.startsWith("ssh://");
  const reason =
    mirror.authMethod !== "ssh_public_key"
      ? "uses password authentication"
      : "uses SSH key authentication without an ssh:// URL";
  return new ToolError(
    "EGITLABNOKEY",
    `push mirror ${mirror.id} of ${project} ${reason}: it has no public key`,
    { fix: sshUrl ? "sshUrl" : undefined },
  );
}

/** snake_case keys are added by gitbeaker; undefined fields are left out of the JSON. */
function mirrorBody(input: RemoteMirrorInput): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (input.url !== undefined) body.url = input.url;
  if (input.enabled !== undefined) body.enabled = input.enabled;
  if (input.onlyProtectedBranches !== undefined) body.onlyProtectedBranches = input.onlyProtectedBranches;
  if (input.keepDivergentRefs !== undefined) body.keepDivergentRefs = input.keepDivergentRefs;
  if (input.mirrorBranchRegex !== undefined) body.mirrorBranchRegex = input.mirrorBranchRegex;
  if (input.authMethod !== undefined) body.authMethod = input.authMethod;
  return body;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new ToolError(
      "EGITLABUNEXPECTED",
      `unexpected response shape from GitLab: ${result.error.message}`,
      { fix: "shape" },
    );
  }
  return result.data;
}

function parseArray<S extends z.ZodType>(schema: S, body: unknown): z.output<S>[] {
  if (!Array.isArray(body)) return parse(schema.array(), body);
  return body.map((item) => parse(schema, item));
}

function statusOf(error: unknown): number | undefined {
  if (error == null || typeof error !== "object" || !("cause" in error)) return undefined;
  const cause: unknown = error.cause;
  if (cause == null || typeof cause !== "object" || !("response" in cause)) return undefined;
  return cause.response instanceof Response ? cause.response.status : undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
