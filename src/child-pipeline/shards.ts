/**
 * Which shard job syncs which mirror, when a fleet has more mirrors than the child pipeline may
 * have jobs. Rendezvous (highest-random-weight) hashing: each mirror goes to the shard that gives
 * it the highest score, and a score depends on the mirror's name and the shard's number only.
 * So adding or removing a mirror moves no other mirror, and adding a shard moves only the
 * mirrors that now score highest on it (about 1/K of them): the shards' CI caches stay warm.
 */

/** 32-bit FNV-1a over the name's UTF-16 code units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function mix(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** A shard's own seed: its number spread over 32 bits, so neighbouring shards score unalike. */
function shardSeed(shard: number): number {
  return mix(Math.imul(shard, 0x9e3779b1) >>> 0);
}

/**
 * The shard (1-based) of one mirror among `shards`. Names are compared without case, as the
 * config's uniqueness rule does, so renaming `Tool` to `tool` keeps its shard.
 */
export function shardOf(name: string, shards: number): number {
  const key = fnv1a(name.toLowerCase());
  let best = 1;
  let bestScore = -1;
  for (let shard = 1; shard <= shards; shard += 1) {
    // Two rounds: one mixes the shard into the name's hash, the second breaks the XOR's structure.
    const score = mix(mix(key ^ shardSeed(shard)) + key);
    if (score > bestScore) {
      best = shard;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The mirrors of each shard, in the order given (config order), keyed by shard number; shards
 * that no mirror chose are absent.
 */
export function assignShards(names: readonly string[], shards: number): Map<number, string[]> {
  const byShard = new Map<number, string[]>();
  for (const name of names) {
    const shard = shardOf(name, shards);
    const members = byShard.get(shard);
    if (members == null) byShard.set(shard, [name]);
    else members.push(name);
  }
  return new Map([...byShard.entries()].sort(([a], [b]) => a - b));
}
