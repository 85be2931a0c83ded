import { connectedComponents } from "./components";
import type { Detection, TaskFn } from "./types";

/**
 * segmentation: "scores" outputs are [1, C, H, W] per-class scores (C = 1: a foreground score,
 * class 1 above 0.5), turned into probabilities by the configured activation; "classes"
 * outputs are [1, H, W] class ids. Each pixel takes its most likely class (the mask's grey
 * level), and each 8-connected region of a non-background class is an instance whose
 * confidence is its mean probability.
 */
export const segmentation: TaskFn = ({ config, outputs, inputWidth, inputHeight }) => {
  const output = outputs[0];
  if (!output || output.dims.length < 2) throw new Error("segmentation needs a [1,C,H,W] or [1,H,W] output");
  const { activation, backgroundClass, minArea } = config.segmentation;
  const height = output.dims[output.dims.length - 2] as number;
  const width = output.dims[output.dims.length - 1] as number;
  const pixels = width * height;
  const classMap = new Uint8Array(pixels);
  const confidence = new Float32Array(pixels).fill(1);

  if (config.segmentation.output === "classes") {
    for (let i = 0; i < pixels; i++) classMap[i] = Math.max(0, Math.min(255, Math.round(output.data[i] as number)));
  } else {
    const channels = output.dims.length === 4 ? (output.dims[1] as number) : 1;
    const data = output.data;
    for (let i = 0; i < pixels; i++) {
      if (channels === 1) {
        const raw = data[i] as number;
        const p = activation === "none" ? Math.min(1, Math.max(0, raw)) : 1 / (1 + Math.exp(-raw));
        classMap[i] = p > 0.5 ? 1 : 0;
        confidence[i] = p > 0.5 ? p : 1 - p;
        continue;
      }
      // The most likely class is the arg-max of the raw scores (softmax and sigmoid keep
      // order); only its probability needs the activation. No per-pixel allocation.
      let best = 0;
      let top = data[i] as number;
      for (let c = 1; c < channels; c++) {
        const score = data[c * pixels + i] as number;
        if (score > top) {
          top = score;
          best = c;
        }
      }
      let p: number;
      if (activation === "softmax") {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += Math.exp((data[c * pixels + i] as number) - top);
        p = 1 / sum;
      } else {
        p = activation === "sigmoid" ? 1 / (1 + Math.exp(-top)) : Math.min(1, Math.max(0, top));
      }
      classMap[i] = Math.min(best, 255);
      confidence[i] = p;
    }
  }

  const sx = inputWidth / width;
  const sy = inputHeight / height;
  const detections: Detection[] = [];
  for (const region of connectedComponents(classMap, width, height, backgroundClass, confidence)) {
    if (region.area < minArea) continue;
    const box = { x: region.x0 * sx, y: region.y0 * sy, width: (region.x1 - region.x0) * sx, height: (region.y1 - region.y0) * sy };
    detections.push({ box, classId: region.label, confidence: region.scoreSum / region.area });
  }
  return { detections, mask: { data: classMap, width, height } };
};
