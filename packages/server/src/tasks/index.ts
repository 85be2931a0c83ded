import type { TaskName } from "../models/config";
import { classification } from "./classification";
import { detection } from "./detection";
import { segmentation } from "./segmentation";
import { textDetection } from "./text-detection";
import type { Detection, TaskFn, TaskParameters } from "./types";

export { classColor } from "./colors";
export type { Box, Detection, TaskFn, TaskInput, TaskMask, TaskOutput, TaskParameters } from "./types";

/** The post-processing function of each task. */
export const TASKS: Readonly<Record<TaskName, TaskFn>> = {
  "text-detection": textDetection,
  detection,
  segmentation,
  classification,
};

/** Drops results under the confidence threshold, sorts by confidence and applies max_results. */
export function finishDetections(detections: readonly Detection[], parameters: TaskParameters): Detection[] {
  const kept = detections.filter((d) => d.confidence >= parameters.confidenceThreshold).sort((a, b) => b.confidence - a.confidence);
  return parameters.maxResults > 0 ? kept.slice(0, parameters.maxResults) : kept;
}
