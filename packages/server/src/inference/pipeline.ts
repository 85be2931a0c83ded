import { InferdError } from "../errors";
import { quote } from "../quote";
import type { ResolvedModel } from "../models/repository";
import { digestOf, type ResponseCache } from "../models/response-cache";
import type { FloatTensor } from "../models/runtime";
import { classColor, finishDetections, TASKS, type Box, type TaskParameters } from "../tasks";
import { createDecodeBudget, type DecodeBudget } from "./decode-budget";
import { decodeImage, DEFAULT_MAX_IMAGE_PIXELS, measureImage } from "./decode";
import { toSourceBox, type Geometry } from "./geometry";
import { maskToSourcePng } from "./mask";
import { DEFAULT_DECODE_BUDGET_MB } from "./options";
import { preprocess } from "./preprocess";

/** One result in source-image pixels, ready for the wire or a result file. */
export interface InferenceResult {
  readonly box: Box;
  readonly label: string;
  readonly classId: number;
  readonly confidence: number;
  readonly color: string;
}

/** Where the time of one inference went, in milliseconds. */
export interface InferenceTimings {
  readonly decodeMs: number;
  readonly preprocessMs: number;
  readonly inferenceMs: number;
  readonly postprocessMs: number;
  readonly totalMs: number;
}

/** The outcome of running one image through a model. */
export interface InferenceOutcome {
  readonly model: string;
  readonly version: string;
  readonly results: readonly InferenceResult[];
  /** Present when requested and the task produces a mask. */
  readonly maskPng: Buffer | undefined;
  readonly imageWidth: number;
  readonly imageHeight: number;
  readonly timings: InferenceTimings;
  /** True when the model's outputs came from the response cache (only post-processing ran). */
  readonly cached: boolean;
}

/** The stage an inference has reached, for job progress. */
export type InferenceStage = "preprocess" | "infer" | "postprocess";

/** Runs images through models: decode, preprocess, onnxruntime, post-process. */
export interface InferencePipeline {
  /**
   * Runs one encoded image. Throws InferdError: invalid-argument (undecodable image),
   * resource-exhausted (too many pixels, or more than the whole decode budget); when `signal`
   * aborts before decoding or before the model runs, its reason (the work stops there);
   * anything else is an internal failure.
   */
  infer(
    model: ResolvedModel,
    image: Uint8Array,
    parameters: TaskParameters,
    onStage?: (stage: InferenceStage) => void,
    signal?: AbortSignal,
  ): Promise<InferenceOutcome>;
}

/** Options of {@link createInferencePipeline}. */
export interface InferencePipelineOptions {
  /** Largest decoded image, in pixels. */
  readonly maxImagePixels?: number;
  /** Server-wide budget of decoded bytes, shared by Infer and Run; default {@link DEFAULT_DECODE_BUDGET_MB} MiB. */
  readonly decodeBudget?: DecodeBudget;
  /**
   * Keeps the raw model outputs per image for models whose config enables it, so a repeated
   * image (e.g. with other thresholds or max_results) runs post-processing only. Off when absent.
   */
  readonly responseCache?: ResponseCache;
}

/**
 * What the model made of one image: everything post-processing needs. The response cache keeps
 * it per (model version, image bytes): preprocessing depends only on the version's config.json,
 * which a reload (new generation) covers, and no request parameter changes it.
 */
interface RawOutcome {
  readonly outputs: readonly FloatTensor[];
  readonly geometry: Geometry;
  readonly width: number;
  readonly height: number;
}

/** Bytes a decoded image holds: packed RGB. */
const DECODED_CHANNELS = 3;

function labelOf(model: ResolvedModel, classId: number): string {
  if (model.config.task === "text-detection") return model.config.labels[classId] ?? "text";
  return model.config.labels[classId] ?? `class ${classId}`;
}

/**
 * Creates the inference pipeline. Decoding, resizing and PNG encoding run in sharp (libuv
 * threads) and the model in onnxruntime's thread pool; what stays on the event loop is
 * normalisation and post-processing over typed arrays, measured at a few milliseconds for a
 * 960-pixel map (see MODELS.md, "Responsiveness").
 */
