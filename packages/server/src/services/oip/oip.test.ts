import { credentials, Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import {
  DataType,
  GRPCInferenceServiceClient,
  type ModelConfigRequest,
  type ModelConfigResponse,
  type ModelInferRequest,
  type ModelInferRequest_InferInputTensor,
  type ModelInferResponse,
  type ModelMetadataRequest,
  type ModelMetadataResponse,
  type ModelStatisticsRequest,
  type ModelStatisticsResponse,
  type RepositoryIndexRequest,
  type RepositoryIndexResponse,
  type ModelStreamInferResponse,
} from "@inferd/grpc-types/inference";
import { InferenceClient } from "@inferd/grpc-types/v1";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { addModel, ALL_DATATYPES, identityAllModel, multiModel } from "../../models/__tests__/tensor-models";
import { classifierModel, tempDir, writeModel } from "../../models/__tests__/tiny-models";
import { renderSvg } from "../../inference/__tests__/images";
import { createInferdServer, type InferdServer } from "../../server";
import { emptyContents, encodeContents } from "../../tensors/contents-codec";
import type { OipDatatype } from "../../tensors/datatypes";
import { decodeRaw, encodeRaw } from "../../tensors/raw-codec";
import type { HostTensor } from "../../tensors/tensor";

/** The datatypes that have a typed contents field (all but FP16). */
const TYPED = ALL_DATATYPES.filter((dt) => dt !== "FP16");

let dir: string;
let server: InferdServer;
let client: GRPCInferenceServiceClient;

beforeAll(async () => {
  dir = await tempDir("oip");
  const models = join(dir, "models");
  await writeModel(models, "identity", {}, identityAllModel());
  await writeModel(models, "identity-typed", {}, identityAllModel(TYPED));
  await writeModel(models, "add", { task: "tensor", description: "a + b" }, addModel("FP32"));
  await writeModel(models, "add", { task: "tensor", description: "a + b" }, addModel("FP32"), "2");
  await writeModel(models, "add64", {}, addModel("INT64"));
  await writeModel(models, "add-inline", { execution: "inline" }, addModel("FP32"));
  await writeModel(models, "multi", {}, multiModel());
  await writeModel(models, "classifier", { task: "classification", labels: ["r", "g", "b"], input: { width: 32, height: 32 } }, classifierModel());
  await writeModel(models, "broken", {}, Buffer.from("not an onnx model"));
  server = await createInferdServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "data"), modelsDir: models, inference: { modelThreads: 1 } });
  await server.ready;
  client = new GRPCInferenceServiceClient(server.address, credentials.createInsecure());
});
afterAll(async () => {
  client.close();
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

/** Calls one unary method of the OIP client and resolves with its response. */
function rpc<Req, Res>(method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, request, (error, response) => (error ? reject(error) : resolve(response))));
}

const infer = (request: Partial<ModelInferRequest>): Promise<ModelInferResponse> =>
  rpc(client.modelInfer, { modelName: "", modelVersion: "", id: "", parameters: {}, inputs: [], outputs: [], rawInputContents: [], ...request });

const input = (name: string, datatype: string, shape: readonly number[], contents?: ModelInferRequest_InferInputTensor["contents"]): ModelInferRequest_InferInputTensor => ({
  name,
  datatype,
  shape: shape.map(BigInt),
  parameters: {},
  ...(contents ? { contents } : {}),
});

/** The response's output `name`, decoded from raw_output_contents. */
function output(response: ModelInferResponse, name: string): HostTensor {
  const index = response.outputs.findIndex((o) => o.name === name);
  const meta = response.outputs[index];
  const raw = response.rawOutputContents[index];
  if (!meta || !raw) throw new Error(`no output ${name}`);
  return decodeRaw(name, meta.datatype as OipDatatype, meta.shape.map(Number), raw);
}

