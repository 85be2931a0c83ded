import { quantile } from "./stats";

/** What a closed-loop load run measured. */
export interface LoadResult {
  /** Completed calls. */
  readonly requests: number;
  /** Wall time of the run in milliseconds. */
  readonly elapsedMs: number;
  /** Completed calls per second. */
  readonly perSecond: number;
  /** Latency percentiles in microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
}

/** Options of {@link closedLoop}. */
export interface LoadOptions {
  /** Calls in flight at any time. */
  readonly concurrency: number;
  /** Stop starting calls after this many milliseconds... */
  readonly durationMs: number;
  /** ...but run at least this many calls in all (default 1). */
  readonly minRequests?: number;
  /** ...and at most this many (default unlimited). */
  readonly maxRequests?: number;
}

/**
 * Closed-loop load: `concurrency` workers each issue a call as soon as their previous one
 * completes, until the duration is over. Any failed call fails the run: a benchmark of
 * errors measures nothing.
 */
export async function closedLoop(options: LoadOptions, call: () => Promise<unknown>): Promise<LoadResult> {
  const latencies: number[] = [];
  const minRequests = options.minRequests ?? 1;
  const maxRequests = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const start = performance.now();
  const deadline = start + options.durationMs;
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < maxRequests && (performance.now() < deadline || started < minRequests)) {
      started++;
      const t0 = performance.now();
      await call();
      latencies.push((performance.now() - t0) * 1000);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - start;
  return {
    requests: latencies.length,
    elapsedMs,
    perSecond: (latencies.length * 1000) / elapsedMs,
    p50Us: quantile(latencies, 0.5),
    p99Us: quantile(latencies, 0.99),
  };
}

/** Times one async operation, in milliseconds. */
export async function timed(operation: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await operation();
  return performance.now() - t0;
}
