import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderTextPng } from "./helpers/images";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

// `inferctl jobs` against a real server (bundled PP-OCRv4 detector): ListJobs through the CLI.
const MODEL = "pp-ocrv4-det";
let fixture: ServerFixture;
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });
const ids: string[] = [];

beforeAll(async () => {
  fixture = await startServer({ inference: { modelThreads: 1, jobWorkers: 1 } });
  await writeFile(join(fixture.scratch, "text.png"), await renderTextPng(["jobs"]));
  expect((await cli("upload", "text.png", "--project", "demo", "--as", "a.png")).code).toBe(0);
  await writeFile(join(fixture.scratch, "bad.png"), "not an image");
  expect((await cli("upload", "bad.png", "--project", "demo", "--as", "bad.png")).code).toBe(0);
  for (const images of [["a.png"], ["a.png", "bad.png"], ["a.png", "a.png"]]) {
    const run = await cli("--json", "run", "-p", "demo", "-m", MODEL, ...images);
    ids.push((JSON.parse(run.stdout.split("\n")[0] ?? "{}") as { jobId: string }).jobId);
  }
});

afterAll(async () => fixture.close());

test("jobs lists a project's jobs newest first as a table", async () => {
  const run = await cli("jobs", "-p", "demo");
  expect(run.code).toBe(0);
  const [header, ...rows] = run.stdout.trimEnd().split("\n");
  expect(header).toMatch(/^JOB ID\s+STAGE\s+OK\/TOTAL\s+FAILED\s+MODEL\s+CREATED\s+TOOK$/);
  expect(rows.map((line) => line.split(/\s+/)[0])).toEqual([...ids].reverse());
  expect(rows[0]).toMatch(new RegExp(`^${ids[2]}\\s+DONE\\s+2/2\\s+0\\s+${MODEL} v1\\s+\\d{4}-`));
  expect(rows[1]).toMatch(new RegExp(`^${ids[1]}\\s+DONE\\s+1/2\\s+1\\s+`));
});

test("jobs --json gives every field with stage names; --limit pages and says there are more", async () => {
  const json = JSON.parse((await cli("--json", "jobs", "-p", "demo", "--limit", "2")).stdout) as {
    jobs: { jobId: string; stage: string; summary: { imagesTotal: number }; createdTime: string; endedTime: string; expireTime: string }[];
    more: boolean;
  };
  expect(json.more).toBe(true);
  expect(json.jobs.map((j) => j.jobId)).toEqual([ids[2], ids[1]]);
  expect(json.jobs[0]).toMatchObject({ stage: "DONE", summary: { imagesTotal: 2 } });
  expect(Date.parse(json.jobs[0]?.expireTime ?? "")).toBeGreaterThan(Date.parse(json.jobs[0]?.endedTime ?? ""));
  const all = JSON.parse((await cli("--json", "jobs", "-p", "demo", "--all")).stdout) as { jobs: unknown[]; more: boolean };
  expect(all).toMatchObject({ more: false });
  expect(all.jobs).toHaveLength(3);
  const limited = await cli("jobs", "-p", "demo", "--limit", "1");
  expect(limited.stdout.trimEnd().split("\n")).toHaveLength(2);
  expect(limited.stderr).toContain("--all");
});

test("jobs of a project without jobs prints nothing on stdout and exits 0; a bad project exits 1", async () => {
  expect(await cli("jobs", "-p", "empty")).toMatchObject({ code: 0, stdout: "" });
  const bad = await cli("--json", "jobs", "-p", "../x");
  expect(bad.code).toBe(1);
  expect((JSON.parse(bad.stdout) as { error: { codeName: string } }).error.codeName).toBe("INVALID_ARGUMENT");
});
