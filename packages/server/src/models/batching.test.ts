/**
 * Dynamic batching and instances over real onnxruntime (worker threads) on tiny models: every
 * task and tensor models give each request exactly what it gets when run alone, bit for bit;
 * images of different sizes after resizing run in separate batches; a request cancelled while
 * waiting never runs; more instances than cores load and are reported.
 */
import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { renderSvg } from "../inference/__tests__/images";
import { resolveParameters } from "../inference/parameters";
import { createInferencePipeline, type InferenceOutcome } from "../inference/pipeline";
import { modelConfig } from "../services/oip/describe";
import type { RuntimeTensor } from "../tensors/ort-bridge";
import { addModel, multiModel, identityAllModel } from "./__tests__/tensor-models";
import { batchedConstantOutputModel, classifierModel, segmenterModel, tempDir, textDetectorModel, writeModel } from "./__tests__/tiny-models";
import { averageBatchSize } from "./batch-stats";
import { createModelRepository, type ModelRepository } from "./repository";

let dir: string;
let repository: ModelRepository;
const pipeline = createInferencePipeline();
const rgb = { layout: "NCHW", color_order: "RGB", scale: 1 / 255 };
// yolov8 rows [4+2, 3]: three anchors, two classes.
const YOLOV8 = [
  [16, 32, 48],
  [16, 24, 48],
  [10, 12, 8],
  [8, 12, 8],
  [0.9, 0.2, 0.7],
  [0.1, 0.8, 0.2],
].flat();

/** Batches form exactly when `preferred` requests of one shape are queued; the delay is a safety net. */
const batched = (preferred: number) => ({ max_batch_size: 8, dynamic_batching: { preferred_batch_size: [preferred], max_queue_delay_microseconds: 5_000_000 } });

/** Each image-task model twice: alone (plain) and batched, same ONNX file. */
const IMAGE_MODELS = [
  ["text", { task: "text-detection", input: { resize: "fit", max_side: 128, multiple_of: 32, ...rgb }, text_detection: { unclip_ratio: 0 } }, () => textDetectorModel("n")],
  ["seg", { task: "segmentation", labels: ["bg", "red", "green"], segmentation: { activation: "none", min_area: 4 }, input: { width: 64, height: 64, ...rgb } }, () => segmenterModel("n")],
  ["cls", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, ...rgb } }, () => classifierModel(32, "n")],
  ["det", { task: "detection", labels: ["cat", "dog"], input: { width: 64, height: 64, ...rgb } }, () => batchedConstantOutputModel(64, [6, 3], YOLOV8)],
] as const;

beforeAll(async () => {
  dir = await tempDir("batching");
  for (const [name, config, model] of IMAGE_MODELS) {
    await writeModel(dir, `${name}-plain`, config, model());
    // text-detection "fit" keeps two image sizes apart: three of each size form a batch.
    await writeModel(dir, `${name}-batched`, { ...config, ...batched(name === "text" ? 3 : 6) }, model());
  }
  await writeModel(dir, "add-plain", { task: "tensor" }, addModel("FP32"));
  await writeModel(dir, "add-batched", { task: "tensor", max_batch_size: 8, dynamic_batching: { preferred_batch_size: [4, 3], max_queue_delay_microseconds: 5_000_000 } }, addModel("FP32"));
  await writeModel(dir, "multi-batched", { ...batched(3) }, multiModel());
  await writeModel(dir, "identity-batched", { ...batched(2) }, identityAllModel(["BYTES", "INT64", "BOOL", "FP16", "UINT8"]));
  await writeModel(dir, "wait", { max_batch_size: 4, dynamic_batching: { max_queue_delay_microseconds: 60_000_000 } }, addModel("FP32"));
  await writeModel(dir, "many", { task: "tensor", instance_group: [{ count: availableParallelism() + 2, kind: "KIND_CPU" }], intra_op_threads: 1 }, addModel("FP32"));
  // max_batch_size on a model whose batch dimension is fixed at 1: refused at load.
  await writeModel(dir, "fixed", { task: "classification", input: { width: 32, height: 32 }, max_batch_size: 4 }, classifierModel(32));
  repository = createModelRepository({ dir, runtime: { intraOpThreads: 1 } });
  await repository.load();
});

