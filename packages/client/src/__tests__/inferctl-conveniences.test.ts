import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderTextPng } from "./helpers/images";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

const MODEL = "pp-ocrv4-det";
let fixture: ServerFixture;
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });

interface UploadJson {
  file: string;
  uri: string;
  unchanged: boolean;
  sentBytes: string;
}

/** True when `value` is the shortest decimal of the float32 it holds (0.6, not 0.6000000238418579). */
function isShortestFloat32(value: number): boolean {
  const single = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return value === candidate;
  }
  return false;
}

beforeAll(async () => {
  fixture = await startServer({ inference: { modelThreads: 1, jobWorkers: 1 } });
  await mkdir(join(fixture.scratch, "pages"));
  await writeFile(join(fixture.scratch, "pages", "p1.png"), await renderTextPng(["Page one"]));
  await writeFile(join(fixture.scratch, "pages", "p2.png"), await renderTextPng(["Page two", "second line"]));
  await writeFile(join(fixture.scratch, "pages", "notes.txt"), "not an image");
});

afterAll(async () => {
  await fixture.close();
});

describe("infer on several images", () => {
  test("a glob the shell did not expand is matched by inferctl; one answer per image", async () => {
    const run = await cli("--json", "infer", "pages/*.png", "--model", MODEL);
    expect(run.code).toBe(0);
    const answers = JSON.parse(run.stdout) as { image: string; model: string; results: unknown[] }[];
    expect(answers.map((answer) => answer.image)).toEqual(["pages/p1.png", "pages/p2.png"]);
    expect(answers.map((answer) => answer.results.length)).toEqual([1, 2]);
  });

  test("human output heads each image; masks go into a folder; a failed image does not stop the others", async () => {
    const run = await cli("infer", "pages/p1.png", "pages/notes.txt", "pages/p2.png", "--model", MODEL, "--mask", "masks/");
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^pages\/p1\.png: pp-ocrv4-det v1 {2}480x200 {2}1 result\(s\)/m);
    expect(run.stdout).toMatch(/^pages\/p2\.png: pp-ocrv4-det v1 {2}480x200 {2}2 result\(s\)/m);
    expect(run.stderr).toMatch(/^inferctl: pages\/notes\.txt: INVALID_ARGUMENT: /m);
    for (const name of ["p1.png", "p2.png"]) {
      expect((await readFile(join(fixture.scratch, "masks", `${name}.mask.png`))).subarray(1, 4).toString()).toBe("PNG");
    }
  });

  test("a pattern that matches nothing is a local error", async () => {
    const run = await cli("--json", "infer", "pages/*.jpg", "--model", MODEL);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { local: true } });
  });

  test("several images with --mask naming one file, or masks that would collide, is a usage error", async () => {
    expect((await cli("infer", "pages/*.png", "--model", MODEL, "--mask", "one.png")).code).toBe(2);
    // Two images of one name would write the same mask file.
    expect((await cli("infer", "pages/p1.png", "inferd://docs/p1.png", "--model", MODEL, "--mask", "masks/")).code).toBe(2);
  });
});

test("--json floats carry no float32 noise (infer, models)", async () => {
  const infer = JSON.parse((await cli("--json", "infer", "pages/p2.png", "--model", MODEL)).stdout) as {
    results: { confidence: number; box: Record<string, number> }[];
  };
  const floats = infer.results.flatMap((result) => [result.confidence, ...Object.values(result.box)]);
  expect(floats.some((value) => !Number.isInteger(value))).toBe(true);
  expect(isShortestFloat32(0.6000000238418579)).toBe(false);
  for (const value of floats) expect({ value, shortest: isShortestFloat32(value) }).toEqual({ value, shortest: true });
  const [model] = JSON.parse((await cli("--json", "models")).stdout) as { defaultConfidenceThreshold: number }[];
  expect(isShortestFloat32(model?.defaultConfidenceThreshold ?? NaN)).toBe(true);
});

test("the stored result document uses the same camelCase names as --json", async () => {
  expect((await cli("upload", "pages/p1.png", "--project", "docs")).code).toBe(0);
  const run = await cli("--json", "run", "--project", "docs", "--model", MODEL, "p1.png");
  expect(run.code).toBe(0);
  const resultUri = run.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { resultUri: string })
    .find((update) => update.resultUri !== "")?.resultUri;
  expect(resultUri).toBeDefined();
  expect((await cli("download", resultUri as string, "doc.json")).code).toBe(0);
  const doc = JSON.parse(await readFile(join(fixture.scratch, "doc.json"), "utf8")) as Record<string, unknown> & { results: Record<string, unknown>[] };
  expect(Object.keys(doc).sort()).toEqual(["imageHeight", "imageUri", "imageWidth", "jobId", "maskUri", "model", "results", "timings", "version"]);
  expect(Object.keys(doc.results[0] ?? {}).sort()).toEqual(["box", "classId", "color", "confidence", "label"]);
  expect(isShortestFloat32(doc.results[0]?.["confidence"] as number)).toBe(true);
});

