import { resultDocument } from "./result-document";

const outcome = {
  model: "m",
  version: "1",
  maskPng: undefined,
  imageWidth: 640,
  imageHeight: 360,
  results: [{ box: { x: Math.fround(41.3), y: 134, width: Math.fround(0.1), height: 45 }, label: "text", classId: 0, confidence: Math.fround(0.6), color: "" }],
  timings: { decodeMs: 1.5, preprocessMs: 2, inferenceMs: 3.25, postprocessMs: 0.5, totalMs: 7.25 },
  cached: false,
};

test("the stored result document uses the proto3 JSON names and prints floats without noise", () => {
  const text = JSON.stringify(resultDocument("job-1", "inferd://p/a.png", outcome, "inferd://p/results/job-1/a.png.mask.png"));
  expect(JSON.parse(text)).toEqual({
    jobId: "job-1",
    imageUri: "inferd://p/a.png",
    model: "m",
    version: "1",
    imageWidth: 640,
    imageHeight: 360,
    results: [{ box: { x: 41.3, y: 134, width: 0.1, height: 45 }, label: "text", classId: 0, confidence: 0.6, color: "" }],
    maskUri: "inferd://p/results/job-1/a.png.mask.png",
    timings: outcome.timings,
  });
  expect(text).not.toContain("0.6000000238418579");
});
