import type { InferenceOutcome } from "../inference/pipeline";

/**
 * The shortest decimal that reads back as the same float32 (0.6000000238418579 → 0.6), as
 * protobuf's JSON mapping prints `float` fields. (inferctl has the same helper for its
 * --json output; the two packages do not import each other's sources.)
 */
function float32(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(9));
}

/**
 * The JSON document a job stores for one image (results/<job>/<image>.json). Field names
 * follow the proto3 JSON mapping (lowerCamelCase, as ts-proto's toJSON and `inferctl --json`
 * write them), and the proto `float` values (confidence, box) carry no float noise.
 */
export function resultDocument(jobId: string, imageUri: string, outcome: InferenceOutcome, maskUri: string): object {
  return {
    jobId,
    imageUri,
    model: outcome.model,
    version: outcome.version,
    imageWidth: outcome.imageWidth,
    imageHeight: outcome.imageHeight,
    results: outcome.results.map((r) => ({
      box: { x: float32(r.box.x), y: float32(r.box.y), width: float32(r.box.width), height: float32(r.box.height) },
      label: r.label,
      classId: r.classId,
      confidence: float32(r.confidence),
      color: r.color,
    })),
    maskUri,
    timings: outcome.timings,
  };
}
