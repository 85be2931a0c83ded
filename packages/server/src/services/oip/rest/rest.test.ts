import { rm } from "node:fs/promises";
import { join } from "node:path";
import { addModel, ALL_DATATYPES, identityAllModel, multiModel } from "../../../models/__tests__/tensor-models";
import { tempDir, writeModel } from "../../../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../../../server";

let dir: string;
let server: InferdServer;
let base: string;

beforeAll(async () => {
  dir = await tempDir("oip-rest");
  const models = join(dir, "models");
  await writeModel(models, "identity", {}, identityAllModel());
  await writeModel(models, "add", {}, addModel("FP32"));
  await writeModel(models, "add64", {}, addModel("INT64"));
  await writeModel(models, "multi", {}, multiModel());
  server = await createInferdServer({ host: "127.0.0.1", port: 0, httpPort: 0, dataDir: join(dir, "data"), modelsDir: models, inference: { modelThreads: 1 } });
  await server.ready;
  base = `http://${server.httpAddress ?? "missing"}`;
});
afterAll(async () => {
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(base + path, { headers });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

/** A JSON reply; `outputs` is there for inference responses. */
type Reply = { outputs: Array<Record<string, unknown>> } & Record<string, unknown>;

async function post(path: string, body: unknown): Promise<{ status: number; body: Reply }> {
  const response = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: JSON.parse(await response.text()) as Reply };
}

/** POSTs JSON followed by binary tensors (the binary tensor data extension). */
async function postBinary(path: string, json: unknown, binaries: Buffer[]): Promise<{ status: number; json: Reply; jsonText: string; binary: Buffer }> {
  const header = Buffer.from(JSON.stringify(json));
  const response = await fetch(base + path, {
    method: "POST",
    headers: { "inference-header-content-length": String(header.length), "content-type": "application/octet-stream" },
    body: Buffer.concat([header, ...binaries]),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const headerLength = Number(response.headers.get("inference-header-content-length") ?? bytes.length);
  const jsonText = bytes.subarray(0, headerLength).toString();
  return { status: response.status, json: JSON.parse(jsonText) as Reply, jsonText, binary: bytes.subarray(headerLength) };
}

test("health, server metadata, model metadata, readiness and config", async () => {
  expect(await get("/v2/health/live")).toEqual({ status: 200, body: undefined });
  expect(await get("/v2/health/ready")).toEqual({ status: 200, body: undefined });
  expect(await get("/v2")).toEqual({ status: 200, body: { name: "inferd", version: expect.any(String), extensions: ["model_configuration", "model_repository", "statistics", "binary_tensor_data"] } });
  expect(await get("/v2/models/add")).toEqual({
    status: 200,
    body: {
      name: "add",
      versions: ["1"],
      platform: "onnxruntime_onnx",
      inputs: [
        { name: "a", datatype: "FP32", shape: [-1, 3] },
        { name: "b", datatype: "FP32", shape: [-1, 3] },
      ],
      outputs: [{ name: "sum", datatype: "FP32", shape: [-1, 3] }],
    },
  });
  expect((await get("/v2/models/add/versions/1/ready")).status).toBe(200);
  expect((await get("/v2/models/add/versions/3/ready")).status).toBe(400);
  expect((await get("/v2/models/nope/ready")).status).toBe(400);
  const config = await get("/v2/models/multi/config");
  expect(config.status).toBe(200);
  expect(config.body).toMatchObject({ name: "multi", platform: "onnxruntime_onnx", max_batch_size: 0, instance_group: [{ kind: "KIND_CPU", count: 1 }] });
  expect((config.body as { input: unknown[] }).input[3]).toMatchObject({ name: "half", data_type: "TYPE_FP16", dims: [-1] });
});

test("infer with JSON tensors (nested data), id and parameters echoed", async () => {
  const { status, body } = await post("/v2/models/add/infer", {
    id: "r1",
    parameters: { tag: "x", n: 3 },
    inputs: [
      { name: "a", datatype: "FP32", shape: [2, 3], data: [[1, 2, 3], [4, 5, 6]] },
      { name: "b", datatype: "FP32", shape: [2, 3], data: [10, 20, 30, 40, 50, 60] },
    ],
  });
  expect(status).toBe(200);
  expect(body).toEqual({ model_name: "add", model_version: "1", id: "r1", parameters: { tag: "x", n: 3 }, outputs: [{ name: "sum", datatype: "FP32", shape: [2, 3], data: [11, 22, 33, 44, 55, 66] }] });
});

test("every datatype as JSON in and out (FP16 as numbers, BYTES as strings)", async () => {
  const data: Record<string, unknown[]> = {
    BOOL: [true, false, false, true],
    UINT8: [0, 1, 200, 255],
    UINT16: [0, 1, 40000, 65535],
    UINT32: [0, 1, 3e9, 4294967295],
    UINT64: [0, 1, 2 ** 40, 2 ** 53 - 1],
    INT8: [-128, -1, 0, 127],
    INT16: [-32768, -1, 0, 32767],
    INT32: [-2147483648, -1, 0, 2147483647],
    INT64: [-(2 ** 53) + 1, -1, 0, 2 ** 53 - 1],
    FP16: [1, -2, 65504, 0.5],
    FP32: [1.5, -2.25, 0, 1024],
    FP64: [1.5, -2.25, 1.7e308, 5e-324],
    BYTES: ["", "hi", "€", "four"],
  };
  const { status, body } = await post("/v2/models/identity/infer", { inputs: ALL_DATATYPES.map((dt) => ({ name: `in_${dt}`, datatype: dt, shape: [2, 2], data: data[dt] })) });
  expect(status).toBe(200);
  for (const dt of ALL_DATATYPES) expect(body.outputs.find((o) => o.name === `out_${dt}`)).toEqual({ name: `out_${dt}`, datatype: dt, shape: [2, 2], data: data[dt] });
});

test("binary tensor data extension in and out; 64-bit integers are exact in JSON output", async () => {
  const a = Buffer.from(BigInt64Array.from([2n ** 60n, -5n, 0n]).buffer);
  const b = Buffer.from(BigInt64Array.from([1n, -5n, 7n]).buffer);
  const int64s = await postBinary(
    "/v2/models/add64/infer",
    { inputs: [{ name: "a", datatype: "INT64", shape: [1, 3], parameters: { binary_data_size: 24 } }, { name: "b", datatype: "INT64", shape: [1, 3], parameters: { binary_data_size: 24 } }] },
    [a, b],
  );
  expect(int64s.status).toBe(200);
  expect(int64s.binary.length).toBe(0);
  expect(int64s.jsonText).toContain('"data":[1152921504606846977,-10,7]'); // 2^60 + 1, beyond a double's precision

  const x = Buffer.from(Float32Array.from([1, 2, 3, 4]).buffer);
  const k = Buffer.from(BigInt64Array.from([3n, -4n]).buffer);
  const out = await postBinary(
    "/v2/models/multi/infer",
    {
      inputs: [
        { name: "x", datatype: "FP32", shape: [2, 2], parameters: { binary_data_size: 16 } },
        { name: "k", datatype: "INT64", shape: [2], parameters: { binary_data_size: 16 } },
        { name: "flag", datatype: "BOOL", shape: [2], data: [true, false] },
        { name: "half", datatype: "FP16", shape: [2], data: [1, -2] },
      ],
      outputs: [{ name: "x_as_half", parameters: { binary_data: true } }, { name: "half_as_float" }],
    },
    [x, k],
  );
  expect(out.status).toBe(200);
  expect(out.json.outputs).toEqual([
    { name: "x_as_half", datatype: "FP16", shape: [2, 2], parameters: { binary_data_size: 8 } },
    { name: "half_as_float", datatype: "FP32", shape: [2], data: [1, -2] },
  ]);
  expect([...new Uint16Array(out.binary.buffer.slice(out.binary.byteOffset, out.binary.byteOffset + 8))]).toEqual([0x3c00, 0x4000, 0x4200, 0x4400]);
});

test.each<[string, string, unknown, number]>([
  ["wrong datatype", "/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP64", shape: [1, 3], data: [1, 2, 3] }, { name: "b", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] }, 400],
  ["wrong shape", "/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 2], data: [1, 2] }, { name: "b", datatype: "FP32", shape: [1, 2], data: [1, 2] }] }, 400],
  ["data count mismatch", "/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], data: [1, 2] }, { name: "b", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] }, 400],
  ["a string in FP32 data", "/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], data: [1, "2", 3] }, { name: "b", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] }, 400],
  ["unknown output", "/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }, { name: "b", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }], outputs: [{ name: "nope" }] }, 400],
  ["unknown model", "/v2/models/nope/infer", { inputs: [] }, 404],
  ["unknown version", "/v2/models/add/versions/4/infer", { inputs: [] }, 404],
  ["unknown path", "/v2/whatever", {}, 404],
  ["model load in model control mode none", "/v2/repository/models/add/load", {}, 400],
])("bad request: %s -> the right HTTP status with {error}", async (_name, path, body, code) => {
  const response = await post(path, body);
  expect(response.status).toBe(code);
  expect(response.body).toEqual({ error: expect.any(String) });
  expect((await get("/v2/health/live")).status).toBe(200);
});

test("a body that is not JSON, and binary sizes that do not add up, are 400", async () => {
  const notJson = await fetch(`${base}/v2/models/add/infer`, { method: "POST", body: "{nope" });
  expect(notJson.status).toBe(400);
  const short = await postBinary("/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], parameters: { binary_data_size: 12 } }, { name: "b", datatype: "FP32", shape: [1, 3], parameters: { binary_data_size: 12 } }] }, [Buffer.alloc(12), Buffer.alloc(8)]);
  expect(short.status).toBe(400);
  const mismatch = await postBinary("/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], parameters: { binary_data_size: 8 } }, { name: "b", datatype: "FP32", shape: [1, 3], parameters: { binary_data_size: 12 } }] }, [Buffer.alloc(8), Buffer.alloc(12)]);
  expect(mismatch.status).toBe(400);
});

test("statistics and the repository index", async () => {
  await post("/v2/models/add/infer", { inputs: [{ name: "a", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }, { name: "b", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] });
  const stats = await get("/v2/models/add/stats");
  expect(stats.status).toBe(200);
  const [entry] = (stats.body as { model_stats: Array<{ name: string; version: string; inference_stats: { success: { count: number; ns: number } } }> }).model_stats;
  expect(entry).toMatchObject({ name: "add", version: "1" });
  expect(entry!.inference_stats.success.count).toBeGreaterThan(0);
  expect(entry!.inference_stats.success.ns).toBeGreaterThan(0);
  const index = await post("/v2/repository/index", {});
  expect(index.status).toBe(200);
  expect((index.body as unknown as Array<{ name: string; state: string }>).map((m) => `${m.name}:${m.state}`).sort()).toEqual(["add64:READY", "add:READY", "identity:READY", "multi:READY"]);
});

test("with a token, REST needs it (401 without) except the health probes", async () => {
  const token = "secret-token-0123456789";
  const secured = await createInferdServer({ host: "127.0.0.1", port: 0, httpPort: 0, dataDir: join(dir, "data2"), modelsDir: join(dir, "models"), tokens: [{ token, projects: ["*"], name: "t" }] });
  try {
    await secured.ready;
    const url = `http://${secured.httpAddress ?? "missing"}`;
    expect((await fetch(`${url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${url}/v2`)).status).toBe(401);
    expect((await fetch(`${url}/v2`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  } finally {
    await secured.shutdown(1000);
  }
});
