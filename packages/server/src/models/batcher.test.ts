import { createBatcher, type BatchExecution, type BatcherOptions } from "./batcher";

/** A hand-driven clock and timer: time moves only when the test says so. */
function manualClock() {
  let time = 0;
  let timers: { at: number; run: () => void }[] = [];
  return {
    now: () => time,
    setTimer(run: () => void, ms: number) {
      const timer = { at: time + ms, run };
      timers.push(timer);
      return { cancel: () => (timers = timers.filter((t) => t !== timer)) };
    },
    advance(ms: number) {
      time += ms;
      const due = timers.filter((t) => t.at <= time);
      timers = timers.filter((t) => t.at > time);
      for (const t of due) t.run();
    },
  };
}

/** A fake model: records every batch and answers only when the test releases it. */
function fakeModel() {
  const batches: { inputs: readonly number[]; finish: (fail?: boolean) => void }[] = [];
  const execute = (inputs: readonly number[]): Promise<number[]> =>
    new Promise((resolve, reject) => {
      batches.push({ inputs, finish: (fail) => (fail ? reject(new Error("batch failed")) : resolve(inputs.map((x) => x * 10))) });
    });
  return { batches, execute };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(overrides: Partial<BatcherOptions<number, number>> = {}) {
  const clock = manualClock();
  const model = fakeModel();
  const executions: BatchExecution[] = [];
  const queueTimes: bigint[] = [];
  const batcher = createBatcher<number, number>({
    maxBatchSize: 4,
    maxQueueDelayMs: 0,
    execute: model.execute,
    onExecuted: (e) => executions.push(e),
    onDequeued: (ns) => queueTimes.push(ns),
    now: clock.now,
    setTimer: clock.setTimer,
    ...overrides,
  });
  return { clock, model, batcher, executions, queueTimes };
}

test("requests queued while an execution runs go together, each with its own result", async () => {
  const { model, batcher, executions } = setup();
  const first = batcher.submit(1, 1, "k");
  expect(model.batches.map((b) => b.inputs)).toEqual([[1]]);
  const rest = [2, 3, 4, 5, 6].map((x) => batcher.submit(x, 1, "k"));
  expect(model.batches).toHaveLength(1); // the one instance is busy
  model.batches[0]?.finish();
  await expect(first).resolves.toBe(10);
  await flush();
  expect(model.batches[1]?.inputs).toEqual([2, 3, 4, 5]); // max_batch_size 4
  model.batches[1]?.finish();
  await flush();
  expect(model.batches[2]?.inputs).toEqual([6]);
  model.batches[2]?.finish();
  await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40, 50, 60]);
  expect(executions.map((e) => [e.batchSize, e.requests])).toEqual([
    [1, 1],
    [4, 4],
    [1, 1],
  ]);
});

test("requests of different keys (shapes) never share a batch", async () => {
  const { model, batcher } = setup({ maxConcurrentBatches: 1 });
  const busy = batcher.submit(0, 1, "a");
  const mixed = [batcher.submit(1, 1, "a"), batcher.submit(2, 1, "b"), batcher.submit(3, 1, "a"), batcher.submit(4, 1, "b")];
  model.batches[0]?.finish();
  await busy;
  await flush();
  expect(model.batches[1]?.inputs).toEqual([1, 3]);
  model.batches[1]?.finish();
  await flush();
  expect(model.batches[2]?.inputs).toEqual([2, 4]);
  model.batches[2]?.finish();
  await expect(Promise.all(mixed)).resolves.toEqual([10, 20, 30, 40]);
});

