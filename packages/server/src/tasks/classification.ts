import { activate } from "./activation";
import type { TaskFn } from "./types";

/**
 * classification: the output is [1, C] (or [C]) class scores; the configured activation
 * (softmax by default) turns them into probabilities, and every class becomes a whole-image
 * result. Thresholding and top-k happen in finishDetections with the other tasks.
 */
export const classification: TaskFn = ({ config, outputs }) => {
  const output = outputs[0];
  if (!output || output.data.length === 0) throw new Error("classification needs a [1, classes] output");
  const classes = output.dims[output.dims.length - 1] ?? output.data.length;
  const probabilities = activate(output.data.subarray(0, classes), config.classification.activation);
  return { detections: Array.from(probabilities, (confidence, classId) => ({ box: undefined, classId, confidence })) };
};
