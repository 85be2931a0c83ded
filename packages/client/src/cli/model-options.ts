import type { Command } from "commander";
import type { InferOptions } from "../client";
import { parseFraction, parsePositiveInt } from "./parse";

/** What {@link addModelOptions} parses. */
export interface ModelOptionValues {
  model: string;
  modelVersion?: string;
  threshold?: number;
  maxResults?: number;
  iou?: number;
}

/**
 * The model and post-processing options that `infer` and `run` share, so both accept the same
 * InferParameters with the same names and checks. `maxResultsHelp` says what "n results" counts.
 */
export function addModelOptions(command: Command, maxResultsHelp: string): Command {
  return command
    .requiredOption("-m, --model <model>", "the model's name (see `inferctl models`)")
    .option("--model-version <version>", "the model version (default: the newest ready one)")
    .option("--threshold <0-1>", "minimum confidence of a result (default: the model's)", parseFraction)
    .option("--max-results <n>", maxResultsHelp, parsePositiveInt)
    .option("--iou <0-1>", "non-maximum suppression IoU threshold (detection models)", parseFraction);
}

/** The library's InferOptions for parsed {@link addModelOptions} values. */
export function toInferOptions(values: ModelOptionValues, returnMask: boolean): InferOptions {
  return {
    model: values.model,
    returnMask,
    ...(values.modelVersion === undefined ? {} : { version: values.modelVersion }),
    ...(values.threshold === undefined ? {} : { threshold: values.threshold }),
    ...(values.maxResults === undefined ? {} : { maxResults: values.maxResults }),
    ...(values.iou === undefined ? {} : { iouThreshold: values.iou }),
  };
}