test("sizes add up to max_batch_size; a request larger than it runs alone", async () => {
  const { model, batcher, executions } = setup({ maxBatchSize: 4 });
  const busy = batcher.submit(0, 1, "k");
  const others = [batcher.submit(1, 3, "k"), batcher.submit(2, 2, "k"), batcher.submit(3, 9, "k")];
  model.batches[0]?.finish();
  await busy;
  for (let i = 1; i <= 3; i += 1) {
    await flush();
    model.batches[i]?.finish();
  }
  await Promise.all(others);
  expect(model.batches.map((b) => b.inputs)).toEqual([[0], [1], [2], [3]]);
  expect(executions.map((e) => e.batchSize)).toEqual([1, 3, 2, 9]);
});

test("the queue delay bound holds: a lone request waits max_queue_delay, then runs", async () => {
  const { clock, model, batcher, queueTimes } = setup({ maxQueueDelayMs: 5 });
  const lone = batcher.submit(1, 1, "k");
  clock.advance(4.9);
  expect(model.batches).toHaveLength(0);
  clock.advance(0.1);
  expect(model.batches.map((b) => b.inputs)).toEqual([[1]]);
  expect(queueTimes).toEqual([5_000_000n]);
  model.batches[0]?.finish();
  await expect(lone).resolves.toBe(10);
});

test("a full batch goes before the delay; a preferred size goes at once", async () => {
  const full = setup({ maxQueueDelayMs: 1000 });
  [1, 2, 3, 4].forEach((x) => void full.batcher.submit(x, 1, "k"));
  expect(full.model.batches.map((b) => b.inputs)).toEqual([[1, 2, 3, 4]]);

  const preferred = setup({ maxBatchSize: 8, preferredBatchSizes: [2, 3], maxQueueDelayMs: 1000 });
  void preferred.batcher.submit(1, 1, "k");
  expect(preferred.model.batches).toHaveLength(0);
  void preferred.batcher.submit(2, 1, "k");
  expect(preferred.model.batches.map((b) => b.inputs)).toEqual([[1, 2]]);
});

test("a request cancelled while queued leaves the batch and never runs; the others are unaffected", async () => {
  const { clock, model, batcher } = setup({ maxQueueDelayMs: 10 });
  const controller = new AbortController();
  const kept = batcher.submit(1, 1, "k");
  const cancelled = batcher.submit(2, 1, "k", controller.signal);
  const alsoKept = batcher.submit(3, 1, "k");
  controller.abort(new Error("cancelled by the client"));
  await expect(cancelled).rejects.toThrow("cancelled by the client");
  expect(batcher.queued()).toBe(2);
  clock.advance(10);
  expect(model.batches.map((b) => b.inputs)).toEqual([[1, 3]]);
  model.batches[0]?.finish();
  await expect(Promise.all([kept, alsoKept])).resolves.toEqual([10, 30]);
  const already = new AbortController();
  already.abort(new Error("expired"));
  await expect(batcher.submit(4, 1, "k", already.signal)).rejects.toThrow("expired");
  clock.advance(100);
  expect(model.batches).toHaveLength(1);
});

test("a failed batch is retried request by request, so each gets its own outcome", async () => {
  const { model, batcher } = setup();
  const busy = batcher.submit(0, 1, "k");
  const pair = [batcher.submit(1, 1, "k"), batcher.submit(2, 1, "k")];
  model.batches[0]?.finish();
  await busy;
  await flush();
  model.batches[1]?.finish(true);
  await flush();
  model.batches[2]?.finish(); // request 1 alone succeeds
  await flush();
  model.batches[3]?.finish(true); // request 2 alone fails
  await expect(pair[0]).resolves.toBe(10);
  await expect(pair[1]).rejects.toThrow("batch failed");
  expect(model.batches.map((b) => b.inputs)).toEqual([[0], [1, 2], [1], [2]]);
});

test("maxConcurrentBatches batches run at once (one per instance)", () => {
  const { model, batcher } = setup({ maxConcurrentBatches: 2 });
  [1, 2, 3].forEach((x) => void batcher.submit(x, 1, "k"));
  expect(model.batches.map((b) => b.inputs)).toEqual([[1], [2]]);
  expect(batcher.queued()).toBe(1);
});
