import {
  UPSTREAM_NS,
  cacheRepoExists,
  cloneCacheRepo,
  initCacheRepo,
  isConnected,
  isShallow,
  listCachedRefs,
  presentObjects,
  setNamespace,
} from "../git/cache-repo.ts";
import { fetchRefs, type FetchRequest } from "../git/fetch.ts";
import type { RefMap } from "../git/ls-remote.ts";
import { GitError } from "../errors/git-error.ts";
import { ToolError } from "../errors/tool-error.ts";
import { retryGitStep, type Remote } from "./retry-git.ts";
import { plural } from "../util/plural.ts";
import type { MirrorGit, SyncSettings, SyncWorld } from "./sync-context.ts";

/**
 * Bring the cache up to the upstream's selected refs, pulling as few bytes from the upstream
 * as possible. An empty cache is first seeded from the target — the near side, usually the same
 * GitLab the runner sits next to — so the upstream only sends what the target lacks. Refs whose
 * objects the cache already holds are not fetched at all. A new cache is cloned, from the target
 * when it has refs and else (every branch and tag selected) from the upstream: a clone checks the
 * pack's connectivity as it reads it rather than in a second walk (see cloneCacheRepo).
 *
 * Returns the upstream refs as they are now in the cache (a ref that moved between the listing
 * and the fetch has its fetched value).
 */
export async function updateCache(
  git: MirrorGit,
  urls: { source: string; target: string },
  upstream: RefMap,
  target: RefMap,
  selectsEverything: boolean,
  settings: SyncSettings,
  world: SyncWorld,
): Promise<RefMap> {
  // The caller opened it (openCacheRepo) before anything else read it.
  const created = !(await cacheRepoExists(git.cache));
  if (created && target.size === 0 && selectsEverything) {
    // A first mirror: nothing to seed from, every branch and tag to fetch.
    world.log(`cloning ${plural(upstream.size, "ref")} from the upstream into a new cache`);
    const cloned = await retryGitStep(
      "clone",
      settings,
      world,
      () => cloneCacheRepo(git.cache, urls.source, UPSTREAM_NS, git.sourceEnv),
      { side: "upstream", url: urls.source },
    );
    return settle(git, upstream, new Set(upstream.keys()), new Map(), cloned);
  }
  // The target mirrors the upstream as of the last sync, so its refs are a fair start for the
  // upstream namespace of an empty cache: only what changed since then comes from the upstream,
  // and settle() puts every ref right.
  let cached: RefMap;
  if (created && target.size > 0) {
    world.log(`seeding the empty cache from the target (${plural(target.size, "ref")})`);
    cached = await retryGitStep(
      "clone",
      settings,
      world,
      () => cloneCacheRepo(git.cache, urls.target, UPSTREAM_NS, git.targetEnv),
      { side: "target", url: urls.target },
    );
  } else if (created) {
    await initCacheRepo(git.cache);
    cached = new Map();
  } else {
    cached = await listCachedRefs(git.cache, UPSTREAM_NS);
    if (cached.size === 0 && target.size > 0) {
      // A cache left without refs (a run that died before its fetch finished).
      const missing = await missingRefs(git, target);
      if (missing.length > 0) {
        world.log(`seeding the empty cache from the target (${plural(missing.length, "ref")})`);
        const requests = useGlobs(missing.length, true)
          ? globsInto(UPSTREAM_NS)
          : requestsInto(UPSTREAM_NS, missing);
        await fetchWithRetry(
          git,
          { side: "target", url: urls.target },
          git.targetEnv,
          requests,
          settings,
          world,
        );
        cached = await listCachedRefs(git.cache, UPSTREAM_NS);
      }
    }
  }

  // A repository created empty just now lacks everything: no need to ask it.
  const missing = new Set(created && cached.size === 0 ? upstream.keys() : await missingRefs(git, upstream));
  let fetched = cached;
  if (missing.size > 0) {
    world.log(`fetching ${missing.size} of ${plural(upstream.size, "ref")} from the upstream`);
    const requests = useGlobs(missing.size, selectsEverything)
      ? globsInto(UPSTREAM_NS)
      : requestsInto(UPSTREAM_NS, [...missing]);
    await fetchWithRetry(
      git,
      { side: "upstream", url: urls.source },
      git.sourceEnv,
      requests,
      settings,
      world,
    );
    fetched = await listCachedRefs(git.cache, UPSTREAM_NS);
  }
  return settle(git, upstream, missing, cached, fetched);
}

