import fc from "fast-check";
import type { InferResult } from "@inferd/grpc-types/v1";
import { filterResults, iou } from "./filter-results";

const result = (x: number, y: number, confidence: number, classId = 0): InferResult => ({
  box: { x, y, width: 10, height: 10 },
  label: `c${classId}`,
  classId,
  confidence,
  color: "#ff0000",
});

test("iou of identical, disjoint and half-overlapping boxes", () => {
  const a = { x: 0, y: 0, width: 10, height: 10 };
  expect(iou(a, a)).toBe(1);
  expect(iou(a, { x: 20, y: 0, width: 10, height: 10 })).toBe(0);
  expect(iou(a, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150);
});

test("threshold, per-class NMS and top-k", () => {
  const results = [result(0, 0, 0.9), result(2, 0, 0.8), result(2, 0, 0.85, 1), result(50, 50, 0.4), result(80, 80, 0.2)];
  expect(filterResults(results, { confidence: 0.3, iou: 1, maxResults: 0 }).map((r) => r.confidence)).toEqual([0.9, 0.85, 0.8, 0.4]);
  // 0.8 overlaps 0.9 (same class) by IoU 0.67; the class-1 box overlapping them stays.
  expect(filterResults(results, { confidence: 0.3, iou: 0.5, maxResults: 0 }).map((r) => r.confidence)).toEqual([0.9, 0.85, 0.4]);
  expect(filterResults(results, { confidence: 0, iou: 0.5, maxResults: 2 }).map((r) => r.confidence)).toEqual([0.9, 0.85]);
});

test("filtering never invents results and keeps them sorted", () => {
  const arbitraryResult = fc
    .record({ x: fc.integer({ min: 0, max: 100 }), y: fc.integer({ min: 0, max: 100 }), c: fc.float({ min: 0, max: 1, noNaN: true }), k: fc.integer({ min: 0, max: 2 }) })
    .map(({ x, y, c, k }) => result(x, y, c, k));
  fc.assert(
    fc.property(fc.array(arbitraryResult), fc.float({ min: 0, max: 1, noNaN: true }), fc.float({ min: 0, max: 1, noNaN: true }), fc.nat(5), (results, confidence, overlap, max) => {
      const kept = filterResults(results, { confidence, iou: overlap, maxResults: max });
      for (const r of kept) expect(results).toContain(r);
      for (const r of kept) expect(r.confidence).toBeGreaterThanOrEqual(confidence);
      if (max > 0) expect(kept.length).toBeLessThanOrEqual(max);
      expect(kept.map((r) => r.confidence)).toEqual([...kept.map((r) => r.confidence)].sort((a, b) => b - a));
    }),
  );
});
