/**
 * The confidence / IoU / max-results controls, applied in the page to the results the server
 * returned for a permissive request, so moving a slider re-renders without a new request.
 * The same rules as the server's post-processing: threshold, per-class greedy NMS, top-k.
 */
import type { BoundingBox, InferResult } from "@inferd/grpc-types/v1";

/** The control values. */
export interface ResultFilter {
  /** Minimum confidence, 0-1. */
  readonly confidence: number;
  /** IoU above which the weaker of two same-class boxes is dropped; 1 keeps all. */
  readonly iou: number;
  /** Most results shown; 0 = all. */
  readonly maxResults: number;
}

/** Intersection over union of two boxes (0 when either is empty). */
export function iou(a: BoundingBox, b: BoundingBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** The results the controls let through, highest confidence first. */
export function filterResults(results: readonly InferResult[], filter: ResultFilter): InferResult[] {
  const sorted = results.filter((r) => r.confidence >= filter.confidence).sort((a, b) => b.confidence - a.confidence);
  const kept: InferResult[] = [];
  for (const candidate of sorted) {
    const box = candidate.box;
    const suppressed =
      filter.iou < 1 && box !== undefined && kept.some((k) => k.classId === candidate.classId && k.box !== undefined && iou(k.box, box) > filter.iou);
    if (!suppressed) kept.push(candidate);
    if (filter.maxResults > 0 && kept.length >= filter.maxResults) break;
  }
  return kept;
}
