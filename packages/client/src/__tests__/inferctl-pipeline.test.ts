import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createPipelineClient, type PipelineJobStatus } from "../index";
import { renderTextPng } from "./helpers/images";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

// `inferctl pipeline` and createPipelineClient against a real server (bundled PP-OCRv4
// detector), over the Avro-encoded inferd.avro.Pipeline service.
const MODEL = "pp-ocrv4-det";
let fixture: ServerFixture;
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });

beforeAll(async () => {
  fixture = await startServer({ inference: { modelThreads: 1, jobWorkers: 1 } });
  await writeFile(join(fixture.scratch, "text.png"), await renderTextPng(["avro"]));
  expect((await cli("upload", "text.png", "--project", "demo", "--as", "a.png")).code).toBe(0);
});

afterAll(async () => fixture.close());

test("pipeline init follows the job to SUCCESS and prints the result URIs", async () => {
  const run = await cli("pipeline", "init", "-p", "demo", "-m", MODEL, "a.png");
  expect(run.code).toBe(0);
  const lines = run.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^job \S+ PENDING 0% 0\/1 images$/);
  expect(lines.some((line) => / SUCCESS 100% 1\/1 images/.test(line))).toBe(true);
  expect(lines.at(-1)).toMatch(/^ {2}inferd:\/\/demo\/results\//);
});

test("pipeline init --detach --json prints PENDING; monitor --follow ends SUCCESS; cancel of an unknown id exits 1 NOT_FOUND", async () => {
  const init = await cli("--json", "pipeline", "init", "--detach", "-p", "demo", "-m", MODEL, "a.png");
  expect(init.code).toBe(0);
  const pending = JSON.parse(init.stdout.trim()) as PipelineJobStatus;
  expect(pending.state).toBe("PENDING");
  const monitor = await cli("--json", "pipeline", "monitor", "--follow", pending.jobId);
  expect(monitor.code).toBe(0);
  const last = JSON.parse(monitor.stdout.trimEnd().split("\n").at(-1) ?? "{}") as PipelineJobStatus;
  expect(last).toMatchObject({ jobId: pending.jobId, state: "SUCCESS", imagesDone: 1 });
  const unknown = await cli("--json", "pipeline", "cancel", "no-such-job");
  expect(unknown.code).toBe(1);
  expect((JSON.parse(unknown.stdout) as { error: { codeName: string } }).error.codeName).toBe("NOT_FOUND");
});

test("createPipelineClient: init, monitor and cancel as async iterables and promises", async () => {
  const client = createPipelineClient({ address: fixture.address });
  try {
    const statuses: PipelineJobStatus[] = [];
    for await (const status of client.init({ project: "demo", model: MODEL, imageUris: ["inferd://demo/a.png"] })) statuses.push(status);
    expect(statuses[0]?.state).toBe("PENDING");
    expect(statuses.at(-1)?.state).toBe("SUCCESS");
    const jobId = statuses[0]?.jobId ?? "";
    const now: PipelineJobStatus[] = [];
    for await (const status of client.monitor(jobId)) now.push(status);
    expect(now.map((s) => s.state)).toEqual(["SUCCESS"]);
    // Cancelling an ended job answers the stage it ended in.
    expect((await client.cancel(jobId)).state).toBe("SUCCESS");
    await expect(client.cancel("no-such-job")).rejects.toMatchObject({ codeName: "NOT_FOUND" });
  } finally {
    client.close();
  }
});