test("server and model health, server metadata", async () => {
  expect(await rpc(client.serverLive, {})).toEqual({ live: true });
  expect(await rpc(client.serverReady, {})).toEqual({ ready: true });
  expect(await rpc(client.serverMetadata, {})).toEqual({ name: "inferd", version: expect.any(String), extensions: ["model_configuration", "model_repository", "statistics"] });
  expect(await rpc(client.modelReady, { name: "add", version: "" })).toEqual({ ready: true });
  expect(await rpc(client.modelReady, { name: "add", version: "1" })).toEqual({ ready: true });
  expect(await rpc(client.modelReady, { name: "add", version: "9" })).toEqual({ ready: false });
  expect(await rpc(client.modelReady, { name: "broken", version: "" })).toEqual({ ready: false });
  expect(await rpc(client.modelReady, { name: "nope", version: "" })).toEqual({ ready: false });
});

test("ModelMetadata and ModelConfig describe the model's tensors in protocol terms", async () => {
  expect(await rpc<ModelMetadataRequest, ModelMetadataResponse>(client.modelMetadata, { name: "add", version: "" })).toEqual({
    name: "add",
    versions: ["2", "1"],
    platform: "onnxruntime_onnx",
    inputs: [
      { name: "a", datatype: "FP32", shape: [-1n, 3n] },
      { name: "b", datatype: "FP32", shape: [-1n, 3n] },
    ],
    outputs: [{ name: "sum", datatype: "FP32", shape: [-1n, 3n] }],
  });
  const { config } = await rpc<ModelConfigRequest, ModelConfigResponse>(client.modelConfig, { name: "multi", version: "1" });
  expect(config).toMatchObject({ name: "multi", platform: "onnxruntime_onnx", backend: "onnxruntime", maxBatchSize: 0 });
  expect(config?.input.map((i) => [i.name, i.dataType, i.dims])).toEqual([
    ["x", DataType.TYPE_FP32, [-1n, 2n]],
    ["k", DataType.TYPE_INT64, [-1n]],
    ["flag", DataType.TYPE_BOOL, [-1n]],
    ["half", DataType.TYPE_FP16, [-1n]],
  ]);
  expect(config?.output.map((o) => [o.name, o.dataType])).toContainEqual(["x_as_half", DataType.TYPE_FP16]);
  expect(config?.parameters["task"]).toEqual({ stringValue: "tensor" });
  const meta = await rpc<ModelMetadataRequest, ModelMetadataResponse>(client.modelMetadata, { name: "identity", version: "" });
  expect(meta.inputs.map((i) => i.datatype)).toEqual(ALL_DATATYPES);
});

test("ModelInfer with raw contents: a dynamic batch dimension, id and parameters echoed", async () => {
  for (const batch of [1, 4]) {
    const a = Float32Array.from({ length: batch * 3 }, (_, i) => i * 0.5);
    const b = Float32Array.from({ length: batch * 3 }, (_, i) => 100 - i);
    const response = await infer({
      modelName: "add",
      modelVersion: "1",
      id: `req-${batch}`,
      parameters: { tag: { parameterChoice: { $case: "stringParam", value: "x" } } },
      inputs: [input("a", "FP32", [batch, 3]), input("b", "FP32", [batch, 3])],
      rawInputContents: [Buffer.from(a.buffer), Buffer.from(b.buffer)],
    });
    expect(response).toMatchObject({ modelName: "add", modelVersion: "1", id: `req-${batch}`, parameters: { tag: { parameterChoice: { $case: "stringParam", value: "x" } } } });
    expect(response.outputs).toEqual([{ name: "sum", datatype: "FP32", shape: [BigInt(batch), 3n], parameters: {} }]);
    expect(output(response, "sum").data).toEqual(Float32Array.from(a, (v, i) => v + (b[i] as number)));
  }
});

test("an inline model (execution inline) answers ModelInfer like a worker model; its run errors map the same", async () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const b = Float32Array.from([10, 20, 30, 40, 50, 60]);
  for (const modelName of ["add", "add-inline"]) {
    const response = await infer({ modelName, inputs: [input("a", "FP32", [2, 3]), input("b", "FP32", [2, 3])], rawInputContents: [Buffer.from(a.buffer), Buffer.from(b.buffer)] });
    expect(output(response, "sum").data).toEqual(Float32Array.from([11, 22, 33, 44, 55, 66]));
    // Batch 2 + batch 3 do not broadcast: onnxruntime refuses the run itself.
    const c = new Float32Array(9);
    await expect(
      infer({ modelName, inputs: [input("a", "FP32", [2, 3]), input("b", "FP32", [3, 3])], rawInputContents: [Buffer.from(a.buffer), Buffer.from(c.buffer)] }),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  }
  const live = await rpc(client.serverLive, {});
  expect(live).toEqual({ live: true });
});

