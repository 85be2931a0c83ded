import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalFileStore } from "@inferd/server";
import { gatedStore, type Gate } from "./helpers/gated-store";
import { renderTextPng } from "./helpers/images";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

const MODEL = "pp-ocrv4-det";
let fixture: ServerFixture;
let gate: Gate;
let storeDir = "";
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });

interface JsonUpdate {
  jobId: string;
  stage: string;
  progress: number;
  imageUri: string;
  resultUri: string;
  resultCount: number;
  summary?: { imagesTotal: number; imagesSucceeded: number; imagesFailed: number };
}
const ndjson = (text: string): JsonUpdate[] => text.trim().split("\n").map((line) => JSON.parse(line) as JsonUpdate);

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), "inferctl-store-"));
  const gated = gatedStore(await createLocalFileStore({ root: storeDir, quotaBytesPerProject: 0 }));
  gate = gated.gate;
  fixture = await startServer({ fileStore: gated.store, inference: { modelThreads: 1, jobWorkers: 1 } });
  const png = await renderTextPng(["Hello inferd", "gRPC 2026"]);
  await writeFile(join(fixture.scratch, "text.png"), png);
  const up = await cli("upload", "text.png", "--project", "demo", "--as", "images/a.png");
  expect(up.code).toBe(0);
  for (const path of ["images/b.png", "held/c.png", "held/d.png"]) {
    expect((await cli("upload", "text.png", "--project", "demo", "--as", path)).code).toBe(0);
  }
});

afterAll(async () => {
  gate.release();
  await fixture.close();
  await rm(storeDir, { recursive: true, force: true });
});

test("models lists the bundled detector as a table and as JSON", async () => {
  const table = await cli("models");
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^NAME\s+TASK\s+STATE\s+VERSIONS\s+INPUT\s+DESCRIPTION$/m);
  expect(table.stdout).toMatch(new RegExp(`^${MODEL}\\s+TEXT_DETECTION\\s+READY\\s+1\\s+x\\[`, "m"));
  const [model] = JSON.parse((await cli("--json", "models")).stdout) as Record<string, unknown>[];
  expect(model).toMatchObject({ name: MODEL, task: "TEXT_DETECTION", ready: true, versions: [{ version: "1", state: "READY", message: "" }], labels: ["text"] });
});

