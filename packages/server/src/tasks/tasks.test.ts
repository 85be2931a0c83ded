import { rm } from "node:fs/promises";
import type { InferParameters } from "@inferd/grpc-types/v1";
import sharp from "sharp";
import { greyLevels, renderSvg } from "../inference/__tests__/images";
import { createInferencePipeline, type InferenceOutcome } from "../inference/pipeline";
import { resolveParameters } from "../inference/parameters";
import { classifierModel, constantOutputModel, segmenterModel, tempDir, textDetectorModel, writeModel } from "../models/__tests__/tiny-models";
import { createModelRepository, type ModelRepository } from "../models/repository";
import { classColor } from "./colors";

// Each task runs end to end through real onnxruntime on a tiny model built by the test.
let dir: string;
let repository: ModelRepository;
const pipeline = createInferencePipeline();

// yolov8 output [1, 4+2, 4] (channel-first): anchors 0 and 1 overlap (class 0), anchor 2 is
// class 1, anchor 3 a small class-0 box apart. Model input is a 640x640 letterbox.
const YOLOV8 = [
  [200, 210, 400, 20], // cx
  [200, 205, 300, 300], // cy
  [100, 100, 40, 10], // w
  [80, 80, 40, 10], // h
  [0.9, 0.8, 0.1, 0.6], // class 0
  [0.05, 0.1, 0.7, 0.01], // class 1
].flat();
// yolov5 output [1, 2, 5+2]: cx, cy, w, h, objectness, class scores.
const YOLOV5 = [
  [320, 320, 64, 64, 0.9, 0.2, 0.8],
  [100, 100, 20, 20, 0.3, 0.9, 0.1],
].flat();

beforeAll(async () => {
  dir = await tempDir("tasks");
  const rgb = { layout: "NCHW", color_order: "RGB", scale: 1 / 255 };
  await writeModel(dir, "text", { task: "text-detection", input: { resize: "fit", max_side: 256, multiple_of: 32, ...rgb }, text_detection: { unclip_ratio: 0 } }, textDetectorModel());
  await writeModel(dir, "yolo8", { task: "detection", labels: ["cat", "dog"], input: { width: 640, height: 640, resize: "letterbox", ...rgb } }, constantOutputModel(640, [1, 6, 4], YOLOV8));
  await writeModel(dir, "yolo5", { task: "detection", labels: ["cat", "dog"], detection: { format: "yolov5" }, input: { width: 640, height: 640, ...rgb } }, constantOutputModel(640, [1, 2, 7], YOLOV5));
  await writeModel(dir, "seg", { task: "segmentation", labels: ["background", "red", "green"], segmentation: { activation: "none", min_area: 4 }, input: { width: 64, height: 64, ...rgb } }, segmenterModel());
  await writeModel(dir, "cls", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, ...rgb } }, classifierModel(32));
  repository = createModelRepository({ dir, runtime: { intraOpThreads: 1 } });
  await repository.load();
});