test("ModelInfer with typed contents; INT64 beyond 2^53 stays exact; no version means the newest", async () => {
  const big = 2n ** 60n + 1n;
  const response = await infer({
    modelName: "add64",
    inputs: [
      input("a", "INT64", [1, 3], { ...emptyContents(), int64Contents: [big, -5n, 0n] }),
      input("b", "INT64", [1, 3], { ...emptyContents(), int64Contents: [1n, -5n, 7n] }),
    ],
  });
  expect([...(output(response, "sum").data as BigInt64Array)]).toEqual([big + 1n, -10n, 7n]);
  expect((await infer({ modelName: "add", inputs: [input("a", "FP32", [1, 3], { ...emptyContents(), fp32Contents: [1, 2, 3] }), input("b", "FP32", [1, 3], { ...emptyContents(), fp32Contents: [1, 1, 1] })] })).modelVersion).toBe("2");
});

const SAMPLE: Readonly<Record<OipDatatype, HostTensor["data"]>> = {
  BOOL: Uint8Array.from([1, 0, 0, 1]),
  UINT8: Uint8Array.from([0, 1, 200, 255]),
  UINT16: Uint16Array.from([0, 1, 40000, 65535]),
  UINT32: Uint32Array.from([0, 1, 3e9, 4294967295]),
  UINT64: BigUint64Array.from([0n, 1n, 2n ** 63n, 2n ** 64n - 1n]),
  INT8: Int8Array.from([-128, -1, 0, 127]),
  INT16: Int16Array.from([-32768, -1, 0, 32767]),
  INT32: Int32Array.from([-2147483648, -1, 0, 2147483647]),
  INT64: BigInt64Array.from([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]),
  FP16: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]),
  FP32: Float32Array.from([1.5, -2.25, 3.4e38, 1e-45]),
  FP64: Float64Array.from([1.5, -2.25, 1.7e308, 5e-324]),
  BYTES: [Buffer.from(""), Buffer.from("hi"), Buffer.from("€"), Buffer.from("four")].map((b) => new Uint8Array(b)),
};
const sample = (datatype: OipDatatype): HostTensor => ({ datatype, shape: [2, 2], data: SAMPLE[datatype] }) as HostTensor;

