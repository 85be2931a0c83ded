/**
 * Response-cache hits and misses per model version, with the time each took (Triton's
 * `cache_hit` / `cache_miss` of InferStatistics: a hit's time is the lookup, a miss's the
 * lookup plus the insert). Kept apart from the OIP statistics table so that whoever owns
 * statistics (OIP ModelStatistics, Prometheus, inferctl) reads them through {@link CacheCounters.get}.
 */

/** A count and the nanoseconds it took in total. */
export interface CountedDuration {
  readonly count: bigint;
  readonly ns: bigint;
}

/** The cache's record of one model version. */
export interface CacheCounts {
  readonly hits: CountedDuration;
  readonly misses: CountedDuration;
}

/** Hit and miss counters per model version. */
export interface CacheCounters {
  /** Records a request answered from the cache; `ns` is the lookup's time. */
  hit(name: string, version: string, ns: bigint): void;
  /** Records a request the cache could not answer; `ns` is the lookup's time plus the insert's. */
  miss(name: string, version: string, ns: bigint): void;
  /** One version's counts (zeros when the cache never saw it). */
  get(name: string, version: string): CacheCounts;
  /** Every version the cache saw, for metrics. */
  entries(): Iterable<{ readonly name: string; readonly version: string; readonly counts: CacheCounts }>;
}

interface Mutable {
  readonly name: string;
  readonly version: string;
  hits: { count: bigint; ns: bigint };
  misses: { count: bigint; ns: bigint };
}

const ZERO: CacheCounts = { hits: { count: 0n, ns: 0n }, misses: { count: 0n, ns: 0n } };

/** Creates empty counters. */
export function createCacheCounters(): CacheCounters {
  const table = new Map<string, Mutable>();
  const entry = (name: string, version: string): Mutable => {
    const key = `${name}\u0000${version}`;
    let counts = table.get(key);
    if (!counts) {
      counts = { name, version, hits: { count: 0n, ns: 0n }, misses: { count: 0n, ns: 0n } };
      table.set(key, counts);
    }
    return counts;
  };
  const snapshot = (m: Mutable): CacheCounts => ({ hits: { ...m.hits }, misses: { ...m.misses } });
  return {
    hit(name, version, ns) {
      const counts = entry(name, version).hits;
      counts.count += 1n;
      counts.ns += ns;
    },
    miss(name, version, ns) {
      const counts = entry(name, version).misses;
      counts.count += 1n;
      counts.ns += ns;
    },
    get(name, version) {
      const counts = table.get(`${name}\u0000${version}`);
      return counts ? snapshot(counts) : ZERO;
    },
    *entries() {
      for (const m of table.values()) yield { name: m.name, version: m.version, counts: snapshot(m) };
    },
  };
}