describe("upload of a folder", () => {
  test("recursive, keeping relative paths; a second run sends nothing; a changed file alone is sent", async () => {
    const tree = join(fixture.scratch, "tree");
    await mkdir(join(tree, "sub", "deeper"), { recursive: true });
    await writeFile(join(tree, "a.bin"), randomBytes(2000));
    await writeFile(join(tree, "sub", "b.bin"), randomBytes(3000));
    await writeFile(join(tree, "sub", "deeper", "c.bin"), randomBytes(4000));

    const first = await cli("--json", "upload", "tree", "--project", "folder");
    expect(first.code).toBe(0);
    const uploaded = JSON.parse(first.stdout) as UploadJson[];
    expect(uploaded.map((item) => item.uri)).toEqual([
      "inferd://folder/tree/a.bin",
      "inferd://folder/tree/sub/b.bin",
      "inferd://folder/tree/sub/deeper/c.bin",
    ]);
    expect(uploaded.every((item) => !item.unchanged)).toBe(true);

    await writeFile(join(tree, "sub", "b.bin"), randomBytes(3000));
    const again = JSON.parse((await cli("--json", "upload", "tree", "--project", "folder")).stdout) as UploadJson[];
    expect(again.map((item) => [item.uri, item.unchanged, item.sentBytes])).toEqual([
      ["inferd://folder/tree/a.bin", true, "0"],
      ["inferd://folder/tree/sub/b.bin", false, "3000"],
      ["inferd://folder/tree/sub/deeper/c.bin", true, "0"],
    ]);

    const under = JSON.parse((await cli("--json", "upload", "tree/", "--project", "folder", "--as", "copy/")).stdout) as UploadJson[];
    expect(under.map((item) => item.uri)).toEqual([
      "inferd://folder/copy/a.bin",
      "inferd://folder/copy/sub/b.bin",
      "inferd://folder/copy/sub/deeper/c.bin",
    ]);
  });
});

describe("ls pages", () => {
  beforeAll(async () => {
    await writeFile(join(fixture.scratch, "one.bin"), randomBytes(10));
    for (const name of ["f1", "f2", "f3", "f4", "f5"]) {
      expect((await cli("upload", "one.bin", "--project", "paged", "--as", `${name}.bin`)).code).toBe(0);
    }
  });

  test("--limit says when more files exist and prints the command for the next page", async () => {
    const first = await cli("ls", "--project", "paged", "--limit", "2");
    expect(first.code).toBe(0);
    expect(first.stdout.trimEnd().split("\n").slice(1).map((row) => row.split(" ")[0])).toEqual(["f1.bin", "f2.bin"]);
    const next = /next page: inferctl (ls .*)$/m.exec(first.stderr)?.[1];
    expect(next).toBeDefined();
    const second = await cli(...(next as string).split(" "));
    expect(second.stdout.trimEnd().split("\n").slice(1).map((row) => row.split(" ")[0])).toEqual(["f3.bin", "f4.bin"]);
  });

  test("--json with --limit carries the next page token; the last page has none", async () => {
    const page = JSON.parse((await cli("--json", "ls", "--project", "paged", "--limit", "3")).stdout) as { files: { path: string }[]; nextPageToken: string };
    expect(page.files.map((file) => file.path)).toEqual(["f1.bin", "f2.bin", "f3.bin"]);
    expect(page.nextPageToken).not.toBe("");
    const last = JSON.parse((await cli("--json", "ls", "--project", "paged", "--limit", "3", "--page-token", page.nextPageToken)).stdout) as typeof page;
    expect(last).toEqual({ files: [expect.objectContaining({ path: "f4.bin" }), expect.objectContaining({ path: "f5.bin" })], nextPageToken: "" });
  });

  test("without --limit every file is listed and nothing more is announced", async () => {
    const all = await cli("ls", "--project", "paged");
    expect(all.stdout.trimEnd().split("\n")).toHaveLength(6);
    expect(all.stderr).toBe("");
  });
});
