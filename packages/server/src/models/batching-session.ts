/**
 * The session a version serves through: it records execution statistics (batch-stats.ts) and,
 * when config.json asks for dynamic_batching, joins concurrent runs of the same shape along
 * the batch dimension (dim 0) with {@link createBatcher}, runs them once and hands each caller
 * exactly its own rows of every output. Image tasks (Infer, Run) reach it through `run` with
 * their preprocessed [1,C,H,W] tensors, so images of the same size after resizing share a
 * batch and others run separately; OIP ModelInfer reaches it through `runTensors`.
 */
import { InferdError } from "../errors";
import type { NumericArray } from "../tensors/datatypes";
import type { RuntimeTensor } from "../tensors/ort-bridge";
import type { ExecutionRecorder } from "./batch-stats";
import { createBatcher, type Batcher } from "./batcher";
import type { ServingConfig } from "./config";
import type { FloatTensor, ModelSession, SessionHealth } from "./runtime";

type Data = NumericArray | readonly string[];

/** A session that batches and counts; `instanceCount` batches run at once. */
export interface BatchingSession extends ModelSession {
  health(): SessionHealth;
}

/** Joins parts of one element type into one array. */
function concat(parts: readonly Data[]): Data {
  const first = parts[0] as Data;
  if (Array.isArray(first)) return (parts as (readonly string[])[]).flat();
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const Typed = first.constructor as new (length: number) => NumericArray & { set(source: ArrayLike<unknown>, offset: number): void };
  const joined = new Typed(total);
  let offset = 0;
  for (const part of parts as NumericArray[]) {
    joined.set(part as ArrayLike<unknown>, offset);
    offset += part.length;
  }
  return joined;
}

/** Cuts `data` of dims [total, ...] into one part per size, each with its own buffer. */
function split(what: string, data: Data, dims: readonly number[], sizes: readonly number[]): { data: Data; dims: number[] }[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (dims[0] !== total) throw new Error(`${what} has first dimension ${dims[0] ?? "none"}, not the batch size ${total}: the model cannot be batched`);
  const perRow = total === 0 ? 0 : data.length / total;
  const parts: { data: Data; dims: number[] }[] = [];
  let row = 0;
  for (const size of sizes) {
    parts.push({ data: data.slice(row * perRow, (row + size) * perRow) as Data, dims: [size, ...dims.slice(1)] });
    row += size;
  }
  return parts;
}

interface FloatRun {
  readonly inputName: string;
  readonly input: FloatTensor;
  readonly outputNames: readonly string[];
}

interface TensorRun {
  readonly feeds: ReadonlyMap<string, RuntimeTensor>;
  readonly outputNames: readonly string[];
}

/** The batch size of a run's feeds (their common first dimension), or undefined when they have none. */
function commonBatch(feeds: ReadonlyMap<string, RuntimeTensor>): number | undefined {
  let batch: number | undefined;
  for (const tensor of feeds.values()) {
    const first = tensor.dims[0];
    if (first === undefined || (batch !== undefined && batch !== first)) return undefined;
    batch = first;
  }
  return batch;
}

/**
 * Checks that a model configured with max_batch_size can take a batch: every input's first
 * dimension is dynamic. Throws a message that says what to change (shown as the load failure).
 */
export function checkBatchable(session: ModelSession, serving: ServingConfig): void {
  if (serving.maxBatchSize === 0) return;
  for (const input of session.inputs) {
    const first = input.shape[0];
    if (input.shape.length > 0 && first !== -1) {
      throw new Error(
        `config.json sets max_batch_size ${serving.maxBatchSize}, but input "${input.name}" has a fixed first dimension ${first ?? "?"}: ` +
          "batching needs a dynamic batch dimension (export the model with a dynamic axis 0), or remove max_batch_size",
      );
    }
  }
}

