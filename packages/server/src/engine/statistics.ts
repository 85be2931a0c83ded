import type { InferStatistics, ModelStatistics, StatisticDuration } from "@inferd/grpc-types/inference";

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

/** Creates an empty statistics table. */
export function createInferStatistics(now: () => number = Date.now): InferStatisticsTable {
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
    fail(name, version, totalNs) {
      const stats = entry(name, version);
      stats.lastInference = BigInt(now());
      add(stats.fail, totalNs);
    },
    get(name, version) {
      const stats = entry(name, version);
      const inferenceStats: InferStatistics = {
        success: out(stats.success),
        fail: out(stats.fail),
        // inferd runs each request as it comes: there is no scheduling queue or response cache.
        queue: out(zero()),
        computeInput: out(stats.computeInput),
        computeInfer: out(stats.computeInfer),
        computeOutput: out(stats.computeOutput),
        cacheHit: out(zero()),
        cacheMiss: out(zero()),
      };
      return {
        name,
        version,
        lastInference: stats.lastInference,
        // Without batching, every request is one execution; inference_count counts requests.
        inferenceCount: stats.success.count,
        executionCount: stats.success.count,
        inferenceStats,
        batchStats: [],
        memoryUsage: [],
        responseStats: {},
      };
    },
  };
}