test.each(ALL_DATATYPES)("%s: raw contents in, the same bytes out (identity model)", async (datatype) => {
  const raw = encodeRaw(sample(datatype));
  const response = await infer({ modelName: "identity", inputs: ALL_DATATYPES.map((dt) => input(`in_${dt}`, dt, [2, 2])), outputs: [{ name: `out_${datatype}`, parameters: {} }], rawInputContents: ALL_DATATYPES.map((dt) => encodeRaw(sample(dt))) });
  expect(response.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([[`out_${datatype}`, datatype, [2n, 2n]]]);
  expect(Buffer.compare(response.rawOutputContents[0] as Buffer, raw)).toBe(0);
});

test("typed contents of every datatype but FP16 (which has none) come back as raw outputs", async () => {
  const inputs = TYPED.map((dt) => input(`in_${dt}`, dt, [2, 2], encodeContents(sample(dt))));
  const response = await infer({ modelName: "identity-typed", inputs });
  for (const dt of TYPED) expect(output(response, `out_${dt}`)).toEqual(sample(dt));
});

test("several inputs and outputs of different types; only the requested outputs, in the requested order", async () => {
  const response = await infer({
    modelName: "multi",
    inputs: [
      input("x", "FP32", [2, 2], { ...emptyContents(), fp32Contents: [1, 2, 3, 4] }),
      input("k", "INT64", [2], { ...emptyContents(), int64Contents: [3n, -4n] }),
      input("flag", "BOOL", [2], { ...emptyContents(), boolContents: [true, false] }),
      input("half", "FP16", [2]),
    ],
    outputs: [{ name: "x_as_half", parameters: {} }, { name: "not_flag", parameters: {} }, { name: "k_plus_k", parameters: {} }],
    rawInputContents: [],
  }).catch((error: unknown) => error);
  // FP16 cannot travel as typed contents: all-typed requests cannot include it.
  expect(response).toMatchObject({ code: status.INVALID_ARGUMENT });

  const raw = await infer({
    modelName: "multi",
    inputs: [input("x", "FP32", [2, 2]), input("k", "INT64", [2]), input("flag", "BOOL", [2]), input("half", "FP16", [2])],
    outputs: [{ name: "x_as_half", parameters: {} }, { name: "not_flag", parameters: {} }, { name: "k_plus_k", parameters: {} }, { name: "half_as_float", parameters: {} }],
    rawInputContents: [
      Buffer.from(Float32Array.from([1, 2, 3, 4]).buffer),
      Buffer.from(BigInt64Array.from([3n, -4n]).buffer),
      Buffer.from([1, 0]),
      Buffer.from(Uint16Array.from([0x3c00, 0xc000]).buffer),
    ],
  });
  expect(raw.outputs.map((o) => [o.name, o.datatype])).toEqual([["x_as_half", "FP16"], ["not_flag", "BOOL"], ["k_plus_k", "INT64"], ["half_as_float", "FP32"]]);
  expect([...(output(raw, "x_as_half").data as Uint16Array)]).toEqual([0x3c00, 0x4000, 0x4200, 0x4400]);
  expect([...(output(raw, "not_flag").data as Uint8Array)]).toEqual([0, 1]);
  expect([...(output(raw, "k_plus_k").data as BigInt64Array)]).toEqual([6n, -8n]);
  expect([...(output(raw, "half_as_float").data as Float32Array)]).toEqual([1, -2]);
});

const addInputs = (shape = [1, 3], datatype = "FP32") => [input("a", datatype, shape), input("b", datatype, shape)];
const f32 = (n: number): Buffer => Buffer.from(new Float32Array(n).buffer);
const IA = status.INVALID_ARGUMENT;

test.each<[string, Partial<ModelInferRequest>, status]>([
  ["wrong datatype", { modelName: "add", inputs: addInputs([1, 3], "FP64"), rawInputContents: [Buffer.alloc(24), Buffer.alloc(24)] }, IA],
  ["unknown datatype", { modelName: "add", inputs: addInputs([1, 3], "FLOAT"), rawInputContents: [f32(3), f32(3)] }, IA],
  ["wrong shape", { modelName: "add", inputs: addInputs([1, 4]), rawInputContents: [f32(4), f32(4)] }, IA],
  ["wrong rank", { modelName: "add", inputs: addInputs([3]), rawInputContents: [f32(3), f32(3)] }, IA],
  ["raw length mismatch", { modelName: "add", inputs: addInputs(), rawInputContents: [f32(3), f32(2)] }, IA],
  ["fewer raw entries than inputs", { modelName: "add", inputs: addInputs(), rawInputContents: [f32(3)] }, IA],
  ["raw and typed contents together", { modelName: "add", inputs: [input("a", "FP32", [1, 3], { ...emptyContents(), fp32Contents: [1, 2, 3] }), input("b", "FP32", [1, 3])], rawInputContents: [f32(3), f32(3)] }, IA],
  ["unknown output", { modelName: "add", inputs: addInputs(), rawInputContents: [f32(3), f32(3)], outputs: [{ name: "product", parameters: {} }] }, IA],
  ["too many inputs", { modelName: "add", inputs: [...addInputs(), input("c", "FP32", [1, 3])], rawInputContents: [f32(3), f32(3), f32(3)] }, IA],
  ["a missing input", { modelName: "add", inputs: [input("a", "FP32", [1, 3])], rawInputContents: [f32(3)] }, IA],
  ["an input given twice", { modelName: "add", inputs: [input("a", "FP32", [1, 3]), input("a", "FP32", [1, 3])], rawInputContents: [f32(3), f32(3)] }, IA],
  ["dynamic batch sizes that do not broadcast (onnxruntime refuses)", { modelName: "add", inputs: [input("a", "FP32", [2, 3]), input("b", "FP32", [5, 3])], rawInputContents: [f32(6), f32(15)] }, IA],
  ["no model name", { inputs: addInputs(), rawInputContents: [f32(3), f32(3)] }, IA],
  ["unknown model", { modelName: "nope", inputs: addInputs(), rawInputContents: [f32(3), f32(3)] }, status.NOT_FOUND],
  ["unknown version", { modelName: "add", modelVersion: "7", inputs: addInputs(), rawInputContents: [f32(3), f32(3)] }, status.NOT_FOUND],
  ["a model that failed to load", { modelName: "broken", inputs: [], rawInputContents: [] }, status.UNAVAILABLE],
])("bad input: %s -> the right code, server alive", async (_name, request, code) => {
  await expect(infer(request)).rejects.toMatchObject({ code });
  expect(await rpc(client.serverLive, {})).toEqual({ live: true });
});

test("ModelStreamInfer answers in order, errors in-band, and the stream survives them", async () => {
  const stream = client.modelStreamInfer();
  const answers: ModelStreamInferResponse[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    stream.on("data", (answer: ModelStreamInferResponse) => answers.push(answer));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const request = (id: string, b: number[]): ModelInferRequest => ({
    modelName: "add",
    modelVersion: "1",
    id,
    parameters: {},
    inputs: addInputs(),
    outputs: [],
    rawInputContents: [Buffer.from(Float32Array.from([1, 2, 3]).buffer), Buffer.from(Float32Array.from(b).buffer)],
  });
  stream.write(request("first", [10, 20, 30]));
  stream.write(request("bad", [1, 2])); // 8 bytes where 12 are needed
  stream.write({ ...request("nope", [0, 0, 0]), modelName: "nope" });
  stream.write(request("last", [0, 0, 1]));
  stream.end();
  await ended;
  expect(answers.map((a) => [a.inferResponse?.id ?? "", a.errorMessage !== ""])).toEqual([["first", false], ["", true], ["", true], ["last", false]]);
  expect(output(answers[0]!.inferResponse!, "sum").data).toEqual(Float32Array.from([11, 22, 33]));
  expect(output(answers[3]!.inferResponse!, "sum").data).toEqual(Float32Array.from([1, 2, 4]));
});

test("ModelStatistics: counts and cumulative ns per model and version", async () => {
  const request = { modelName: "add64", modelVersion: "1", inputs: addInputs([1, 3], "INT64"), rawInputContents: [Buffer.alloc(24), Buffer.alloc(24)] };
  const before = (await rpc<ModelStatisticsRequest, ModelStatisticsResponse>(client.modelStatistics, { name: "add64", version: "1" })).modelStats[0];
  await infer(request);
  await infer(request);
  await expect(infer({ ...request, rawInputContents: [Buffer.alloc(24), Buffer.alloc(16)] })).rejects.toMatchObject({ code: IA });
  const after = (await rpc<ModelStatisticsRequest, ModelStatisticsResponse>(client.modelStatistics, { name: "add64", version: "1" })).modelStats[0];
  expect(after).toMatchObject({ name: "add64", version: "1" });
  expect(after!.inferenceCount - before!.inferenceCount).toBe(2n);
  expect(after!.inferenceStats!.success!.count - before!.inferenceStats!.success!.count).toBe(2n);
  expect(after!.inferenceStats!.fail!.count - before!.inferenceStats!.fail!.count).toBe(1n);
  expect(after!.inferenceStats!.computeInfer!.ns).toBeGreaterThan(before!.inferenceStats!.computeInfer!.ns);
  expect(after!.lastInference).toBeGreaterThan(0n);
  const all = await rpc<ModelStatisticsRequest, ModelStatisticsResponse>(client.modelStatistics, { name: "", version: "" });
  expect(all.modelStats.map((s) => `${s.name}/${s.version}`).sort()).toEqual(["add-inline/1", "add/1", "add/2", "add64/1", "classifier/1", "identity-typed/1", "identity/1", "multi/1"]);
  await expect(rpc<ModelStatisticsRequest, ModelStatisticsResponse>(client.modelStatistics, { name: "nope", version: "" })).rejects.toMatchObject({ code: status.NOT_FOUND });
  await expect(rpc<ModelStatisticsRequest, ModelStatisticsResponse>(client.modelStatistics, { name: "add", version: "5" })).rejects.toMatchObject({ code: status.NOT_FOUND });
});

test("RepositoryIndex lists every model version with its state; ready filters", async () => {
  const { models } = await rpc<RepositoryIndexRequest, RepositoryIndexResponse>(client.repositoryIndex, { repositoryName: "", ready: false });
  expect(models.find((m) => m.name === "broken")).toMatchObject({ version: "1", state: "UNAVAILABLE", reason: expect.any(String) });
  expect(models.filter((m) => m.name === "add").map((m) => [m.version, m.state])).toEqual([["2", "READY"], ["1", "READY"]]);
  const ready = await rpc<RepositoryIndexRequest, RepositoryIndexResponse>(client.repositoryIndex, { repositoryName: "", ready: true });
  expect(ready.models.map((m) => m.name)).not.toContain("broken");
  await expect(rpc(client.repositoryModelLoad, { repositoryName: "", modelName: "add", parameters: {} })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION }); // mode none
});

test("an image-task model is reachable over OIP as raw tensors; a tensor model over inferd.v1 Infer is FAILED_PRECONDITION", async () => {
  const pixels = new Float32Array(3 * 32 * 32).fill(0);
  pixels.fill(1, 32 * 32, 2 * 32 * 32); // green channel
  const response = await infer({ modelName: "classifier", inputs: [input("x", "FP32", [1, 3, 32, 32])], rawInputContents: [Buffer.from(pixels.buffer)] });
  expect([...(output(response, "logits").data as Float32Array)]).toEqual([0, 10, 0]);
  const v1 = new InferenceClient(server.address, credentials.createInsecure());
  const error = await new Promise<ServiceError | null>((resolve) =>
    v1.infer({ model: "add", version: "", image: { $case: "imageData", value: Buffer.from("x") }, parameters: undefined, returnMask: false } as never, new Metadata(), (e) => resolve(e)),
  );
  v1.close();
  expect(error?.code).toBe(status.FAILED_PRECONDITION);
});

test("an image-task model takes an encoded image as BYTES and runs its own preprocessing", async () => {
  const png = await renderSvg(64, 48, "", "#00ff00"); // green, any size: resized per config.json
  const response = await infer({ modelName: "classifier", inputs: [input("x", "BYTES", [1])], rawInputContents: [encodeRaw({ datatype: "BYTES", shape: [1], data: [png] })] });
  const logits = [...(output(response, "logits").data as Float32Array)];
  expect(logits[1]).toBeCloseTo(10, 3);
  expect(logits[0]).toBeCloseTo(0, 3);
  await expect(infer({ modelName: "classifier", inputs: [input("x", "BYTES", [1])], rawInputContents: [encodeRaw({ datatype: "BYTES", shape: [1], data: [Buffer.from("not an image")] })] })).rejects.toMatchObject({ code: IA });
  await expect(infer({ modelName: "classifier", inputs: [input("x", "BYTES", [2])], rawInputContents: [encodeRaw({ datatype: "BYTES", shape: [2], data: [png, png] })] })).rejects.toMatchObject({ code: IA });
  // A tensor model's input stays strictly typed: BYTES for an FP32 input is refused.
  await expect(infer({ modelName: "add", inputs: [input("a", "BYTES", [1]), input("b", "FP32", [1, 3])], rawInputContents: [encodeRaw({ datatype: "BYTES", shape: [1], data: [png] }), f32(3)] })).rejects.toMatchObject({ code: IA });
});

test("reflection serves the OIP service with its real files", async () => {
  const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
  const reflection = new Client(server.address, credentials.createInsecure());
  const call = reflection.makeBidiStreamRequest("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", raw.serialize, raw.deserialize);
  const reply = new Promise<Buffer>((resolve, reject) => {
    call.once("data", resolve);
    call.once("error", reject);
  });
  const symbol = Buffer.from("inference.GRPCInferenceService");
  call.write(Buffer.concat([Buffer.from([0x22, symbol.length]), symbol])); // file_containing_symbol = 4
  const text = (await reply).toString("latin1");
  call.end();
  reflection.close();
  expect(text).toContain("inference/grpc_service.proto");
  expect(text).toContain("inference/model_config.proto");
  expect(text).toContain("GRPCInferenceService");
});
