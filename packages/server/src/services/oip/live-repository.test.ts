/**
 * The live model repository through the server's real front-ends: OIP over gRPC and REST,
 * inferd.v1 ListModels, model control modes explicit and poll, and hot reload under load.
 */
import { credentials, makeGenericClientConstructor, status, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import {
  GRPCInferenceServiceClient,
  type ModelInferRequest,
  type ModelInferResponse,
  type ModelReadyRequest,
  type ModelReadyResponse,
  type RepositoryIndexRequest,
  type RepositoryIndexResponse,
  type RepositoryIndexResponse_ModelIndex,
} from "@inferd/grpc-types/inference";
import { InferenceClient, ModelState, type ListModelsResponse } from "@inferd/grpc-types/v1";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { removeVersion, replaceFile, replaceOffsetModel, waitFor, writeOffsetVersion } from "../../models/__tests__/offset-model";
import { tempDir } from "../../models/__tests__/tiny-models";
import type { ModelControlMode } from "../../models/model-control";
import { checkHealth, type HealthClient } from "../../__tests__/server-fixture";
import { createInferdServer, type InferdServer } from "../../server";

const HealthClientCtor = makeGenericClientConstructor(healthService as never, "grpc.health.v1.Health") as unknown as new (
  address: string,
  creds: ChannelCredentials,
) => HealthClient;

interface Running {
  server: InferdServer;
  oip: GRPCInferenceServiceClient;
  v1: InferenceClient;
  health: HealthClient;
  models: string;
  base: string;
  close(): Promise<void>;
}

let dir: string;
let running: Running | undefined;
beforeEach(async () => (dir = await tempDir("live-oip")));
afterEach(async () => {
  await running?.close();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function start(mode: ModelControlMode, repositoryPollMs?: number): Promise<Running> {
  const models = join(dir, "models");
  const server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    httpPort: 0,
    dataDir: join(dir, "data"),
    modelsDir: models,
    inference: { modelThreads: 1, modelControlMode: mode, ...(repositoryPollMs !== undefined ? { repositoryPollMs } : {}) },
  });
  await server.ready;
  const oip = new GRPCInferenceServiceClient(server.address, credentials.createInsecure());
  const v1 = new InferenceClient(server.address, credentials.createInsecure());
  const health = new HealthClientCtor(server.address, credentials.createInsecure());
  running = {
    server,
    oip,
    v1,
    health,
    models,
    base: `http://${server.httpAddress ?? "missing"}`,
    async close() {
      oip.close();
      v1.close();
      health.close();
      await server.shutdown(1000);
    },
  };
  return running;
}

function rpc<Req, Res>(r: Running, method: (request: Req, callback: (error: ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => method.call(r.oip, request, (error, response) => (error ? reject(error) : resolve(response))));
}

/** ModelInfer of `x + offset` on [0]: resolves with the answering version and its offset. */
async function offset(r: Running, name: string, version = ""): Promise<[string, number]> {
  const response = await rpc<ModelInferRequest, ModelInferResponse>(r, r.oip.modelInfer, {
    modelName: name,
    modelVersion: version,
    id: "",
    parameters: {},
    inputs: [{ name: "x", datatype: "FP32", shape: [1n], parameters: {} }],
    outputs: [],
    rawInputContents: [Buffer.from(new Float32Array([0]).buffer)],
  });
  const raw = response.rawOutputContents[0];
  if (!raw) throw new Error("no output");
  return [response.modelVersion, raw.readFloatLE(0)];
}

const index = async (r: Running): Promise<RepositoryIndexResponse_ModelIndex[]> =>
  (await rpc<RepositoryIndexRequest, RepositoryIndexResponse>(r, r.oip.repositoryIndex, { repositoryName: "", ready: false })).models;
const states = async (r: Running, name: string): Promise<string[]> =>
  (await index(r)).filter((m) => m.name === name).map((m) => `${m.version}:${m.state}`);
const load = (r: Running, modelName: string, parameters = {}) => rpc(r, r.oip.repositoryModelLoad, { repositoryName: "", modelName, parameters });
const unload = (r: Running, modelName: string) => rpc(r, r.oip.repositoryModelUnload, { repositoryName: "", modelName, parameters: {} });
const modelReady = async (r: Running, name: string, version = "") =>
  (await rpc<ModelReadyRequest, ModelReadyResponse>(r, r.oip.modelReady, { name, version })).ready;
const post = async (r: Running, path: string, body?: unknown) => {
  const response = await fetch(r.base + path, { method: "POST", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : (JSON.parse(text) as unknown) };
};
const listModels = (r: Running): Promise<ListModelsResponse> =>
  new Promise((resolve, reject) => r.v1.listModels({}, (error, response) => (error ? reject(error) : resolve(response))));

test("explicit mode: nothing loads at start; load and unload over gRPC and REST; index, readiness and ListModels follow", async () => {
  await writeOffsetVersion(join(dir, "models"), "m", "1", 10);
  const r = await start("explicit");
  expect(await index(r)).toEqual([{ name: "m", version: "1", state: "UNAVAILABLE", reason: expect.stringContaining("unloaded") }]);
  expect(await modelReady(r, "m")).toBe(false);
  await expect(offset(r, "m")).rejects.toMatchObject({ code: status.UNAVAILABLE });
  // The server and its services serve (loads are possible); the model's own health name does not.
  expect(await checkHealth(r.health, "")).toBe("SERVING");
  expect(await checkHealth(r.health, "inference.GRPCInferenceService")).toBe("SERVING");
  expect(await checkHealth(r.health, "model/m")).toBe("NOT_SERVING");

  await load(r, "m");
  expect(await checkHealth(r.health, "model/m")).toBe("SERVING");
  expect(await states(r, "m")).toEqual(["1:READY"]);
  expect(await modelReady(r, "m")).toBe(true);
  expect(await offset(r, "m")).toEqual(["1", 10]);
  expect((await listModels(r)).models[0]).toMatchObject({ name: "m", ready: true, versions: [{ version: "1", state: ModelState.READY }] });

  expect(await post(r, "/v2/repository/models/m/unload")).toEqual({ status: 200, body: undefined });
  expect(await modelReady(r, "m")).toBe(false);
  expect((await fetch(`${r.base}/v2/models/m/ready`)).status).toBe(400);
  expect((await listModels(r)).models[0]).toMatchObject({ ready: false });
  expect(await checkHealth(r.health, "model/m")).toBe("NOT_SERVING");
  await expect(offset(r, "m")).rejects.toMatchObject({ code: status.UNAVAILABLE });

  // A model folder added after start-up is listed (unloaded) and loads on request; gone again, it leaves the index.
  await writeOffsetVersion(r.models, "late", "1", 1);
  expect(await states(r, "late")).toEqual([":UNAVAILABLE"]);
  await load(r, "late");
  expect(await states(r, "late")).toEqual(["1:READY"]);
  await unload(r, "late");
  await rm(join(r.models, "late"), { recursive: true });
  expect(await states(r, "late")).toEqual([]);

  // A new version, then a REST load.
  await writeOffsetVersion(r.models, "m", "2", 20);
  expect(await post(r, "/v2/repository/models/m/load", {})).toEqual({ status: 200, body: undefined });
  expect(await states(r, "m")).toEqual(["2:READY", "1:READY"]);
  expect(await offset(r, "m")).toEqual(["2", 20]);
  expect((await fetch(`${r.base}/v2/models/m/versions/1/ready`)).status).toBe(200);
  await unload(r, "m");
  expect(await states(r, "m")).toEqual(["2:UNAVAILABLE", "1:UNAVAILABLE"]);
});

test("explicit mode: a broken model, an unknown one and load parameters get the right gRPC code and HTTP status; what serves keeps serving", async () => {
  await writeOffsetVersion(join(dir, "models"), "m", "1", 10);
  await writeOffsetVersion(join(dir, "models"), "broken", "1", 0);
  await writeFile(join(dir, "models", "broken", "1", "model.onnx"), "not an onnx model");
  const r = await start("explicit");
  await load(r, "m");
  await expect(load(r, "broken")).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  expect(await post(r, "/v2/repository/models/broken/load")).toEqual({ status: 400, body: { error: expect.any(String) } });
  expect(await states(r, "broken")).toEqual(["1:UNAVAILABLE"]);

  // A broken replacement of a serving version: the load fails, the old model goes on.
  await replaceFile(join(r.models, "m", "1", "model.onnx"), "garbage");
  await expect(load(r, "m")).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  expect(await offset(r, "m")).toEqual(["1", 10]);
  expect(await states(r, "m")).toEqual(["1:READY"]);

  await expect(load(r, "absent")).rejects.toMatchObject({ code: status.NOT_FOUND });
  expect((await post(r, "/v2/repository/models/absent/unload")).status).toBe(404);
  await expect(load(r, "")).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  await expect(load(r, "m", { config: { parameterChoice: { $case: "stringParam", value: "{}" } } })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  expect((await post(r, "/v2/repository/models/m/load", { parameters: { config: "{}" } })).status).toBe(400);
  expect(await offset(r, "m")).toEqual(["1", 10]);
});

test("poll mode: a new version, a changed config.json and a removed version are picked up; load calls are FAILED_PRECONDITION", async () => {
  await writeOffsetVersion(join(dir, "models"), "m", "1", 10);
  const r = await start("poll", 50);
  expect(await offset(r, "m")).toEqual(["1", 10]);
  await expect(load(r, "m")).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
  expect((await post(r, "/v2/repository/models/m/unload")).status).toBe(400);

  await writeOffsetVersion(r.models, "m", "2", 20);
  await waitFor("version 2 to load", async () => (await states(r, "m")).join() === "2:READY,1:READY");
  expect(await offset(r, "m")).toEqual(["2", 20]);

  await replaceFile(join(r.models, "m", "config.json"), JSON.stringify({ task: "tensor", description: "now with a description" }));
  await waitFor("the config change", async () => (await listModels(r)).models[0]?.description === "now with a description");
  expect(await offset(r, "m")).toEqual(["2", 20]);

  await removeVersion(r.models, "m", "2");
  await waitFor("version 2 to unload", async () => (await states(r, "m")).join() === "1:READY");
  expect(await checkHealth(r.health, "model/m")).toBe("SERVING");
  expect(await offset(r, "m")).toEqual(["1", 10]);
  await expect(offset(r, "m", "2")).rejects.toMatchObject({ code: status.NOT_FOUND });
  await rm(join(r.models, "m"), { recursive: true });
  await waitFor("model m to go", async () => (await index(r)).length === 0);
  expect(await checkHealth(r.health, "model/m")).toBe("NOT_SERVING");
  await expect(offset(r, "m")).rejects.toMatchObject({ code: status.NOT_FOUND });
});

test.each<[ModelControlMode, string]>([
  ["explicit", "load calls"],
  ["poll", "the poller"],
])("hot reload under load (mode %s, changes applied by %s): versions added, replaced and removed while clients stream requests; zero failures, every answer from a valid version", async (mode) => {
  await writeOffsetVersion(join(dir, "models"), "m", "1", 100);
  const r = await start(mode, 50);
  if (mode === "explicit") await load(r, "m");
  // Every offset each version ever had: an answer is valid when its offset is one of its version's.
  const valid = new Map<string, Set<number>>([["1", new Set([100])]]);
  const allow = (version: string, value: number): void => {
    valid.set(version, new Set([...(valid.get(version) ?? []), value]));
  };
  const answers: Array<[string, number]> = [];
  const failures: unknown[] = [];
  let stop = false;
  const client = async (): Promise<void> => {
    while (!stop) {
      try {
        answers.push(await offset(r, "m"));
      } catch (error) {
        failures.push(error);
      }
    }
  };
  const clients = [client(), client(), client(), client()];
  /** Lets the clients get `n` more answers in, so every change happens under traffic. */
  const traffic = async (n = 20): Promise<void> => {
    const target = answers.length + failures.length + n;
    await waitFor(`${n} more answers`, () => answers.length + failures.length >= target);
  };
  const answered = (pair: string) => async () => answers.slice(-8).some(([version, value]) => `${version}:${value}` === pair);
  const versions = (list: string) => async () => (await states(r, "m")).join() === list;
  const description = (text: string) => async () => (await listModels(r)).models[0]?.description === text;

  const steps: Array<{ change: () => Promise<unknown>; settled: () => Promise<boolean> }> = [
    { change: async () => (allow("2", 200), await writeOffsetVersion(r.models, "m", "2", 200)), settled: answered("2:200") },
    { change: async () => (allow("2", 201), await replaceOffsetModel(r.models, "m", "2", 201)), settled: answered("2:201") },
    { change: async () => (allow("3", 300), await writeOffsetVersion(r.models, "m", "3", 300)), settled: answered("3:300") },
    { change: () => removeVersion(r.models, "m", "3"), settled: versions("2:READY,1:READY") },
    {
      change: async () => (allow("1", 101), await replaceOffsetModel(r.models, "m", "1", 101), await removeVersion(r.models, "m", "2")),
      settled: versions("1:READY"),
    },
    { change: () => replaceFile(join(r.models, "m", "config.json"), JSON.stringify({ task: "tensor", description: "reloaded" })), settled: description("reloaded") },
    { change: async () => (allow("4", 400), await writeOffsetVersion(r.models, "m", "4", 400)), settled: answered("4:400") },
  ];
  try {
    for (const step of steps) {
      await traffic();
      await step.change();
      if (mode === "explicit") await load(r, "m");
      await waitFor("the change to be served", step.settled);
    }
    await traffic();
  } finally {
    stop = true;
    await Promise.all(clients);
  }
  expect(failures).toEqual([]);
  for (const [version, value] of answers) expect(valid.get(version)?.has(value)).toBe(true);
  // The answers really came from the successive models, newest last.
  const seen = new Set(answers.map(([version, value]) => `${version}:${value}`));
  expect([...seen]).toEqual(expect.arrayContaining(["1:100", "2:200", "2:201", "3:300", "1:101", "4:400"]));
  expect(answers.at(-1)).toEqual(["4", 400]);
});
