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
