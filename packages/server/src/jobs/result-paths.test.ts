import { MAX_PATH_BYTES, MAX_SEGMENT_BYTES, validatePath } from "../files/validate";
import { jobResultPaths } from "./result-paths";

const JOB = "0f0e0d0c-0b0a-4908-8706-050403020100";
const lastSegmentBytes = (path: string): number => Buffer.byteLength(path.slice(path.lastIndexOf("/") + 1));

test("ordinary names keep the documented layout", () => {
  expect(jobResultPaths(JOB, ["a/x.png", "b/x.png"])).toEqual([
    { json: `results/${JOB}/a/x.png.json`, mask: `results/${JOB}/a/x.png.mask.png` },
    { json: `results/${JOB}/b/x.png.json`, mask: `results/${JOB}/b/x.png.mask.png` },
  ]);
});

test("an image listed again gets ~<index>; a real image with that name cannot take its place", () => {
  const paths = jobResultPaths(JOB, ["x.png", "x.png~2", "x.png", "x.png"]);
  expect(paths.map((p) => p.json)).toEqual([
    `results/${JOB}/x.png.json`,
    `results/${JOB}/x.png~2.json`,
    `results/${JOB}/x.png~2~2.json`, // "x.png~2" was already a name in this job
    `results/${JOB}/x.png~3.json`,
  ]);
});

test.each([251, 252, 253, 254, 255])("a %d-byte image name gets valid result names of at most 255 bytes", (size) => {
  const name = `${"n".repeat(size - 4)}.png`;
  const [paths] = jobResultPaths(JOB, [name, `dir/${name}`]);
  for (const path of [paths?.json ?? "", paths?.mask ?? ""]) {
    expect(validatePath(path)).toBeUndefined();
    expect(lastSegmentBytes(path)).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(path).toMatch(/~[0-9a-f]{12}\.png\.(json|mask\.png)$/);
  }
});

test("shortened names stay distinct, cut multi-byte names between characters, and are stable", () => {
  const images = [`${"é".repeat(125)}.png`, `${"é".repeat(125)}.jpg`, `${"a".repeat(251)}.png`, `${"a".repeat(250)}b.png`, `${"a".repeat(251)}.png`];
  const first = jobResultPaths(JOB, images);
  expect(jobResultPaths(JOB, images)).toEqual(first);
  const all = first.flatMap((p) => [p.json, p.mask]);
  expect(new Set(all).size).toBe(all.length);
  for (const path of all) {
    expect(validatePath(path)).toBeUndefined();
    expect(path).not.toContain("\uFFFD");
  }
});

test("a path near the 1,024-byte limit gets a result path within it", () => {
  const deep = `${Array.from({ length: 4 }, (_, i) => String(i).repeat(240)).join("/")}/${"z".repeat(50)}.png`;
  expect(Buffer.byteLength(deep)).toBeLessThanOrEqual(MAX_PATH_BYTES);
  const [paths] = jobResultPaths(JOB, [deep]);
  for (const path of [paths?.json ?? "", paths?.mask ?? ""]) {
    expect(validatePath(path)).toBeUndefined();
    expect(path.startsWith(`results/${JOB}/`)).toBe(true);
  }
});