/**
 * The upstream refs as the cache now holds them, checked complete, in the upstream namespace.
 * A missing ref takes the value the fetch stored (it may have moved since the listing), unless
 * the fetch left it as it was (it vanished upstream meanwhile, or a seed value is still there):
 * then the listed value stands, and the completeness check fails the run instead of pushing a
 * stale ref.
 */
async function settle(
  git: MirrorGit,
  upstream: RefMap,
  missing: Set<string>,
  before: RefMap,
  fetched: RefMap,
): Promise<RefMap> {
  const current: RefMap = new Map();
  for (const [ref, sha] of upstream) {
    const stored = fetched.get(ref);
    const moved = missing.has(ref) && stored != null && stored !== before.get(ref);
    current.set(ref, moved ? stored : sha);
  }
  await setNamespace(git.cache, UPSTREAM_NS, current, fetched);
  await verifyComplete(git, current);
  return current;
}

async function missingRefs(git: MirrorGit, refs: RefMap): Promise<string[]> {
  const present = await presentObjects(git.cache, refs.values());
  const held = [...refs.values()].filter((sha) => present.has(sha));
  // A fetch that failed half-way (a dropped connection, an upstream sending a bad pack) can leave
  // a tip's commit without the rest of its history: held tips count only when complete.
  if (!(await isConnected(git.cache, held))) return [...refs.keys()];
  return [...refs].filter(([, sha]) => !present.has(sha)).map(([ref]) => ref);
}

/**
 * git matches every explicit refspec against every advertised ref, so naming hundreds of refs
 * costs seconds that two glob refspecs do not. Globs are only used when they select exactly what
 * the rules select (a mirror of all branches and tags), or for the target seed, where any object
 * helps.
 */
const GLOB_FETCH_THRESHOLD = 50;

function useGlobs(missing: number, selectsEverything: boolean): boolean {
  return selectsEverything && missing > GLOB_FETCH_THRESHOLD;
}

function globsInto(namespace: string): FetchRequest[] {
  return [
    { from: "refs/heads/*", to: `${namespace}heads/*` },
    { from: "refs/tags/*", to: `${namespace}tags/*` },
  ];
}

function requestsInto(namespace: string, refs: readonly string[]): FetchRequest[] {
  return refs.map((ref) => ({ from: ref, to: `${namespace}${ref.slice("refs/".length)}` }));
}

async function fetchWithRetry(
  git: MirrorGit,
  remote: Remote,
  env: MirrorGit["sourceEnv"],
  requests: FetchRequest[],
  settings: SyncSettings,
  world: SyncWorld,
): Promise<void> {
  await retryGitStep("fetch", settings, world, () => fetchRefs(git.cache, remote.url, requests, env), remote);
}

/**
 * Never push from an incomplete repository: a shallow or partial cache would make the target
 * look like it lost history.
 */
async function verifyComplete(git: MirrorGit, refs: RefMap): Promise<void> {
  if (await isShallow(git.cache)) {
    throw new GitError("shallow", "fetch", "the cache repository is shallow");
  }
  const present = await presentObjects(git.cache, refs.values());
  const absent = [...refs].filter(([, sha]) => !present.has(sha)).map(([ref]) => ref);
  if (absent.length > 0) {
    throw new ToolError(
      "EINCOMPLETE",
      `the fetch did not bring ${plural(absent.length, "ref")}: ${absent.slice(0, 5).join(", ")}`,
    );
  }
}