test("infer --json on a local image has the documented structure and writes the mask", async () => {
  const run = await cli("--json", "infer", "text.png", "--model", MODEL, "--mask", "mask.png");
  expect(run.code).toBe(0);
  const answer = JSON.parse(run.stdout) as Record<string, unknown> & { results: Record<string, unknown>[] };
  expect(answer).toEqual({
    model: MODEL,
    version: "1",
    imageWidth: 480,
    imageHeight: 200,
    results: expect.any(Array),
    timings: {
      decodeMs: expect.any(Number),
      preprocessMs: expect.any(Number),
      inferenceMs: expect.any(Number),
      postprocessMs: expect.any(Number),
      totalMs: expect.any(Number),
    },
    mask: "mask.png",
  });
  expect(answer.results.length).toBeGreaterThanOrEqual(2);
  for (const result of answer.results) {
    expect(result).toEqual({
      label: "text",
      classId: 0,
      confidence: expect.any(Number),
      box: { x: expect.any(Number), y: expect.any(Number), width: expect.any(Number), height: expect.any(Number) },
      color: expect.stringMatching(/^#[0-9a-f]{6}$/),
    });
  }
  const mask = await readFile(join(fixture.scratch, "mask.png"));
  expect(mask.subarray(1, 4).toString()).toBe("PNG");
});

test("infer on a stored image prints a results table; --max-results limits it", async () => {
  const run = await cli("infer", "inferd://demo/images/a.png", "--model", MODEL, "--max-results", "1");
  expect(run.code).toBe(0);
  const lines = run.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(new RegExp(`^${MODEL} v1 {2}480x200 {2}1 result\\(s\\) {2}`));
  expect(lines[1]).toMatch(/^#\s+LABEL\s+CONFIDENCE\s+BOX \(X,Y,W,H\)$/);
  expect(lines[2]).toMatch(/^1\s+text\s+0\.\d{3}\s+\d+,\d+,\d+,\d+$/);
  expect(lines).toHaveLength(3);
});

test("infer with an unknown model exits 1 with NOT_FOUND", async () => {
  const run = await cli("infer", "text.png", "--model", "no-such-model");
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^inferctl: NOT_FOUND: /);
  expect(run.stderr).toContain("hint: check the name");
});

test("run takes infer's model options, and they reach the job's parameters", async () => {
  const run = await cli("--json", "run", "-p", "demo", "-m", MODEL, "images/a.png", "--threshold", "0.5", "--iou", "0.4", "--max-results", "1");
  expect(run.code).toBe(0);
  const updates = ndjson(run.stdout);
  expect(updates.at(-1)).toMatchObject({ stage: "DONE", summary: { imagesSucceeded: 1 } });
  // Without --max-results the same image gives 2 or more results (see the test below).
  expect(updates.filter((update) => update.resultUri !== "").map((update) => update.resultCount)).toEqual([1]);
});

test("run streams progress to DONE: NDJSON with --json, a line per image otherwise", async () => {
  const json = await cli("--json", "run", "--project", "demo", "--model", MODEL, "images/a.png", "inferd://demo/images/b.png");
  expect(json.code).toBe(0);
  const updates = ndjson(json.stdout);
  expect(updates[0]).toMatchObject({ stage: "QUEUED", jobId: expect.any(String) });
  expect(new Set(updates.map((update) => update.jobId)).size).toBe(1);
  const last = updates.at(-1);
  expect(last).toMatchObject({ stage: "DONE", progress: 100, summary: { imagesTotal: 2, imagesSucceeded: 2, imagesFailed: 0 } });
  const done = updates.filter((update) => update.resultUri !== "");
  expect(done.map((update) => update.imageUri).sort()).toEqual(["inferd://demo/images/a.png", "inferd://demo/images/b.png"]);
  expect(done.every((update) => update.resultCount >= 2)).toBe(true);

  const human = await cli("run", "-p", "demo", "-m", MODEL, "images/a.png");
  expect(human.code).toBe(0);
  expect(human.stderr).toMatch(/^job \S+: /m);
  expect(human.stderr).toMatch(/^done {4}inferd:\/\/demo\/images\/a\.png: \d+ result\(s\) -> inferd:\/\/demo\/results\//m);
  expect(human.stderr).toMatch(/^job: 100\.0%/m);
  expect(human.stdout).toMatch(/^job \S+ DONE: 1 of 1 image\(s\) succeeded, 0 failed, in /);

  const watched = await cli("--json", "watch", last?.jobId ?? "");
  expect(watched.code).toBe(0);
  expect(ndjson(watched.stdout).at(-1)).toMatchObject({ jobId: last?.jobId, stage: "DONE" });
});

test("Ctrl-C during run detaches, prints the watch command, and the job goes on; cancel ends another", async () => {
  let jobId = "";
  const interrupted = await runCli(["--address", fixture.address, "run", "-p", "demo", "-m", MODEL, "held/c.png"], {
    onStderrLine: (line, child) => {
      const match = /^job (\S+): /.exec(line);
      if (match?.[1] && jobId === "") {
        jobId = match[1];
        child.kill("SIGINT");
      }
    },
  });
  expect(interrupted.code).toBe(130);
  expect(interrupted.stderr).toContain(`inferctl watch ${jobId}`);

  const detached = await cli("run", "-p", "demo", "-m", MODEL, "held/d.png", "--detach");
  expect(detached.code).toBe(0);
  const second = detached.stdout.trim();
  expect(second).not.toBe(jobId);
  expect(await cli("cancel", second)).toMatchObject({ code: 0, stdout: `job ${second}: CANCELLED\n` });

  gate.release();
  const watched = await cli("--json", "watch", jobId);
  expect(watched.code).toBe(0);
  expect(ndjson(watched.stdout).at(-1)).toMatchObject({ jobId, stage: "DONE", summary: { imagesSucceeded: 1 } });
  const cancelled = await cli("watch", second);
  expect(cancelled.code).toBe(1);
  expect(cancelled.stderr).toContain(`job ${second} was CANCELLED`);
});

test("watch and cancel of an unknown job exit 1 with NOT_FOUND", async () => {
  for (const command of ["watch", "cancel"]) {
    const run = await cli("--json", command, "no-such-job");
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { error: { codeName: string } }).error.codeName).toBe("NOT_FOUND");
  }
});
