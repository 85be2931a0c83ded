import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { createCacheCounters, type CacheCounters } from "./cache-counters";
import type { ResolvedModel } from "./repository";

/**
 * The response cache (issue 13): per model, off unless its config.json says
 * `"response_cache": { "enable": true }` (Triton's `response_cache { enable: true }`),
 * size-bounded LRU (lru-cache's maxSize) twice over: by the server-wide `--response-cache-mb`
 * across every model, and by the model's own `max_bytes` when set. Entries are keyed by model,
 * version, the version's load generation, a space (what kind of value: "image" raw outputs,
 * "tensor" OIP responses) and a digest of the request's bytes, so a reload of the same version
 * (new model file or config) never answers from what the previous load computed.
 */
export interface ResponseCache {
  /** Hits and misses per model version, for statistics and metrics. */
  readonly counters: CacheCounters;
  /** The server-wide bound, in bytes. */
  readonly maxBytes: number;
  /**
   * Bytes held now (values as their producers sized them, plus a fixed per-entry overhead),
   * in all, or by one model's entries.
   */
  bytes(model?: string): number;
  /** Entries held now. */
  entries(): number;
  /** Whether the model's config enables the cache (and the server-wide bound is above 0). */
  enabledFor(model: ResolvedModel): boolean;
  /** A typed view of one kind of value; `name` keeps kinds from answering for each other. */
  space<T>(name: string): CacheSpace<T>;
}

/** A value and the bytes it holds. */
export interface Sized<T> {
  readonly value: T;
  readonly bytes: number;
}

/** One kind of cached value. */
export interface CacheSpace<T> {
  /**
   * The cached value of (model version, digest), or `compute()`'s, which is then stored
   * (when it fits the bounds). Counts a hit or a miss; a model whose cache is off just computes,
   * uncounted. A failed compute stores nothing. Cached values are shared: treat them as read-only.
   */
  through(model: ResolvedModel, digest: string, compute: () => Promise<Sized<T>>): Promise<{ readonly value: T; readonly hit: boolean }>;
}

/** Options of {@link createResponseCache}. */
export interface ResponseCacheOptions {
  /** The server-wide bound, in bytes; 0 turns the cache off for every model. */
  readonly maxBytes: number;
}

/** Default of `--response-cache-mb`. */
export const DEFAULT_RESPONSE_CACHE_MB = 256;

/** Bytes an entry costs beyond its value: key, LRU bookkeeping. */
const ENTRY_OVERHEAD = 256;

/** A sha-256 over byte strings, each length-prefixed, so that no two part lists hash alike by concatenation. */
export function digestOf(parts: Iterable<Uint8Array | string>): string {
  const hash = createHash("sha256");
  const length = Buffer.alloc(8);
  for (const part of parts) {
    const bytes = typeof part === "string" ? Buffer.from(part, "utf8") : part;
    length.writeBigUInt64LE(BigInt(bytes.byteLength));
    hash.update(length);
    hash.update(bytes);
  }
  return hash.digest("hex");
}

interface Stored {
  readonly value: unknown;
  readonly size: number;
}

/** One model's share: its own LRU under its own bound, and the newest load generation per version. */
interface ModelShare {
  readonly cap: number;
  readonly lru: LRUCache<string, Stored>;
  readonly generations: Map<string, number>;
}

const globalKey = (model: string, key: string): string => `${model}\u0000${key}`;

/** Creates an empty cache; see {@link ResponseCache}. */
export function createResponseCache(options: ResponseCacheOptions): ResponseCache {
  const maxBytes = Math.max(0, Math.floor(options.maxBytes));
  const counters = createCacheCounters();
  const models = new Map<string, ModelShare>();
  // The server-wide LRU holds the sizes; each model's LRU holds the values. An entry lives in
  // both or in neither: whichever evicts it first removes it from the other (disposeAfter runs
  // once the entry is fully gone, so the cross-delete never re-enters an eviction).
  const all =
    maxBytes > 0
      ? new LRUCache<string, { readonly model: string; readonly key: string; readonly size: number }>({
          maxSize: maxBytes,
          sizeCalculation: (entry) => entry.size,
          disposeAfter: (entry, _key, reason) => {
            if (reason !== "set") models.get(entry.model)?.lru.delete(entry.key);
          },
        })
      : undefined;

  const shareOf = (model: ResolvedModel): ModelShare => {
    const own = model.config.responseCache.maxBytes;
    const cap = own > 0 ? Math.min(own, maxBytes) : maxBytes;
    let share = models.get(model.name);
    if (share && share.cap === cap) return share;
    share?.lru.clear(); // its bound changed (a reload with a new config.json): start afresh
    const name = model.name;
    share = {
      cap,
      generations: new Map(),
      lru: new LRUCache<string, Stored>({
        maxSize: cap,
        sizeCalculation: (stored) => stored.size,
        disposeAfter: (_stored, key, reason) => {
          if (reason !== "set") all?.delete(globalKey(name, key));
        },
      }),
    };
    models.set(name, share);
    return share;
  };

  /** Drops what earlier loads of this version stored; false when `model` is itself an earlier load. */
  const current = (share: ModelShare, model: ResolvedModel): boolean => {
    const newest = share.generations.get(model.version);
    if (newest === model.generation) return true;
    if (newest !== undefined && newest > model.generation) return false;
    share.generations.set(model.version, model.generation);
    if (newest !== undefined) {
      const stale = `${model.version}\u0000${newest}\u0000`;
      for (const key of [...share.lru.keys()]) if (key.startsWith(stale)) share.lru.delete(key);
    }
    return true;
  };

  const cache: ResponseCache = {
    counters,
    maxBytes,
    bytes: (model) => (model === undefined ? (all?.calculatedSize ?? 0) : (models.get(model)?.lru.calculatedSize ?? 0)),
    entries: () => all?.size ?? 0,
    enabledFor: (model) => maxBytes > 0 && model.config.responseCache.enable,
    space<T>(space: string): CacheSpace<T> {
      return {
        async through(model, digest, compute) {
          if (!all || !cache.enabledFor(model)) return { value: (await compute()).value, hit: false };
          const lookupStarted = process.hrtime.bigint();
          const share = shareOf(model);
          const fresh = current(share, model);
          const key = `${model.version}\u0000${model.generation}\u0000${space}\u0000${digest}`;
          const stored = fresh ? share.lru.get(key) : undefined;
          if (stored) {
            all.get(globalKey(model.name, key)); // recency in the server-wide order too
            counters.hit(model.name, model.version, process.hrtime.bigint() - lookupStarted);
            // Only this space ever stores under its own key: the value is a T.
            return { value: stored.value as T, hit: true };
          }
          let missNs = process.hrtime.bigint() - lookupStarted;
          try {
            const computed = await compute();
            const insertStarted = process.hrtime.bigint();
            // A reload may have finished while this ran: then it is an earlier load's result.
            if (current(share, model) && models.get(model.name) === share) {
              const size = computed.bytes + key.length * 2 + ENTRY_OVERHEAD;
              share.lru.set(key, { value: computed.value, size });
              // lru-cache skips an entry larger than its bound: store it server-wide only if kept.
              if (share.lru.has(key)) {
                all.set(globalKey(model.name, key), { model: model.name, key, size });
                if (!all.has(globalKey(model.name, key))) share.lru.delete(key);
              }
            }
            missNs += process.hrtime.bigint() - insertStarted;
            return { value: computed.value, hit: false };
          } finally {
            counters.miss(model.name, model.version, missNs);
          }
        },
      };
    },
  };
  return cache;
}
