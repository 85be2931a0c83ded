/**
 * Triton's dynamic batcher, for any request type: requests that can share one execution (the
 * same `key`) wait in a FIFO queue and leave it together as one batch, so the model runs once
 * for many requests. What a batch is, and how its outputs are split back per request, is the
 * `execute` function's business (see batching-session.ts); this file only decides *when* and
 * *which* requests run together:
 *
 * - at most `maxConcurrentBatches` batches execute at once (one per model instance): while they
 *   run, new requests queue up and form the next batch;
 * - a batch never holds more than `maxBatchSize` (the sum of the requests' sizes, i.e. of
 *   their first dimensions); a request alone larger than that runs on its own;
 * - when an instance is free, the oldest key's requests go as soon as they fill `maxBatchSize`
 *   or reach a preferred batch size (the largest one they can form), or once the oldest of
 *   them has waited `maxQueueDelayMs` (0: at once, with whatever is queued);
 * - a request whose signal aborts while queued leaves the queue and never runs;
 * - a batch that fails is retried request by request, so one bad request fails alone.
 */

/** What one execution did, for statistics. */
export interface BatchExecution {
  /** Sum of the sizes (first dimensions) of the requests in the batch. */
  readonly batchSize: number;
  /** Requests in the batch. */
  readonly requests: number;
  /** Time the execution took, in nanoseconds. */
  readonly computeNs: bigint;
  readonly ok: boolean;
}

/** Options of {@link createBatcher}. */
export interface BatcherOptions<I, O> {
  readonly maxBatchSize: number;
  /** Sizes sent as soon as they can be formed; empty: none preferred. */
  readonly preferredBatchSizes?: readonly number[];
  /** Longest the oldest request waits for others, in milliseconds. */
  readonly maxQueueDelayMs: number;
  /** Batches executing at once; default 1. */
  readonly maxConcurrentBatches?: number;
  /** Runs one batch; resolves with one output per input, in order. */
  execute(inputs: readonly I[]): Promise<O[]>;
  /** Called after every execution (also each one-by-one retry). */
  onExecuted?(execution: BatchExecution): void;
  /** Called when a request leaves the queue for execution, with the time it waited (ns). */
  onDequeued?(queueNs: bigint): void;
  /** Clock in milliseconds and timer; defaults performance.now and setTimeout (tests inject their own). */
  readonly now?: () => number;
  readonly setTimer?: (run: () => void, ms: number) => { cancel(): void };
}

/** Queues requests into batches; see the file comment. */
export interface Batcher<I, O> {
  /**
   * Queues one request of `size` (its first dimension) that may join requests of the same
   * `key`; resolves with its own output. Rejects with `signal`'s reason when it aborts while
   * the request is queued (the request never runs).
   */
  submit(input: I, size: number, key: string, signal?: AbortSignal): Promise<O>;
  /** Requests waiting for a batch. */
  queued(): number;
}

interface Item<I, O> {
  readonly input: I;
  readonly size: number;
  readonly key: string;
  readonly enqueuedAt: number;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

const defaultTimer = (run: () => void, ms: number): { cancel(): void } => {
  const timer = setTimeout(run, ms);
  return { cancel: () => clearTimeout(timer) };
};

/** Creates a batcher over `options.execute`. */
export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  const now = options.now ?? (() => performance.now());
  const setTimer = options.setTimer ?? defaultTimer;
  const maxConcurrent = Math.max(1, options.maxConcurrentBatches ?? 1);
  const preferred = [...(options.preferredBatchSizes ?? [])].sort((a, b) => b - a);
  const queue: Item<I, O>[] = [];
  let running = 0;
  let timer: { cancel(): void } | undefined;
  let timerAt = Infinity;

  /** The requests that would go together with the oldest one of `key`, oldest first. */
  function candidates(key: string): { items: Item<I, O>[]; sizes: number[] } {
    const items: Item<I, O>[] = [];
    const sizes: number[] = [];
    let total = 0;
    for (const item of queue) {
      if (item.key !== key) continue;
      if (items.length > 0 && total + item.size > options.maxBatchSize) break;
      items.push(item);
      total += item.size;
      sizes.push(total);
      if (total >= options.maxBatchSize) break;
    }
    return { items, sizes };
  }

