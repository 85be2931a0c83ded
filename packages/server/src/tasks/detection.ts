import type { Box, Detection, TaskFn } from "./types";

/** Intersection over union of two boxes. */
export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const intersection = ix * iy;
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Greedy per-class non-maximum suppression: highest confidence first, a box is dropped when it
 * overlaps a kept box of the same class by more than `iouThreshold`.
 */
export function nonMaximumSuppression(detections: readonly Detection[], iouThreshold: number): Detection[] {
  const sorted = [...detections].sort((a, b) => b.confidence - a.confidence);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    const box = candidate.box;
    if (!box) continue;
    const suppressed = kept.some((k) => k.classId === candidate.classId && k.box !== undefined && iou(k.box, box) > iouThreshold);
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}

/**
 * detection, in the YOLO export formats. yolov8: [1, 4+C, N] (or transposed [1, N, 4+C]) rows
 * of cx, cy, w, h and C class scores; yolov5: [1, N, 5+C] with an objectness score that
 * multiplies the class scores. Boxes are in model-input pixels. Candidates under the confidence
 * threshold are dropped before NMS, which is what keeps NMS cheap on 8,400 anchors.
 */
export const detection: TaskFn = ({ config, outputs, parameters }) => {
  const output = outputs[0];
  if (!output || output.dims.length !== 3) throw new Error("detection needs a [1, rows, anchors] YOLO output");
  const [, d1, d2] = output.dims as [number, number, number];
  const v5 = config.detection.format === "yolov5";
  const head = v5 ? 5 : 4;
  const labels = config.labels.length;
  // yolov8 exports are channel-first ([1, 4+C, N]); a transposed export is recognised by the
  // label count or, without labels, by the shorter axis being the channel one.
  const channelFirst = !v5 && (labels > 0 ? d1 === head + labels : d1 < d2);
  const anchors = channelFirst ? d2 : d1;
  const channels = channelFirst ? d1 : d2;
  const classes = channels - head;
  if (classes < 1) throw new Error(`detection output [1, ${d1}, ${d2}] has no class scores for format ${config.detection.format}`);
  const data = output.data;
  const at = channelFirst ? (anchor: number, channel: number) => data[channel * anchors + anchor] as number : (anchor: number, channel: number) => data[anchor * channels + channel] as number;

  const candidates: Detection[] = [];
  for (let a = 0; a < anchors; a++) {
    const objectness = v5 ? at(a, 4) : 1;
    if (objectness < parameters.confidenceThreshold) continue;
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < classes; c++) {
      const score = at(a, head + c);
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    const confidence = objectness * bestScore;
    if (confidence < parameters.confidenceThreshold) continue;
    const w = at(a, 2);
    const h = at(a, 3);
    candidates.push({ box: { x: at(a, 0) - w / 2, y: at(a, 1) - h / 2, width: w, height: h }, classId: best, confidence });
  }
  return { detections: nonMaximumSuppression(candidates, parameters.iouThreshold) };
};
