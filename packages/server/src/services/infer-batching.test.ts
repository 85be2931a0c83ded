/**
 * Dynamic batching over real gRPC: concurrent Infer calls of a batched model run as one
 * execution and each gets what the unbatched model answers; Infer and OIP ModelInfer calls
 * whose deadline passes while they wait for a batch never run; ModelStatistics reports it.
 */
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { GRPCInferenceServiceClient, type ModelStatistics } from "@inferd/grpc-types/inference";
import { InferenceClient, type InferResponse } from "@inferd/grpc-types/v1";
import { rm } from "node:fs/promises";
import { renderSvg } from "../inference/__tests__/images";
import { classifierModel, tempDir, writeModel } from "../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../server";

let dir: string;
let server: InferdServer;
let client: InferenceClient;
let oip: GRPCInferenceServiceClient;
const config = { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } };

beforeAll(async () => {
  dir = await tempDir("infer-batching");
  await writeModel(`${dir}/models`, "plain", config, classifierModel(32, "n"));
  // A full batch (4) leaves at once; anything less waits a minute, longer than any test.
  await writeModel(`${dir}/models`, "batched", { ...config, max_batch_size: 4, dynamic_batching: { max_queue_delay_microseconds: 60_000_000 } }, classifierModel(32, "n"));
  server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: `${dir}/data`,
    modelsDir: `${dir}/models`,
    inference: { modelThreads: 1, inferConcurrency: 8 },
  });
  await server.ready;
  client = new InferenceClient(server.address, credentials.createInsecure());
  oip = new GRPCInferenceServiceClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  oip.close();
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

function infer(model: string, image: Buffer, deadline?: number): Promise<InferResponse> {
  return new Promise((resolve, reject) =>
    client.infer({ model, version: "", image: { $case: "imageData", value: image }, parameters: undefined }, new Metadata(), deadline ? { deadline } : {}, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

function statistics(model: string): Promise<ModelStatistics | undefined> {
  return new Promise((resolve, reject) => oip.modelStatistics({ name: model, version: "1" }, (error, response) => (error ? reject(error) : resolve(response.modelStats[0]))));
}

const codeOf = (promise: Promise<unknown>): Promise<status> => promise.then(
  () => status.OK,
  (error: ServiceError) => error.code,
);

test("calls whose deadline passes while they wait for a batch never run (Infer and ModelInfer)", async () => {
  const image = await renderSvg(40, 40, "", "#0f0");
  expect(await codeOf(infer("batched", image, Date.now() + 300))).toBe(status.DEADLINE_EXCEEDED);
  const tensor = Buffer.from(new Float32Array(3 * 32 * 32).fill(0.5).buffer);
  const modelInfer = new Promise((resolve, reject) =>
    oip.modelInfer(
      { modelName: "batched", modelVersion: "", id: "", parameters: {}, inputs: [{ name: "x", datatype: "FP32", shape: [1n, 3n, 32n, 32n], parameters: {} }], outputs: [], rawInputContents: [tensor] },
      new Metadata(),
      { deadline: Date.now() + 300 },
      (error, response) => (error ? reject(error) : resolve(response)),
    ),
  );
  expect(await codeOf(modelInfer)).toBe(status.DEADLINE_EXCEEDED);
  const stats = await statistics("batched");
  expect(stats).toMatchObject({ inferenceCount: 0n, executionCount: 0n, batchStats: [] });
});

test("four concurrent Infer calls run as one batch, each with the unbatched answer", async () => {
  const images = await Promise.all(["#f00", "#0f0", "#00f", "#f80"].map((color, i) => renderSvg(32 + 8 * i, 32, "", color)));
  const alone = [];
  for (const image of images) alone.push((await infer("plain", image)).results);
  // Runs after the test above on purpose: had its expired Infer call stayed queued, it would
  // take one of this batch's four places and one of these calls would wait a minute (timeout).
  const together = await Promise.all(images.map((image) => infer("batched", image)));
  expect(together.map((r) => r.results)).toEqual(alone);
  expect(alone.map((results) => results[0]?.label)).toEqual(["red", "green", "blue", "red"]);
  const stats = await statistics("batched");
  expect(stats).toMatchObject({ inferenceCount: 4n, executionCount: 1n });
  expect(stats?.batchStats.map((b) => [b.batchSize, b.computeInfer?.count])).toEqual([[4n, 1n]]);
  expect(stats?.inferenceStats?.queue?.count).toBe(4n);
});
