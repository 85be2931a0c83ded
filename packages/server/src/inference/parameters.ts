import type { InferParameters } from "@inferd/grpc-types/v1";
import { invalidArgument } from "../errors";
import type { ModelConfig } from "../models/config";
import type { TaskParameters } from "../tasks/types";

/** Largest max_results a request may ask for. */
export const MAX_RESULTS_LIMIT = 100_000;

function unit(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || value > 1) throw invalidArgument(`parameters.${field} is ${value}; it must be from 0 to 1`);
  return value;
}

/**
 * Merges a request's InferParameters with the model config's defaults and validates them;
 * throws invalid-argument with the field to fix.
 */
export function resolveParameters(parameters: InferParameters | undefined, config: ModelConfig): TaskParameters {
  const maxResults = parameters?.maxResults ?? config.defaults.maxResults;
  if (maxResults > MAX_RESULTS_LIMIT) throw invalidArgument(`parameters.max_results is ${maxResults}; the limit is ${MAX_RESULTS_LIMIT} (0 = no limit)`);
  return {
    confidenceThreshold: unit(parameters?.confidenceThreshold, "confidence_threshold", config.defaults.confidenceThreshold),
    iouThreshold: unit(parameters?.iouThreshold, "iou_threshold", config.defaults.iouThreshold),
    maxResults,
    returnMask: parameters?.returnMask ?? false,
  };
}
