import { isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { Document, LineCounter, Pair, YAMLMap } from "yaml";
import type { PathSegment } from "./config-path.ts";

/**
 * Maps a path in the parsed data back to the YAML node it came from, so every issue can carry a
 * line and a column. Aliases and `<<` merge keys are followed, like `toJS()` does: an issue about a
 * merged value points at the line where that value is written.
 */
export interface Position {
  line: number;
  column: number;
}

export class YamlPositions {
  readonly #doc: Document;
  readonly #lineCounter: LineCounter;

  constructor(doc: Document, lineCounter: LineCounter) {
    this.#doc = doc;
    this.#lineCounter = lineCounter;
  }

  /** Position of the deepest node on `path` that exists: for a missing key, its parent map. */
  positionOf(path: readonly PathSegment[], at: "key" | "value" = "value"): Position | undefined {
    let node: unknown = this.#doc.contents;
    let keyNode: unknown;
    for (const segment of path) {
      const container = this.#resolve(node);
      const next = this.#child(container, segment);
      if (next === undefined) {
        keyNode = undefined;
        break;
      }
      node = next.value;
      keyNode = next.key;
    }
    // `key:` with nothing after it has no useful position of its own; its key has.
    const emptyValue =
      node == null || (isScalar(node) && node.value == null && node.range?.[0] === node.range?.[1]);
    const target = at === "key" || emptyValue ? (keyNode ?? node) : node;
    return this.#positionAt(target);
  }

  /** The path of the innermost key or item at a source offset, for YAML errors. */
  pathAt(offset: number): PathSegment[] {
    const path: PathSegment[] = [];
    let node: unknown = this.#doc.contents;
    for (;;) {
      const step = this.#stepInto(node, offset);
      if (step === undefined) return path;
      path.push(step.segment);
      if (step.node === undefined) return path;
      node = step.node;
    }
  }

  offsetPosition(offset: number): Position {
    const { line, col } = this.#lineCounter.linePos(offset);
    return { line, column: col };
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }

  #child(container: unknown, segment: PathSegment): { key: unknown; value: unknown } | undefined {
    if (isSeq(container)) {
      if (typeof segment !== "number" || segment >= container.items.length) return undefined;
      return { key: undefined, value: container.items[segment] };
    }
    if (!isMap(container)) return undefined;
    const pair = this.#findPair(container, String(segment), 0);
    return pair === undefined ? undefined : { key: pair.key, value: pair.value };
  }

  #findPair(map: YAMLMap, key: string, depth: number): Pair | undefined {
    let found: Pair | undefined;
    // The last of duplicate keys wins, as in `toJS()` (duplicates are reported separately).
    for (const pair of map.items) if (!isMergeKey(pair.key) && keyText(pair.key) === key) found = pair;
    if (found !== undefined || depth > MAX_MERGE_DEPTH) return found;
    for (const pair of map.items) {
      if (!isMergeKey(pair.key)) continue;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const resolved = this.#resolve(source);
        const merged = isMap(resolved) ? this.#findPair(resolved, key, depth + 1) : undefined;
        if (merged !== undefined) return merged;
      }
    }
    return undefined;
  }

  #stepInto(node: unknown, offset: number): { segment: PathSegment; node: unknown } | undefined {
    if (isSeq(node)) {
      const index = node.items.findIndex((item) => contains(item, offset));
      return index < 0 ? undefined : { segment: index, node: node.items[index] };
    }
    if (!isMap(node)) return undefined;
    for (const pair of node.items) {
      const key = keyText(pair.key);
      if (key === undefined) continue;
      if (contains(pair.key, offset)) return { segment: key, node: undefined };
      if (contains(pair.value, offset)) return { segment: key, node: pair.value };
    }
    return undefined;
  }

  #positionAt(node: unknown): Position | undefined {
    const start = rangeOf(node)?.[0];
    return start === undefined ? undefined : this.offsetPosition(start);
  }
}

// Guards against merge keys that merge each other in a cycle.
const MAX_MERGE_DEPTH = 20;

function isMergeKey(key: unknown): boolean {
  // With `merge: true` the yaml library gives `<<` a symbol as its value; no other key has one.
  return isScalar(key) && typeof key.value === "symbol";
}

function keyText(key: unknown): string | undefined {
  if (!isScalar(key) || typeof key.value === "symbol") return undefined;
  return String(key.value);
}

function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  if (isPair(node)) return rangeOf(node.key);
  if (isScalar(node) || isMap(node) || isSeq(node) || isAlias(node)) return node.range ?? undefined;
  return undefined;
}

function contains(node: unknown, offset: number): boolean {
  const range = rangeOf(node);
  return range !== undefined && offset >= range[0] && offset < Math.max(range[2], range[0] + 1);
}
