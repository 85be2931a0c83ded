import { classColor } from "./colors";
import { connectedComponents } from "./components";
import { iou, nonMaximumSuppression } from "./detection";
import { finishDetections } from "./index";

test("classColor is a stable #rrggbb per class id, distinct for neighbouring ids", () => {
  const colors = Array.from({ length: 20 }, (_, id) => classColor(id));
  for (const color of colors) expect(color).toMatch(/^#[0-9a-f]{6}$/);
  expect(new Set(colors).size).toBe(20);
  expect(classColor(7)).toBe(colors[7]);
});

test("connectedComponents finds 8-connected regions per label with their boxes and score sums", () => {
  // 5x4 map: a diagonal pair of 1s (one region), a 2 next to it (another label), a lone 1.
  const labels = Uint8Array.from([1, 0, 0, 0, 1, 0, 1, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
  const scores = new Float32Array(20).fill(0.5);
  const regions = connectedComponents(labels, 5, 4, 0, scores);
  expect(regions).toEqual([
    { label: 1, x0: 0, y0: 0, x1: 2, y1: 2, area: 2, scoreSum: 1 },
    { label: 1, x0: 4, y0: 0, x1: 5, y1: 1, area: 1, scoreSum: 0.5 },
    { label: 2, x0: 2, y0: 1, x1: 3, y1: 3, area: 2, scoreSum: 1 },
  ]);
});

test("NMS keeps the strongest box per class and keeps other classes' overlaps", () => {
  const a = { box: { x: 0, y: 0, width: 10, height: 10 }, classId: 0, confidence: 0.9 };
  const b = { box: { x: 1, y: 1, width: 10, height: 10 }, classId: 0, confidence: 0.8 };
  const c = { box: { x: 1, y: 1, width: 10, height: 10 }, classId: 1, confidence: 0.7 };
  expect(iou(a.box, b.box)).toBeCloseTo(81 / 119, 5);
  expect(nonMaximumSuppression([b, c, a], 0.5)).toEqual([a, c]);
  expect(nonMaximumSuppression([b, c, a], 0.7)).toEqual([a, b, c]);
});

test("finishDetections thresholds, sorts and truncates", () => {
  const d = (confidence: number) => ({ box: undefined, classId: 0, confidence });
  const parameters = { confidenceThreshold: 0.3, iouThreshold: 0.5, maxResults: 2, returnMask: false };
  expect(finishDetections([d(0.2), d(0.5), d(0.9), d(0.4)], parameters).map((x) => x.confidence)).toEqual([0.9, 0.5]);
  expect(finishDetections([d(0.2), d(0.5)], { ...parameters, maxResults: 0 })).toHaveLength(1);
});
