import type { ModelConfig } from "../models/config";
import type { FloatTensor } from "../models/runtime";

/** An axis-aligned box; tasks return them in model-input pixels, the pipeline maps them back. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One result of a task, before mapping to source-image pixels. */
export interface Detection {
  /** Undefined for classification: the whole image. */
  readonly box: Box | undefined;
  readonly classId: number;
  readonly confidence: number;
}

/** A one-channel mask in model-output pixels (grey level = class id, or 255 for text). */
export interface TaskMask {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** What a task returns. */
export interface TaskOutput {
  /** Not yet thresholded, sorted or truncated: see finishDetections. */
  readonly detections: Detection[];
  /** Whole-image class map (text detection and segmentation). */
  readonly mask?: TaskMask;
}

/** Post-processing parameters after request values and config defaults are merged. */
export interface TaskParameters {
  readonly confidenceThreshold: number;
  readonly iouThreshold: number;
  /** 0 means no limit. */
  readonly maxResults: number;
  readonly returnMask: boolean;
}

/** Everything a task needs: the config, the model's outputs and the input tensor's size. */
export interface TaskInput {
  readonly config: ModelConfig;
  /** The outputs named by the config (or the first output), in order. */
  readonly outputs: readonly FloatTensor[];
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly parameters: TaskParameters;
}

/** A post-processing function. Pure and synchronous: it runs on plain typed arrays. */
export type TaskFn = (input: TaskInput) => TaskOutput;