afterAll(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

async function infer(model: string, image: Buffer): Promise<InferenceOutcome> {
  const resolved = repository.resolve(model, "");
  return pipeline.infer(resolved, image, resolveParameters({ returnMask: true }, resolved.config));
}

/** What a caller can compare: results, mask bytes and size (not the timings). */
const comparable = (o: InferenceOutcome) => ({ results: o.results, mask: o.maskPng ? [...o.maskPng] : undefined, width: o.imageWidth, height: o.imageHeight });

function executions(model: string) {
  const stats = repository.executionStatistics?.get(model, "1");
  if (!stats) throw new Error("the repository keeps no execution statistics");
  return stats;
}

test.each(IMAGE_MODELS.map(([name]) => name))("%s: batched Infer results equal unbatched ones, image by image", async (name) => {
  const colors = ["#f00", "#0f0", "#00f", "#ff0", "#0ff", "#f0f"];
  // Different source sizes; for text detection ("fit") two sizes after resizing too.
  const images = await Promise.all(
    colors.map((color, i) => renderSvg(i < 3 ? 96 : 64 + 32 * (i % 2), i < 3 ? 64 : 48, `<rect x="${8 + i}" y="8" width="30" height="20" fill="${color}"/><rect x="40" y="30" width="16" height="12" fill="#fff"/>`)),
  );
  if (name === "text") images.splice(3, 3, ...(await Promise.all([0, 1, 2].map((i) => renderSvg(128, 128, `<rect x="${10 * i}" y="40" width="60" height="30" fill="#fff"/>`)))));
  const alone: ReturnType<typeof comparable>[] = [];
  for (const image of images) alone.push(comparable(await infer(`${name}-plain`, image)));
  const together = (await Promise.all(images.map((image) => infer(`${name}-batched`, image)))).map(comparable);
  expect(together).toEqual(alone);
  expect(alone.some((a) => a.results.length > 0)).toBe(true);
  const stats = executions(`${name}-batched`);
  expect(stats.inferenceCount).toBe(6n);
  // Text detection: two sizes, two batches of three; fixed-size tasks: one batch of six.
  expect(stats.batchStats.map((b) => [b.batchSize, b.computeInfer.count])).toEqual(name === "text" ? [[3, 2n]] : [[6, 1n]]);
  expect(averageBatchSize(stats)).toBe(name === "text" ? 3 : 6);
});

const f32 = (values: number[], rows: number): RuntimeTensor => ({ type: "float32", data: Float32Array.from(values), dims: [rows, 3] });

test("tensor model: each request gets exactly its own rows, bit for bit, with different batch sizes per request", async () => {
  // Fresh feeds per run: a run alone transfers its buffers to the model's worker thread.
  const requests = () => [1, 2, 1, 3].map((rows, r) => {
    const a = Array.from({ length: rows * 3 }, (_, i) => Math.fround(Math.sin(r * 31 + i) * 1e3));
    const b = Array.from({ length: rows * 3 }, (_, i) => Math.fround(Math.cos(r * 17 + i) / 7));
    return new Map([
      ["a", f32(a, rows)],
      ["b", f32(b, rows)],
    ]);
  });
  const plain = repository.resolve("add-plain", "");
  const alone: Map<string, RuntimeTensor>[] = [];
  for (const feeds of requests()) alone.push(await plain.session.runTensors!(feeds, ["sum"]));
  const session = repository.resolve("add-batched", "").session;
  // Preferred sizes 3 and 4: rows 1+2 leave as a batch of 3 once the second request is queued, then 1+3 as one of 4.
  const together = await Promise.all(requests().map((feeds) => session.runTensors!(feeds, ["sum"])));
  together.forEach((outputs, i) => {
    const sum = outputs.get("sum");
    expect(sum?.dims).toEqual(alone[i]?.get("sum")?.dims);
    expect(Buffer.from((sum?.data as Float32Array).buffer)).toEqual(Buffer.from((alone[i]?.get("sum")?.data as Float32Array).buffer));
  });
  expect(executions("add-batched").batchStats.map((b) => [b.batchSize, b.computeInfer.count])).toEqual([
    [3, 1n],
    [4, 1n],
  ]);
}, 20_000);

test("tensor models of several element types (int64, bool, float16, uint8, strings) split per request", async () => {
  const multi = repository.resolve("multi-batched", "").session;
  const feeds = (n: number) =>
    new Map<string, RuntimeTensor>([
      ["x", { type: "float32", data: Float32Array.from([n, n + 0.5]), dims: [1, 2] }],
      ["k", { type: "int64", data: BigInt64Array.from([BigInt(n) * 2n ** 40n]), dims: [1] }],
      ["flag", { type: "bool", data: Uint8Array.from([n % 2]), dims: [1] }],
      ["half", { type: "float16", data: Uint16Array.from([0x3c00 + n]), dims: [1] }],
    ]);
  const out = await Promise.all([1, 2, 3].map((n) => multi.runTensors!(feeds(n), ["double", "k_plus_k", "not_flag", "x_as_half"])));
  out.forEach((o, i) => {
    const n = i + 1;
    expect(o.get("double")).toEqual({ type: "float32", data: Float32Array.from([2 * n, 2 * n + 1]), dims: [1, 2] });
    expect(o.get("k_plus_k")).toEqual({ type: "int64", data: BigInt64Array.from([BigInt(n) * 2n ** 41n]), dims: [1] });
    expect([...(o.get("not_flag")?.data as Uint8Array)].map(Boolean)).toEqual([n % 2 === 0]);
    expect(o.get("x_as_half")?.dims).toEqual([1, 2]);
  });
  expect(executions("multi-batched").batchStats.map((b) => b.batchSize)).toEqual([3]);

  const identity = repository.resolve("identity-batched", "").session;
  const strings = (words: string[], n: bigint) =>
    new Map<string, RuntimeTensor>([
      ["in_BYTES", { type: "string", data: words, dims: [1, 2] }],
      ["in_INT64", { type: "int64", data: BigInt64Array.from([n, -n]), dims: [1, 2] }],
      ["in_BOOL", { type: "bool", data: Uint8Array.from([1, 0]), dims: [1, 2] }],
      ["in_FP16", { type: "float16", data: Uint16Array.from([1, 2]), dims: [1, 2] }],
      ["in_UINT8", { type: "uint8", data: Uint8Array.from([Number(n), 255]), dims: [1, 2] }],
    ]);
  const [first, second] = await Promise.all([identity.runTensors!(strings(["a", "bc"], 7n), ["out_BYTES", "out_INT64", "out_UINT8"]), identity.runTensors!(strings(["déf", ""], 9n), ["out_BYTES", "out_INT64", "out_UINT8"])]);
  expect(first?.get("out_BYTES")?.data).toEqual(["a", "bc"]);
  expect(second?.get("out_BYTES")?.data).toEqual(["déf", ""]);
  expect(second?.get("out_INT64")?.data).toEqual(BigInt64Array.from([9n, -9n]));
  expect(second?.get("out_UINT8")?.data).toEqual(Uint8Array.from([9, 255]));
  expect(executions("identity-batched").batchStats.map((b) => b.batchSize)).toEqual([2]);
});

test("a request cancelled while it waits for a batch never runs", async () => {
  const session = repository.resolve("wait", "").session;
  const controller = new AbortController();
  const waiting = session.runTensors!(new Map([["a", f32([1, 2, 3], 1)], ["b", f32([1, 1, 1], 1)]]), ["sum"], controller.signal);
  controller.abort(new Error("the client cancelled"));
  await expect(waiting).rejects.toThrow("the client cancelled");
  expect(executions("wait").executionCount).toBe(0n);
  expect(executions("wait").queue.count).toBe(0n);
});

test("more instances than CPU cores are accepted, reported and serve", async () => {
  const resolved = repository.resolve("many", "");
  const config = modelConfig(resolved);
  expect(config.instanceGroup[0]?.count).toBe(availableParallelism() + 2);
  expect(config.maxBatchSize).toBe(0);
  expect(config.input[0]?.dims).toEqual([-1n, 3n]);
  const results = await Promise.all([1, 2, 3, 4].map((n) => resolved.session.runTensors!(new Map([["a", f32([n, n, n], 1)], ["b", f32([1, 2, 3], 1)]]), ["sum"])));
  expect(results.map((r) => [...(r.get("sum")?.data as Float32Array)])).toEqual([1, 2, 3, 4].map((n) => [n + 1, n + 2, n + 3]));
  expect(executions("many").executionCount).toBe(4n);
});

test("ModelConfig reports max_batch_size and dynamic_batching as config.json sets them", () => {
  const config = modelConfig(repository.resolve("add-batched", ""));
  expect(config.maxBatchSize).toBe(8);
  // Triton's convention: with max_batch_size > 0, dims leave out the batch dimension.
  expect(config.input.map((i) => [i.name, i.dims])).toEqual([
    ["a", [3n]],
    ["b", [3n]],
  ]);
  expect(config.output.map((o) => o.dims)).toEqual([[3n]]);
  expect(config.schedulingChoice).toEqual({ $case: "dynamicBatching", value: { preferredBatchSize: [3, 4], maxQueueDelayMicroseconds: 5_000_000n, preserveOrdering: false } });
});

test("max_batch_size on a model without a dynamic batch dimension fails its load", () => {
  expect(repository.list().find((m) => m.name === "fixed")?.versions.map((v) => v.state)).toEqual(["failed"]);
  expect(() => repository.resolve("fixed", "")).toThrow(expect.objectContaining({ kind: "unavailable" }));
});
