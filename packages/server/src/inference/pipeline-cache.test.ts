import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { InferParameters } from "@inferd/grpc-types/v1";
import { replaceFile } from "../models/__tests__/offset-model";
import { classifierModel, constantOutputModel, tempDir, textDetectorModel, writeModel } from "../models/__tests__/tiny-models";
import { createModelRepository, type ModelRepository } from "../models/repository";
import { createResponseCache } from "../models/response-cache";
import { renderSvg } from "./__tests__/images";
import { resolveParameters } from "./parameters";
import { createInferencePipeline, type InferenceOutcome } from "./pipeline";

// Real onnxruntime on tiny models: one pipeline with the response cache, one without (the
// full run every cached answer is compared with).
let dir: string;
let repository: ModelRepository;
const cache = createResponseCache({ maxBytes: 64 * 1024 * 1024 });
const cached = createInferencePipeline({ responseCache: cache });
const uncached = createInferencePipeline();
const ON = { response_cache: { enable: true } };

// yolov8 output [1, 4+2, 3]: three boxes of descending confidence, two overlapping.
const boxes = (scale: number): number[] =>
  [
    [200, 210, 400], // cx
    [200, 205, 300], // cy
    [100, 100, 40], // w
    [80, 80, 40], // h
    [0.9 * scale, 0.8 * scale, 0.1], // class 0
    [0.05, 0.1, 0.7 * scale], // class 1
  ].flat();
const detector = (scale: number): Buffer => constantOutputModel(640, [1, 6, 3], boxes(scale));
const detectorConfig = { task: "detection", labels: ["cat", "dog"], input: { width: 640, height: 640 }, ...ON };

beforeAll(async () => {
  dir = await tempDir("pipeline-cache");
  await writeModel(dir, "text", { task: "text-detection", input: { resize: "fit", max_side: 256, scale: 1 / 255 }, ...ON }, textDetectorModel());
  await writeModel(dir, "cls", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32 }, ...ON }, classifierModel(32));
  await writeModel(dir, "cls-off", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32 } }, classifierModel(32));
  await writeModel(dir, "det", detectorConfig, detector(1), "1");
  await writeModel(dir, "det", detectorConfig, detector(0.5), "2");
  repository = createModelRepository({ dir, runtime: { intraOpThreads: 1 } });
  await repository.load();
});

afterAll(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

function run(pipeline: typeof cached, model: string, version: string, image: Buffer, parameters: Partial<InferParameters> = {}): Promise<InferenceOutcome> {
  const resolved = repository.resolve(model, version);
  return pipeline.infer(resolved, image, resolveParameters({ returnMask: false, ...parameters }, resolved.config));
}

/** What a client sees of an outcome (not timings, not whether it was cached). */
const seen = (o: InferenceOutcome) => ({ results: o.results, mask: o.maskPng?.toString("base64"), size: [o.imageWidth, o.imageHeight] });

test("a threshold-only change runs post-processing on the cached outputs and equals a full run with that threshold", async () => {
  const image = await renderSvg(256, 128, `<rect x="20" y="20" width="100" height="20" fill="#fff"/><rect x="150" y="60" width="60" height="40" fill="#999"/>`);
  const first = await run(cached, "text", "", image, { returnMask: true });
  expect(first.cached).toBe(false);
  for (const parameters of [{ confidenceThreshold: 0.5 }, { confidenceThreshold: 0.7, returnMask: true }, { maxResults: 1 }, { confidenceThreshold: 0 }]) {
    const fromCache = await run(cached, "text", "", image, parameters);
    expect(fromCache.cached).toBe(true);
    // The model ran no more: no decoding, no preprocessing.
    expect(fromCache.timings.decodeMs + fromCache.timings.preprocessMs).toBe(0);
    expect(seen(fromCache)).toEqual(seen(await run(uncached, "text", "", image, parameters)));
  }
  // The thresholds above select different results, so the comparison is not vacuous.
  const counts = await Promise.all([0, 0.7].map(async (t) => (await run(cached, "text", "", image, { confidenceThreshold: t })).results.length));
  expect(counts[0]).toBeGreaterThan(counts[1] ?? 0);
});

test("classification: max_results from the cache equals a full run; another image is a miss", async () => {
  const blue = await renderSvg(64, 64, `<rect width="64" height="64" fill="#00f"/>`);
  const red = await renderSvg(64, 64, `<rect width="64" height="64" fill="#f00"/>`);
  await run(cached, "cls", "", blue, { maxResults: 1 });
  const three = await run(cached, "cls", "", blue, { maxResults: 3 });
  expect(three.cached).toBe(true);
  expect(three.results).toEqual((await run(uncached, "cls", "", blue, { maxResults: 3 })).results);
  expect(three.results).toHaveLength(3);
  const other = await run(cached, "cls", "", red, { maxResults: 1 });
  expect(other.cached).toBe(false);
  expect(other.results[0]?.label).toBe("red");
});

test("a model without response_cache in its config.json is never cached", async () => {
  const image = await renderSvg(64, 64, `<rect width="64" height="64" fill="#0f0"/>`);
  await run(cached, "cls-off", "", image);
  expect((await run(cached, "cls-off", "", image)).cached).toBe(false);
  expect(cache.counters.get("cls-off", "1")).toEqual({ hits: { count: 0n, ns: 0n }, misses: { count: 0n, ns: 0n } });
});

test("one version's outputs never answer another version, nor a reload of the same version", async () => {
  const image = await renderSvg(640, 640, "");
  const confidences = (o: InferenceOutcome) => o.results.map((r) => Number(r.confidence.toFixed(4)));
  const v1 = await run(cached, "det", "1", image, { confidenceThreshold: 0.2 });
  expect(confidences(v1)).toEqual([0.9, 0.7]);
  const v2 = await run(cached, "det", "2", image, { confidenceThreshold: 0.2 });
  expect(v2.cached).toBe(false);
  expect(confidences(v2)).toEqual([0.45, 0.35]);
  expect(confidences(await run(cached, "det", "1", image, { confidenceThreshold: 0.2 }))).toEqual([0.9, 0.7]);

  // Version 1's model file changes (same size: only the constants differ) and is reloaded.
  const misses = cache.counters.get("det", "1").misses.count;
  await replaceFile(join(dir, "det", "1", "model.onnx"), detector(0.25));
  await repository.loadModel("det");
  const reloaded = await run(cached, "det", "1", image, { confidenceThreshold: 0.05 });
  expect(reloaded.cached).toBe(false);
  expect(confidences(reloaded)).toEqual([0.225, 0.175]);
  expect(cache.counters.get("det", "1").misses.count).toBe(misses + 1n);
  expect((await run(cached, "det", "1", image, { confidenceThreshold: 0.05 })).cached).toBe(true);
});

test("hits and misses are counted for the model version", async () => {
  const image = await renderSvg(48, 48, `<rect width="48" height="24" fill="#f00"/>`);
  const before = cache.counters.get("cls", "1");
  await run(cached, "cls", "1", image);
  await run(cached, "cls", "1", image, { maxResults: 2 });
  await run(cached, "cls", "1", image, { confidenceThreshold: 0.9 });
  const after = cache.counters.get("cls", "1");
  expect(after.misses.count - before.misses.count).toBe(1n);
  expect(after.hits.count - before.hits.count).toBe(2n);
});