/** Wraps `session` (one instance or a pool of `serving.instanceCount`); see the file comment. */
export function createBatchingSession(session: ModelSession, serving: ServingConfig, recorder: ExecutionRecorder): BatchingSession {
  const timed = async <T>(batchSize: number, work: () => Promise<T>): Promise<T> => {
    const started = process.hrtime.bigint();
    let ok = false;
    try {
      const result = await work();
      ok = true;
      return result;
    } finally {
      recorder.executed({ batchSize, requests: 1, computeNs: process.hrtime.bigint() - started, ok });
    }
  };
  // Triton's counting: a model without a batch dimension (max_batch_size 0) runs one inference
  // per request, whatever its first dimension; with one, that dimension is the batch size.
  const batchOf = (size: number | undefined): number => (serving.maxBatchSize > 0 ? (size ?? 1) : 1);
  const batching = serving.dynamicBatching;
  const shared = batching
    ? {
        maxBatchSize: serving.maxBatchSize,
        preferredBatchSizes: batching.preferredBatchSizes,
        maxQueueDelayMs: batching.maxQueueDelayMicroseconds / 1000,
        maxConcurrentBatches: serving.instanceCount,
        onExecuted: (e: Parameters<ExecutionRecorder["executed"]>[0]) => recorder.executed(e),
        onDequeued: (ns: bigint) => recorder.dequeued(ns),
      }
    : undefined;

  const floatBatcher: Batcher<FloatRun, Map<string, FloatTensor>> | undefined = shared &&
    createBatcher<FloatRun, Map<string, FloatTensor>>({
      ...shared,
      async execute(runs) {
        const [one] = runs;
        if (runs.length === 1 && one) return [await session.run(one.inputName, one.input, one.outputNames)];
        const head = runs[0] as FloatRun;
        const sizes = runs.map((r) => r.input.dims[0] ?? 1);
        const data = concat(runs.map((r) => r.input.data)) as Float32Array;
        const outputs = await session.run(head.inputName, { data, dims: [sizes.reduce((a, b) => a + b, 0), ...head.input.dims.slice(1)] }, head.outputNames);
        const results = runs.map(() => new Map<string, FloatTensor>());
        for (const [name, tensor] of outputs) {
          split(`output "${name}"`, tensor.data, tensor.dims, sizes).forEach((part, i) => results[i]?.set(name, { data: part.data as Float32Array, dims: part.dims }));
        }
        return results;
      },
    });

  const tensorBatcher: Batcher<TensorRun, Map<string, RuntimeTensor>> | undefined = shared &&
    createBatcher<TensorRun, Map<string, RuntimeTensor>>({
      ...shared,
      async execute(runs) {
        const runTensors = session.runTensors;
        if (!runTensors) throw new Error("this model's runtime does not take tensor inputs");
        const [one] = runs;
        if (runs.length === 1 && one) return [await runTensors(one.feeds, one.outputNames)];
        const head = runs[0] as TensorRun;
        const sizes = runs.map((r) => commonBatch(r.feeds) ?? 1);
        const feeds = new Map<string, RuntimeTensor>();
        for (const [name, tensor] of head.feeds) {
          const parts = runs.map((r) => r.feeds.get(name)?.data as Data);
          feeds.set(name, { type: tensor.type, data: concat(parts), dims: [sizes.reduce((a, b) => a + b, 0), ...tensor.dims.slice(1)] });
        }
        const outputs = await runTensors(feeds, head.outputNames);
        const results = runs.map(() => new Map<string, RuntimeTensor>());
        for (const [name, tensor] of outputs) {
          split(`output "${name}"`, tensor.data, tensor.dims, sizes).forEach((part, i) => results[i]?.set(name, { type: tensor.type, data: part.data, dims: part.dims }));
        }
        return results;
      },
    });

  return {
    inputs: session.inputs,
    outputs: session.outputs,
    run(inputName, input, outputNames, signal) {
      const size = input.dims[0];
      if (!floatBatcher || size === undefined || input.dims.length < 2) return timed(batchOf(size), () => session.run(inputName, input, outputNames, signal));
      const key = `${inputName}|${input.dims.slice(1).join(",")}|${outputNames.join(",")}`;
      return floatBatcher.submit({ inputName, input, outputNames }, size, key, signal);
    },
    runTensors(feeds, outputNames, signal) {
      const runTensors = session.runTensors;
      if (!runTensors) return Promise.reject(new InferdError("unavailable", "this model's runtime does not take tensor inputs"));
      const size = commonBatch(feeds);
      if (!tensorBatcher || size === undefined) return timed(batchOf(size), () => runTensors(feeds, outputNames, signal));
      // Same input names, element types and per-row shapes: the runs can be stacked.
      const key = [...feeds].map(([name, t]) => `${name}:${t.type}:${t.dims.slice(1).join(",")}`).sort().join("|") + `|${outputNames.join(",")}`;
      return tensorBatcher.submit({ feeds, outputNames }, size, key, signal);
    },
    release: () => session.release(),
    health: () => session.health?.() ?? { state: "ready", message: "" },
  };
}
