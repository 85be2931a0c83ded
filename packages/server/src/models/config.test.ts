import { ModelConfigError, parseModelConfig } from "./config";

test("defaults are filled per task", () => {
  const config = parseModelConfig({ task: "detection", input: { width: 640, height: 640 }, labels: ["cat"] });
  expect(config.input).toMatchObject({ resize: "letterbox", layout: "NCHW", colorOrder: "RGB", scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], padValue: 114 });
  expect(config.defaults).toEqual({ confidenceThreshold: 0.25, iouThreshold: 0.45, maxResults: 0 });
  expect(config.detection.format).toBe("yolov8");
  expect(parseModelConfig({ task: "classification", input: { width: 8, height: 8 } }).defaults.maxResults).toBe(5);
  expect(parseModelConfig({ task: "text-detection", input: { resize: "fit" } }).input).toMatchObject({ maxSide: 960, multipleOf: 32 });
});

test("a version may come from a file of an npm package", () => {
  const config = parseModelConfig({ task: "text-detection", input: { resize: "fit" }, versions: { "3": { package: "@scope/pkg", file: "assets/m.onnx" } } });
  expect(config.versions).toEqual({ "3": { package: "@scope/pkg", file: "assets/m.onnx" } });
});

test.each([
  ["an image field on a tensor model", { input: { width: 1, height: 1 } }, "input"],
  ["an unknown task", { task: "ocr" }, "task"],
  ["an unknown field", { task: "detection", input: { width: 1, height: 1 }, thresholds: {} }, "thresholds"],
  ["a typo inside input", { task: "detection", input: { width: 1, height: 1, colour_order: "BGR" } }, "input.colour_order"],
  ["no size for stretch", { task: "classification", input: {} }, "input.width"],
  ["a bad threshold", { task: "detection", input: { width: 1, height: 1 }, defaults: { confidence_threshold: 2 } }, "defaults.confidence_threshold"],
  ["a zero std", { task: "classification", input: { width: 1, height: 1, std: [1, 0, 1] } }, "input.std"],
  ["a package path escape", { task: "detection", input: { width: 1, height: 1 }, versions: { "1": { package: "p", file: "../x.onnx" } } }, "versions.1.file"],
  ["a non-numeric version", { task: "detection", input: { width: 1, height: 1 }, versions: { latest: { package: "p", file: "m.onnx" } } }, "versions.latest"],
])("%s is rejected with the field named", (_name, raw, field) => {
  expect(() => parseModelConfig(raw)).toThrow(ModelConfigError);
  expect(() => parseModelConfig(raw)).toThrow(`"${field}"`);
});

test("a config without a task, or with task tensor, is a tensor model", () => {
  expect(parseModelConfig({}).task).toBe("tensor");
  const config = parseModelConfig({ task: "tensor", description: "adds", versions: { "2": { package: "p", file: "m.onnx" } } });
  expect(config).toMatchObject({ task: "tensor", description: "adds", versions: { "2": { package: "p", file: "m.onnx" } } });
});

test("response_cache: off by default; enable and max_bytes for image and tensor models; bad values name the field", () => {
  expect(parseModelConfig({ task: "classification", input: { width: 8, height: 8 } }).responseCache).toEqual({ enable: false, maxBytes: 0 });
  expect(parseModelConfig({ task: "classification", input: { width: 8, height: 8 }, response_cache: { enable: true } }).responseCache).toEqual({ enable: true, maxBytes: 0 });
  expect(parseModelConfig({ task: "tensor", response_cache: { enable: true, max_bytes: 4096 } }).responseCache).toEqual({ enable: true, maxBytes: 4096 });
  for (const [cache, field] of [
    [{ enable: "yes" }, "response_cache.enable"],
    [{ max_bytes: -1 }, "response_cache.max_bytes"],
    [{ max_bytes: 1.5 }, "response_cache.max_bytes"],
    [{ size: 1 }, "response_cache.size"],
    [true, "response_cache"],
  ] as const) {
    expect(() => parseModelConfig({ task: "tensor", response_cache: cache })).toThrow(`"${field}"`);
  }
});

test("execution is worker unless a config asks for inline; anything else is rejected", () => {
  expect(parseModelConfig({}).execution).toBe("worker");
  expect(parseModelConfig({ execution: "inline" }).execution).toBe("inline");
  expect(parseModelConfig({ task: "classification", input: { width: 8, height: 8 }, execution: "inline" }).execution).toBe("inline");
  expect(() => parseModelConfig({ execution: "main-thread" })).toThrow(ModelConfigError);
});

test("batching and instances: off and one instance unless configured; Triton's names accepted", () => {
  expect(parseModelConfig({}).serving).toEqual({ maxBatchSize: 0, dynamicBatching: undefined, instanceCount: 1, intraOpThreads: 0 });
  const config = parseModelConfig({
    task: "classification",
    input: { width: 8, height: 8 },
    max_batch_size: 16,
    dynamic_batching: { preferred_batch_size: [8, 4, 8], max_queue_delay_microseconds: 500 },
    instance_group: [{ count: 2, kind: "KIND_CPU" }, { count: 3 }],
    intra_op_threads: 1,
  });
  expect(config.serving).toEqual({ maxBatchSize: 16, dynamicBatching: { preferredBatchSizes: [4, 8], maxQueueDelayMicroseconds: 500 }, instanceCount: 5, intraOpThreads: 1 });
  expect(parseModelConfig({ max_batch_size: 4, dynamic_batching: {}, instance_count: 64 }).serving).toMatchObject({
    dynamicBatching: { preferredBatchSizes: [], maxQueueDelayMicroseconds: 0 },
    instanceCount: 64,
  });
});

test.each([
  ["dynamic batching without max_batch_size", { dynamic_batching: {} }, "dynamic_batching"],
  ["a preferred size above max_batch_size", { max_batch_size: 4, dynamic_batching: { preferred_batch_size: [8] } }, "dynamic_batching.preferred_batch_size"],
  ["an unknown dynamic_batching field", { max_batch_size: 4, dynamic_batching: { priority_levels: 2 } }, "dynamic_batching.priority_levels"],
  ["a negative queue delay", { max_batch_size: 4, dynamic_batching: { max_queue_delay_microseconds: -1 } }, "dynamic_batching.max_queue_delay_microseconds"],
  ["zero instances", { instance_count: 0 }, "instance_count"],
  ["both instance fields", { instance_count: 2, instance_group: [{ count: 2 }] }, "instance_count"],
  ["a GPU instance group", { instance_group: [{ count: 1, kind: "KIND_GPU" }] }, "instance_group.0.kind"],
  ["a fractional max_batch_size", { max_batch_size: 1.5 }, "max_batch_size"],
])("%s is rejected with the field named", (_name, raw, field) => {
  expect(() => parseModelConfig(raw)).toThrow(ModelConfigError);
  expect(() => parseModelConfig(raw)).toThrow(`"${field}"`);
});
