import type { InferStatistics, ModelStatistics, StatisticDuration } from "@inferd/grpc-types/inference";
import type { CacheCounters } from "../models/cache-counters";
import type { ExecutionStatistics } from "../models/batch-stats";

/** Time spent in the phases of one inference, in nanoseconds. */
export interface InferTimings {
  /** Decoding and checking the request's tensors. */
  readonly inputNs: bigint;
  /** Running the model. */
  readonly inferNs: bigint;
  /** Encoding the outputs. */
  readonly outputNs: bigint;
}

interface Duration {
  count: bigint;
  ns: bigint;
}

interface VersionStats {
  lastInference: bigint;
  success: Duration;
  fail: Duration;
  computeInput: Duration;
  computeInfer: Duration;
  computeOutput: Duration;
}

/**
 * Cumulative per model-version statistics, as the OIP statistics extension reports them. One
 * table per server, held by the model registry (engine/model-registry.ts): every protocol that
 * runs a model records here (inferd.v1 Infer, Run images, OIP ModelInfer over gRPC and REST).
 */
export interface InferStatisticsTable {
  /** Records a successful inference. */
  success(name: string, version: string, totalNs: bigint, timings: InferTimings): void;
  /** Records a successful inference answered from the response cache (no compute; Triton counts it in success only). */
  cached(name: string, version: string, totalNs: bigint): void;
  /** Records a failed inference of a resolved model version. */
  fail(name: string, version: string, totalNs: bigint): void;
  /** The statistics of one version (zeros when it never ran). */
  get(name: string, version: string): ModelStatistics;
}

const zero = (): Duration => ({ count: 0n, ns: 0n });
const add = (d: Duration, ns: bigint): void => {
  d.count += 1n;
  d.ns += ns;
};
const out = (d: Duration): StatisticDuration => ({ count: d.count, ns: d.ns });

/**
 * Creates an empty statistics table. `cache`: the response cache's hit/miss counters, reported
 * as cache_hit and cache_miss (zeros without). `execution`: the repository's execution
 * statistics (queue time, batch sizes, inference vs execution count over every protocol);
 * without it each computed request counts as one execution of batch size 1.
 */
export function createInferStatistics(now: () => number = Date.now, cache?: CacheCounters, execution?: ExecutionStatistics): InferStatisticsTable {
  const table = new Map<string, VersionStats>();
  const entry = (name: string, version: string): VersionStats => {
    const key = `${name}\u0000${version}`;
    let stats = table.get(key);
    if (!stats) {
      stats = { lastInference: 0n, success: zero(), fail: zero(), computeInput: zero(), computeInfer: zero(), computeOutput: zero() };
      table.set(key, stats);
    }
    return stats;
  };
  return {
    success(name, version, totalNs, timings) {
      const stats = entry(name, version);
      stats.lastInference = BigInt(now());
      add(stats.success, totalNs);
      add(stats.computeInput, timings.inputNs);
      add(stats.computeInfer, timings.inferNs);
      add(stats.computeOutput, timings.outputNs);
    },
    cached(name, version, totalNs) {
      const stats = entry(name, version);
      stats.lastInference = BigInt(now());
      add(stats.success, totalNs);
    },
    fail(name, version, totalNs) {
      const stats = entry(name, version);
      stats.lastInference = BigInt(now());
      add(stats.fail, totalNs);
    },
    get(name, version) {
      const stats = entry(name, version);
      const counts = cache?.get(name, version);
      const executed = execution?.get(name, version);
      const inferenceStats: InferStatistics = {
        success: out(stats.success),
        fail: out(stats.fail),
        // The batch queue (dynamic_batching); zero for a model that does not batch.
        queue: executed ? { ...executed.queue } : out(zero()),
        computeInput: out(stats.computeInput),
        computeInfer: out(stats.computeInfer),
        computeOutput: out(stats.computeOutput),
        // Hits and misses of Infer, Run and ModelInfer alike: the cache is one per model version.
        cacheHit: counts ? out(counts.hits) : out(zero()),
        cacheMiss: counts ? out(counts.misses) : out(zero()),
      };
      return {
        name,
        version,
        lastInference: stats.lastInference,
        // Triton's meanings: batch items that ran vs model executions, over every protocol; as in
        // Triton, neither counts requests answered from the response cache.
        inferenceCount: executed ? executed.inferenceCount : stats.computeInfer.count,
        executionCount: executed ? executed.executionCount : stats.computeInfer.count,
        inferenceStats,
        batchStats: (executed?.batchStats ?? []).map((b) => ({ batchSize: BigInt(b.batchSize), computeInfer: { ...b.computeInfer } })),
        memoryUsage: [],
        responseStats: {},
      };
    },
  };
}
