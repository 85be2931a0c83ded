import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOipClient, type OipClient } from "../oip/oip-client";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";
import { mixedModel, writeTensorModel } from "./helpers/tensor-models";

let models: string;
let fixture: ServerFixture;
let oip: OipClient;
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });

beforeAll(async () => {
  models = await mkdtemp(join(tmpdir(), "inferctl-model-control-"));
  await writeTensorModel(models, "mixed", mixedModel());
  // The model's response cache is on: a repeated request shows as a cache hit in the stats.
  await writeFile(join(models, "mixed", "config.json"), JSON.stringify({ response_cache: { enable: true } }));
  fixture = await startServer({ modelsDir: models, inference: { modelThreads: 1, modelControlMode: "explicit" } });
  oip = createOipClient({ address: fixture.address });
});
afterAll(async () => {
  oip.close();
  await fixture.close();
  await rm(models, { recursive: true, force: true });
});

const infer = () =>
  oip.infer({
    model: "mixed",
    inputs: [
      { name: "x", shape: [1, 3], data: Float32Array.from([1, 2, 3]) },
      { name: "k", shape: [1], data: BigInt64Array.from([2n]) },
      { name: "flag", shape: [1], data: Uint8Array.from([1]), datatype: "BOOL" },
      { name: "text", shape: [1], data: [Buffer.from("a")] },
    ],
    outputs: ["doubled"],
  });

test("models load, stats and unload drive the server's repository; failures exit 1 with the gRPC code", async () => {
  expect(await oip.modelReady("mixed")).toBe(false);
  const loaded = await cli("models", "load", "mixed");
  expect(loaded).toMatchObject({ code: 0, stdout: "mixed loaded\n" });
  expect(await oip.modelReady("mixed")).toBe(true);
  await infer();
  await infer();

  const stats = JSON.parse((await cli("--json", "models", "stats", "mixed")).stdout) as Array<{ name: string; version: string; inferenceStats: { success: { count: string } } }>;
  expect(stats).toEqual([expect.objectContaining({ name: "mixed", version: "1", inferenceStats: expect.objectContaining({ success: expect.objectContaining({ count: "2" }) }) })]);
  const table = await cli("models", "stats");
  expect(table.stdout).toMatch(/^MODEL\s+VERSION\s+SUCCESS\s+FAIL\s+CACHE HITS\s+CACHE MISSES\s+AVG MS\s+INFERENCES\s+EXECUTIONS\s+AVG BATCH\s+QUEUE MS\s+LAST INFERENCE$/m);
  // Two requests: one ran the model (batch 1, run once), one came from the response cache.
  expect(table.stdout).toMatch(/^mixed\s+1\s+2\s+0\s+1\s+1\s+[\d.]+\s+1\s+1\s+1\.00\s+\d{4}-/m);

  expect(await cli("models", "unload", "mixed")).toMatchObject({ code: 0, stdout: "mixed unloaded\n" });
  expect(await oip.modelReady("mixed")).toBe(false);

  const missing = await cli("--json", "models", "load", "absent");
  expect(missing.code).toBe(1);
  expect(JSON.parse(missing.stdout)).toMatchObject({ error: { codeName: "NOT_FOUND" } });
  // The plain `models` listing still works next to its new subcommands.
  expect((await cli("models")).code).toBe(0);
});
