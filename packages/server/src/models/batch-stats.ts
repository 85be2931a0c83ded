/**
 * Execution statistics per model version, as Triton reports them: how long requests waited in
 * the batch queue, how many executions ran and at which batch sizes (batch_stats), and the
 * counts `inference_count` (requests' batch items that ran) vs `execution_count` (model runs).
 * Average batch size = inference_count / execution_count. Recorded where the model runs (the
 * batching session), so every protocol (Infer, Run, OIP ModelInfer) counts alike; read by the
 * OIP statistics extension, `inferctl models stats` and the Prometheus metrics.
 */
import type { BatchExecution } from "./batcher";

/** A count and the total time of its events, in nanoseconds. */
export interface CountedDuration {
  readonly count: bigint;
  readonly ns: bigint;
}

/** Executions of one batch size: how many, and the time the model ran for them. */
export interface BatchSizeStats {
  readonly batchSize: number;
  readonly computeInfer: CountedDuration;
}

/** One version's execution statistics. */
export interface ExecutionStats {
  /** Batch items (sum of the requests' first dimensions) that ran successfully. */
  readonly inferenceCount: bigint;
  /** Successful model executions (one per batch). */
  readonly executionCount: bigint;
  /** Requests that left the batch queue, and the time they waited in it. */
  readonly queue: CountedDuration;
  /** Per executed batch size, ascending. */
  readonly batchStats: readonly BatchSizeStats[];
}

/** What the batching session of one version records. */
export interface ExecutionRecorder {
  /** A request left the queue after `ns`. */
  dequeued(ns: bigint): void;
  /** The model ran once. */
  executed(execution: BatchExecution): void;
}

/** Every version's statistics, kept for the life of the server (reloads add up). */
export interface ExecutionStatistics {
  recorder(name: string, version: string): ExecutionRecorder;
  /** Zeros for a version that never ran. */
  get(name: string, version: string): ExecutionStats;
  /** Versions that ran at least once. */
  entries(): Array<{ readonly name: string; readonly version: string; readonly stats: ExecutionStats }>;
}

interface Mutable {
  inferenceCount: bigint;
  executionCount: bigint;
  queueCount: bigint;
  queueNs: bigint;
  bySize: Map<number, { count: bigint; ns: bigint }>;
}

const EMPTY: ExecutionStats = { inferenceCount: 0n, executionCount: 0n, queue: { count: 0n, ns: 0n }, batchStats: [] };

function snapshot(m: Mutable): ExecutionStats {
  return {
    inferenceCount: m.inferenceCount,
    executionCount: m.executionCount,
    queue: { count: m.queueCount, ns: m.queueNs },
    batchStats: [...m.bySize.entries()].sort(([a], [b]) => a - b).map(([batchSize, d]) => ({ batchSize, computeInfer: { count: d.count, ns: d.ns } })),
  };
}

/** Average batch size as Triton reports it; 0 before the first execution. */
export function averageBatchSize(stats: ExecutionStats): number {
  return stats.executionCount === 0n ? 0 : Number(stats.inferenceCount) / Number(stats.executionCount);
}

/** Creates an empty table. */
export function createExecutionStatistics(): ExecutionStatistics {
  const table = new Map<string, { name: string; version: string; m: Mutable }>();
  const entry = (name: string, version: string): Mutable => {
    const key = `${name}\u0000${version}`;
    let found = table.get(key);
    if (!found) {
      found = { name, version, m: { inferenceCount: 0n, executionCount: 0n, queueCount: 0n, queueNs: 0n, bySize: new Map() } };
      table.set(key, found);
    }
    return found.m;
  };
  return {
    recorder(name, version) {
      const m = entry(name, version);
      return {
        dequeued(ns) {
          m.queueCount += 1n;
          m.queueNs += ns;
        },
        executed({ batchSize, computeNs, ok }) {
          if (!ok) return;
          m.inferenceCount += BigInt(batchSize);
          m.executionCount += 1n;
          const size = m.bySize.get(batchSize) ?? { count: 0n, ns: 0n };
          size.count += 1n;
          size.ns += computeNs;
          m.bySize.set(batchSize, size);
        },
      };
    },
    get(name, version) {
      const found = table.get(`${name}\u0000${version}`);
      return found ? snapshot(found.m) : EMPTY;
    },
    entries: () => [...table.values()].map(({ name, version, m }) => ({ name, version, stats: snapshot(m) })),
  };
}