afterAll(async () => {
  await repository.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(model: string, image: Buffer, parameters: Partial<InferParameters> = {}): Promise<InferenceOutcome> {
  const resolved = repository.resolve(model, "");
  return pipeline.infer(resolved, image, resolveParameters({ returnMask: false, ...parameters }, resolved.config));
}

test("text-detection: thresholded regions become boxes in source pixels, with a 255 mask", async () => {
  // 512x256 source, fitted to 256x128: boxes must be scaled back up by 2.
  const image = await renderSvg(512, 256, `<rect x="40" y="20" width="200" height="60" fill="#fff"/><rect x="300" y="150" width="120" height="80" fill="#fff"/>`);
  const outcome = await run("text", image, { returnMask: true });
  const boxes = outcome.results.map((r) => r.box).sort((a, b) => a.x - b.x);
  expect(boxes).toHaveLength(2);
  expect(boxes[0]).toEqual({ x: 40, y: 20, width: 200, height: 60 });
  expect(boxes[1]).toEqual({ x: 300, y: 150, width: 120, height: 80 });
  expect(outcome.results[0]).toMatchObject({ label: "text", classId: 0 });
  expect(outcome.results[0]?.confidence).toBeGreaterThan(0.95);
  const mask = await greyLevels(outcome.maskPng ?? Buffer.alloc(0));
  expect(mask).toMatchObject({ width: 512, height: 256 });
  expect(mask.data[50 * 512 + 100]).toBe(255);
  expect(mask.data[200 * 512 + 100]).toBe(0);
});

test("text-detection: unclip grows boxes and the confidence threshold filters dim regions", async () => {
  await writeModel(dir, "text-unclip", { task: "text-detection", input: { resize: "fit", max_side: 256, scale: 1 / 255 } }, textDetectorModel());
  const local = createModelRepository({ dir });
  await local.load();
  const image = await renderSvg(256, 128, `<rect x="40" y="40" width="100" height="20" fill="#fff"/><rect x="180" y="40" width="40" height="40" fill="#666"/>`);
  const model = local.resolve("text-unclip", "");
  const outcome = await pipeline.infer(model, image, resolveParameters(undefined, model.config));
  await local.close();
  // #666 is 0.4 probability: over the 0.3 binary threshold, under the 0.6 default confidence.
  expect(outcome.results).toHaveLength(1);
  const box = outcome.results[0]?.box;
  const grow = (100 * 20 * 1.5) / (2 * 120); // DBNet unclip distance
  expect(box?.x).toBeCloseTo(40 - grow, 3);
  expect(box?.width).toBeCloseTo(100 + 2 * grow, 3);
});

test("detection (yolov8): decode, threshold, per-class NMS, labels, letterbox back to source", async () => {
  // 1280x640 source letterboxed into 640x640: scale 0.5, 160 px of padding above and below.
  const outcome = await run("yolo8", await renderSvg(1280, 640, ""), { iouThreshold: 0.5 });
  expect(outcome.results.map((r) => [r.label, r.classId, r.confidence])).toEqual([
    ["cat", 0, expect.closeTo(0.9, 5)],
    ["dog", 1, expect.closeTo(0.7, 5)],
    ["cat", 0, expect.closeTo(0.6, 5)],
  ]);
  expect(outcome.results[0]?.box).toEqual({ x: 300, y: (160 - 160) * 2, width: 200, height: 160 });
  expect(outcome.results[1]?.box).toEqual({ x: 760, y: (280 - 160) * 2, width: 80, height: 80 });
  expect(outcome.results[2]?.box).toEqual({ x: 30, y: 270, width: 20, height: 20 });
  expect(outcome.results[0]?.color).toBe(classColor(0));

  const noNms = await run("yolo8", await renderSvg(1280, 640, ""), { iouThreshold: 1 });
  expect(noNms.results.map((r) => r.label)).toEqual(["cat", "cat", "dog", "cat"]);
  const top = await run("yolo8", await renderSvg(1280, 640, ""), { confidenceThreshold: 0.75, maxResults: 1 });
  expect(top.results.map((r) => r.confidence)).toEqual([expect.closeTo(0.9, 5)]);
});

test("detection (yolov5): objectness multiplies the class score", async () => {
  const outcome = await run("yolo5", await renderSvg(640, 640, ""), { confidenceThreshold: 0.3 });
  expect(outcome.results).toHaveLength(1);
  expect(outcome.results[0]).toMatchObject({ label: "dog", classId: 1, box: { x: 288, y: 288, width: 64, height: 64 } });
  expect(outcome.results[0]?.confidence).toBeCloseTo(0.72, 5);
});

test("segmentation: per-pixel classes become a class-id mask and connected instances", async () => {
  const image = await renderSvg(128, 128, `<rect x="16" y="16" width="32" height="32" fill="#f00"/><rect x="80" y="64" width="32" height="48" fill="#0f0"/>`);
  const outcome = await run("seg", image, { returnMask: true, confidenceThreshold: 0.5 });
  const byLabel = Object.fromEntries(outcome.results.map((r) => [r.label, r]));
  expect(Object.keys(byLabel).sort()).toEqual(["green", "red"]);
  expect(byLabel["red"]).toMatchObject({ classId: 1, box: { x: 16, y: 16, width: 32, height: 32 } });
  expect(byLabel["red"]?.confidence).toBeGreaterThan(0.9);
  expect(byLabel["green"]).toMatchObject({ classId: 2, box: { x: 80, y: 64, width: 32, height: 48 } });
  const mask = await greyLevels(outcome.maskPng ?? Buffer.alloc(0));
  expect(mask).toMatchObject({ width: 128, height: 128 });
  expect([mask.data[32 * 128 + 32], mask.data[90 * 128 + 96], mask.data[5 * 128 + 5]]).toEqual([1, 2, 0]);
  expect((await run("seg", image)).maskPng).toBeUndefined();
});

test("classification: softmax top-k over labels, whole-image boxes", async () => {
  const image = await renderSvg(200, 100, `<rect width="200" height="80" fill="#00f"/>`);
  const outcome = await run("cls", image, { maxResults: 2 });
  expect(outcome.results.map((r) => r.label)).toEqual(["blue", "red"]);
  expect(outcome.results[0]?.box).toEqual({ x: 0, y: 0, width: 200, height: 100 });
  const logits = [0, 0, 8]; // blue channel mean 0.8 x 10
  const sum = logits.reduce((s, l) => s + Math.exp(l), 0);
  expect(outcome.results[0]?.confidence).toBeCloseTo(Math.exp(8) / sum, 5);
  expect(outcome.results.reduce((s, r) => s + r.confidence, 0)).toBeLessThanOrEqual(1);
});

test("timings are reported for every stage", async () => {
  const outcome = await run("cls", await renderSvg(64, 64, ""));
  const { decodeMs, preprocessMs, inferenceMs, postprocessMs, totalMs } = outcome.timings;
  // Each stage is measured (decoding a PNG and running onnxruntime take measurable time:
  // performance.now() has microsecond resolution), and the stages add up to the total.
  expect(decodeMs).toBeGreaterThan(0);
  expect(inferenceMs).toBeGreaterThan(0);
  expect(decodeMs + preprocessMs + inferenceMs + postprocessMs).toBeCloseTo(totalMs, 6);
});

test("an undecodable image is invalid-argument; an oversized one resource-exhausted", async () => {
  const model = repository.resolve("cls", "");
  const parameters = resolveParameters(undefined, model.config);
  await expect(pipeline.infer(model, Buffer.from("not an image"), parameters)).rejects.toMatchObject({ kind: "invalid-argument" });
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>`);
  await expect(pipeline.infer(model, svg, parameters)).rejects.toMatchObject({ kind: "invalid-argument" });
  const small = createInferencePipeline({ maxImagePixels: 100 });
  await expect(small.infer(model, await sharp({ create: { width: 20, height: 20, channels: 3, background: "#000" } }).png().toBuffer(), parameters)).rejects.toMatchObject({ kind: "resource-exhausted" });
});