  /** Which requests of `key` to send now, or the time to look again. */
  function decide(key: string, at: number): Item<I, O>[] | number {
    const { items, sizes } = candidates(key);
    const total = sizes[sizes.length - 1] ?? 0;
    if (total >= options.maxBatchSize) return items;
    for (const size of preferred) {
      const count = sizes.indexOf(size);
      if (count >= 0) return items.slice(0, count + 1);
    }
    const due = (items[0]?.enqueuedAt ?? at) + options.maxQueueDelayMs;
    return due <= at ? items : due;
  }

  function arm(at: number): void {
    if (timer && timerAt <= at) return;
    timer?.cancel();
    timerAt = at;
    timer = setTimer(
      () => {
        timer = undefined;
        timerAt = Infinity;
        pump();
      },
      Math.max(0, at - now()),
    );
  }

  function pump(): void {
    let nextLook = Infinity;
    while (running < maxConcurrent && queue.length > 0) {
      const at = now();
      let batch: Item<I, O>[] | undefined;
      const seen = new Set<string>();
      for (const item of queue) {
        if (seen.has(item.key)) continue;
        seen.add(item.key);
        const decision = decide(item.key, at);
        if (typeof decision === "number") nextLook = Math.min(nextLook, decision);
        else {
          batch = decision;
          break;
        }
      }
      if (!batch) break;
      dispatch(batch, at);
    }
    if (nextLook < Infinity && queue.length > 0) arm(nextLook);
    else if (queue.length === 0) disarm();
  }

  function disarm(): void {
    timer?.cancel();
    timer = undefined;
    timerAt = Infinity;
  }

  function dispatch(batch: Item<I, O>[], at: number): void {
    for (const item of batch) {
      queue.splice(queue.indexOf(item), 1);
      item.detach();
      options.onDequeued?.(BigInt(Math.round((at - item.enqueuedAt) * 1e6)));
    }
    running += 1;
    void runBatch(batch).finally(() => {
      running -= 1;
      pump();
    });
  }

  async function timed(items: readonly Item<I, O>[]): Promise<O[]> {
    const started = process.hrtime.bigint();
    const batchSize = items.reduce((sum, item) => sum + item.size, 0);
    try {
      const outputs = await options.execute(items.map((item) => item.input));
      if (outputs.length !== items.length) throw new Error(`a batch of ${items.length} requests produced ${outputs.length} results`);
      options.onExecuted?.({ batchSize, requests: items.length, computeNs: process.hrtime.bigint() - started, ok: true });
      return outputs;
    } catch (error) {
      options.onExecuted?.({ batchSize, requests: items.length, computeNs: process.hrtime.bigint() - started, ok: false });
      throw error;
    }
  }

  async function runBatch(batch: Item<I, O>[]): Promise<void> {
    try {
      const outputs = await timed(batch);
      batch.forEach((item, i) => item.resolve(outputs[i] as O));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
    }
    // Which request made the batch fail is unknown: each one runs alone and gets its own answer.
    for (const item of batch) {
      try {
        const [output] = await timed([item]);
        item.resolve(output as O);
      } catch (error) {
        item.reject(error);
      }
    }
  }

  return {
    submit(input, size, key, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<O>((resolve, reject) => {
        const onAbort = (): void => {
          const index = queue.indexOf(item);
          if (index < 0) return;
          queue.splice(index, 1);
          if (queue.length === 0) disarm();
          reject(signal?.reason);
        };
        const item: Item<I, O> = {
          input,
          size,
          key,
          enqueuedAt: now(),
          resolve,
          reject,
          detach: () => signal?.removeEventListener("abort", onAbort),
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        queue.push(item);
        pump();
      });
    },
    queued: () => queue.length,
  };
}