export function createInferencePipeline(options: InferencePipelineOptions = {}): InferencePipeline {
  const maxImagePixels = options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  const budget = options.decodeBudget ?? createDecodeBudget(DEFAULT_DECODE_BUDGET_MB * 1024 * 1024);
  const rawOutputs = options.responseCache?.space<RawOutcome>("image");

  /** Decodes and preprocesses with the image's decoded size reserved from the budget meanwhile. */
  async function prepare(model: ResolvedModel, image: Uint8Array, signal: AbortSignal | undefined) {
    const size = await measureImage(image, maxImagePixels); // from the header: nothing decoded yet
    const release = await budget.reserve(size.width * size.height * DECODED_CHANNELS, signal);
    try {
      signal?.throwIfAborted();
      const decoded = await decodeImage(image, maxImagePixels);
      const decodedAt = performance.now();
      const { tensor, geometry } = await preprocess(decoded, model.config.input);
      // Only the size outlives this function: the decoded pixels can go once it returns.
      return { tensor, geometry, width: decoded.width, height: decoded.height, decodedAt };
    } finally {
      release();
    }
  }

  return {
    async infer(model, image, parameters, onStage, signal) {
      const started = performance.now();
      const taskName = model.config.task;
      if (taskName === "tensor") {
        throw new InferdError(
          "failed-precondition",
          `model ${quote(model.name)} is a tensor model (no image task in its config.json); call it with the Open Inference Protocol (inference.GRPCInferenceService/ModelInfer)`,
        );
      }
      signal?.throwIfAborted();
      onStage?.("preprocess");
      // Stage marks; a cache hit skips decode, preprocess and the model (its lookup counts as inference).
      let decodedAt = started;
      let preprocessedAt = started;
      const run = async (): Promise<RawOutcome> => {
        const prepared = await prepare(model, image, signal);
        decodedAt = prepared.decodedAt;
        preprocessedAt = performance.now();
        signal?.throwIfAborted();
        onStage?.("infer");
        const outputs = await model.session.run(model.inputName, prepared.tensor, model.outputNames, signal);
        return {
          outputs: model.outputNames.map((name) => outputs.get(name)).filter((o) => o !== undefined),
          geometry: prepared.geometry,
          width: prepared.width,
          height: prepared.height,
        };
      };
      const { value: raw, hit: cached } = rawOutputs
        ? await rawOutputs.through(model, digestOf([image]), async () => {
            const value = await run();
            // The backing buffers, not the views: that is what the entry keeps alive.
            return { value, bytes: value.outputs.reduce((sum, o) => sum + o.data.buffer.byteLength, 0) };
          })
        : { value: await run(), hit: false };
      const { geometry } = raw;
      const inferredAt = performance.now();

      onStage?.("postprocess");
      const task = TASKS[taskName]({
        config: model.config,
        outputs: raw.outputs,
        inputWidth: geometry.inputWidth,
        inputHeight: geometry.inputHeight,
        parameters,
      });
      const whole: Box = { x: 0, y: 0, width: raw.width, height: raw.height };
      const results = finishDetections(task.detections, parameters)
        .map((d) => ({
          box: d.box ? toSourceBox(d.box, geometry) : whole,
          label: labelOf(model, d.classId),
          classId: d.classId,
          confidence: d.confidence,
          color: classColor(d.classId),
        }))
        // A box that lies wholly in the letterbox padding maps to nothing in the source image.
        .filter((r) => r.box.width > 0 && r.box.height > 0);
      const maskPng = parameters.returnMask && task.mask ? await maskToSourcePng(task.mask, geometry) : undefined;
      const finished = performance.now();
      return {
        model: model.name,
        version: model.version,
        results,
        maskPng,
        imageWidth: raw.width,
        imageHeight: raw.height,
        timings: {
          // Stages end where the next begins, so they add up to the total exactly (decode includes
          // reading the header and any wait for the decode budget).
          decodeMs: decodedAt - started,
          preprocessMs: preprocessedAt - decodedAt,
          inferenceMs: inferredAt - preprocessedAt,
          postprocessMs: finished - inferredAt,
          totalMs: finished - started,
        },
        cached,
      };
    },
  };
}
