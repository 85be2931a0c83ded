import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  GRPCInferenceServiceClient,
  type InferStatistics,
  type ModelInferRequest,
  type ModelInferResponse,
  type ModelStatisticsRequest,
  type ModelStatisticsResponse,
  type RepositoryModelLoadRequest,
  type RepositoryModelLoadResponse,
} from "@inferd/grpc-types/inference";
import { InferenceClient, type InferRequest, type InferResponse } from "@inferd/grpc-types/v1";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { renderSvg } from "../../inference/__tests__/images";
import { replaceOffsetModel, writeOffsetVersion } from "../../models/__tests__/offset-model";
import { classifierModel, tempDir, writeModel } from "../../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../../server";
import { decodeRaw, encodeRaw } from "../../tensors/raw-codec";

// The response cache through a real server: OIP ModelInfer on a tensor model (x + offset, the
// offset tells which model file answered), inferd.v1 Infer on an image model, statistics and
// Prometheus. Model control mode explicit, so a test can reload a version in place.
let dir: string;
let models: string;
let server: InferdServer;
let oip: GRPCInferenceServiceClient;
let v1: InferenceClient;
const ON = { response_cache: { enable: true } };

function rpc<Req, Res>(method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => method.call(oip, request, (error, response) => (error ? reject(error) : resolve(response))));
}

beforeAll(async () => {
  dir = await tempDir("oip-cache");
  models = join(dir, "models");
  await writeOffsetVersion(models, "offset", "1", 10, ON);
  await writeOffsetVersion(models, "offset", "2", 20, ON);
  await writeOffsetVersion(models, "plain", "1", 30);
  await writeModel(models, "classifier", { task: "classification", labels: ["r", "g", "b"], input: { width: 32, height: 32 }, ...ON }, classifierModel());
  server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    metricsPort: 0,
    dataDir: join(dir, "data"),
    modelsDir: models,
    inference: { modelThreads: 1, modelControlMode: "explicit", responseCacheBytes: 16 * 1024 * 1024 },
  });
  await server.ready;
  oip = new GRPCInferenceServiceClient(server.address, credentials.createInsecure());
  v1 = new InferenceClient(server.address, credentials.createInsecure());
  for (const modelName of ["offset", "plain", "classifier"]) {
    await rpc<RepositoryModelLoadRequest, RepositoryModelLoadResponse>(oip.repositoryModelLoad, { repositoryName: "", modelName, parameters: {} });
  }
});
afterAll(async () => {
  oip.close();
  v1.close();
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

function request(modelName: string, modelVersion: string, x: readonly number[], extra: Partial<ModelInferRequest> = {}): ModelInferRequest {
  return {
    modelName,
    modelVersion,
    id: "",
    parameters: {},
    inputs: [{ name: "x", datatype: "FP32", shape: [BigInt(x.length)], parameters: {} }],
    outputs: [],
    rawInputContents: [encodeRaw({ datatype: "FP32", shape: [x.length], data: new Float32Array(x) })],
    ...extra,
  };
}

const infer = (r: ModelInferRequest): Promise<ModelInferResponse> => rpc(oip.modelInfer, r);
const y = (response: ModelInferResponse): number[] => [...(decodeRaw("y", "FP32", [Number(response.outputs[0]?.shape[0])], response.rawOutputContents[0] ?? Buffer.alloc(0)).data as Float32Array)];

async function stats(name: string, version: string): Promise<{ inference: InferStatistics; inferenceCount: bigint }> {
  const response = await rpc<ModelStatisticsRequest, ModelStatisticsResponse>(oip.modelStatistics, { name, version });
  const model = response.modelStats[0];
  if (!model?.inferenceStats) throw new Error(`no statistics for ${name} ${version}`);
  return { inference: model.inferenceStats, inferenceCount: model.inferenceCount };
}

test("ModelInfer: an identical request is a hit with its own id; other inputs, parameters or versions are not", async () => {
  expect(y(await infer(request("offset", "1", [1, 2], { id: "a" })))).toEqual([11, 12]);
  const again = await infer(request("offset", "1", [1, 2], { id: "b" }));
  expect(again.id).toBe("b");
  expect(y(again)).toEqual([11, 12]);
  let s = await stats("offset", "1");
  expect([s.inference.cacheHit?.count, s.inference.cacheMiss?.count]).toEqual([1n, 1n]);
  // A hit is a success but not an inference the model ran (Triton's counting).
  expect(s.inference.success?.count).toBe(2n);
  expect(s.inferenceCount).toBe(1n);

  expect(y(await infer(request("offset", "1", [1, 3])))).toEqual([11, 13]);
  await infer(request("offset", "1", [1, 2], { parameters: { tag: { parameterChoice: { $case: "stringParam", value: "x" } } } }));
  expect(y(await infer(request("offset", "2", [1, 2])))).toEqual([21, 22]);
  s = await stats("offset", "1");
  expect([s.inference.cacheHit?.count, s.inference.cacheMiss?.count]).toEqual([1n, 3n]);
  expect((await stats("offset", "2")).inference.cacheMiss?.count).toBe(1n);
});

test("ModelInfer: a model without response_cache is never cached", async () => {
  await infer(request("plain", "1", [5]));
  expect(y(await infer(request("plain", "1", [5])))).toEqual([35]);
  const s = await stats("plain", "1");
  expect([s.inference.cacheHit?.count, s.inference.cacheMiss?.count, s.inferenceCount]).toEqual([0n, 0n, 2n]);
});

test("ModelInfer: a reloaded version (same number, new model file) is never answered from the earlier load", async () => {
  expect(y(await infer(request("offset", "1", [7])))).toEqual([17]);
  expect(y(await infer(request("offset", "1", [7])))).toEqual([17]);
  await replaceOffsetModel(models, "offset", "1", 100);
  await rpc<RepositoryModelLoadRequest, RepositoryModelLoadResponse>(oip.repositoryModelLoad, { repositoryName: "", modelName: "offset", parameters: {} });
  expect(y(await infer(request("offset", "1", [7])))).toEqual([107]);
});

test("Infer: a threshold-only change is a hit, counted in the model's OIP statistics and Prometheus", async () => {
  const png = await renderSvg(40, 40, "", "#0000ff");
  const call = (confidenceThreshold: number) =>
    new Promise<InferResponse>((resolve, reject) => {
      const r: InferRequest = { model: "classifier", version: "", image: { $case: "imageData", value: png }, parameters: { confidenceThreshold, maxResults: 3, returnMask: false } };
      v1.infer(r, new Metadata(), (error, response) => (error ? reject(error) : resolve(response)));
    });
  const all = await call(0);
  const top = await call(0.5);
  expect(all.results.map((r) => r.label)).toEqual(["b", "r", "g"]);
  expect(top.results.map((r) => r.label)).toEqual(["b"]);
  expect(top.results[0]?.confidence).toBe(all.results[0]?.confidence);
  const s = await stats("classifier", "1");
  expect([s.inference.cacheHit?.count, s.inference.cacheMiss?.count]).toEqual([1n, 1n]);

  const text = await (await fetch(`http://${server.metricsAddress ?? "missing"}/metrics`)).text();
  expect(text).toContain('inferd_response_cache_hits_total{model="classifier",version="1"} 1');
  expect(text).toContain('inferd_response_cache_misses_total{model="classifier",version="1"} 1');
  expect(text).toMatch(/^inferd_response_cache_bytes [1-9]/m);
});
