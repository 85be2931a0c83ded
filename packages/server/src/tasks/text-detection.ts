import { connectedComponents } from "./components";
import type { Detection, TaskFn } from "./types";

/**
 * text-detection (DBNet / PP-OCR detectors): the output is a [1,1,H,W] text probability map.
 * Pixels over the binary threshold form 8-connected regions; each region's mean probability
 * is its confidence; its box grows by DBNet's unclip distance (area x ratio / perimeter),
 * because the detector is trained to predict shrunk text kernels. The mask is the thresholded
 * map (255 = text).
 */
export const textDetection: TaskFn = ({ config, outputs, inputWidth, inputHeight }) => {
  const map = outputs[0];
  if (!map || map.dims.length < 2) throw new Error("text-detection needs a [1,1,H,W] probability map output");
  const height = map.dims[map.dims.length - 2] as number;
  const width = map.dims[map.dims.length - 1] as number;
  const { binaryThreshold, unclipRatio, minSize } = config.textDetection;
  const probabilities = map.data.subarray(0, width * height);
  const bitmap = new Uint8Array(width * height);
  for (let i = 0; i < bitmap.length; i++) if ((probabilities[i] as number) > binaryThreshold) bitmap[i] = 255;

  const detections: Detection[] = [];
  for (const region of connectedComponents(bitmap, width, height, 0, probabilities)) {
    const w = region.x1 - region.x0;
    const h = region.y1 - region.y0;
    if (Math.min(w, h) < minSize) continue;
    const grow = (w * h * unclipRatio) / (2 * (w + h));
    const x = Math.max(0, region.x0 - grow);
    const y = Math.max(0, region.y0 - grow);
    const x1 = Math.min(width, region.x1 + grow);
    const y1 = Math.min(height, region.y1 + grow);
    // Boxes are in model-input pixels; the map may be smaller than the input.
    const sx = inputWidth / width;
    const sy = inputHeight / height;
    const box = { x: x * sx, y: y * sy, width: (x1 - x) * sx, height: (y1 - y) * sy };
    detections.push({ box, classId: 0, confidence: region.scoreSum / region.area });
  }
  return { detections, mask: { data: bitmap, width, height } };
};
