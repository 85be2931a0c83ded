/**
 * Infer admission control and cancellation over real gRPC: a real server on 127.0.0.1:0, real
 * onnxruntime (a tiny classifier) in its worker thread, real files. Model runs are counted by
 * wrapping the real loader; calls are held at a gate inside the image read (a stored image
 * under gate/), so every ordering below is made by events, not by timing.
 */
import { join } from "node:path";
import { credentials, Metadata, status, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";
import { GRPCInferenceServiceClient, type ModelInferRequest, type ModelInferResponse } from "@inferd/grpc-types/inference";
import { InferenceClient, type InferRequest, type InferResponse } from "@inferd/grpc-types/v1";
import sharp from "sharp";
import { createTempDir } from "../__tests__/files-fixture";
import type { FileStore } from "../files/file-store";
import { createLocalFileStore } from "../files/local-file-store";
import { renderSvg } from "../inference/__tests__/images";
import type { InferenceOptions } from "../inference/options";
import { classifierModel, writeModel } from "../models/__tests__/tiny-models";
import type { ModelLoader } from "../models/runtime";
import { loadOnnxModelInWorker } from "../models/worker-runtime";
import { createInferdServer, type InferdServer } from "../server";

interface Fixture {
  server: InferdServer;
  client: InferenceClient;
  store: FileStore;
  /** Model runs so far. */
  runs(): number;
  /** Resolves when a gated read has started; `release()` lets every gated read go on. */
  gateReached: Promise<void>;
  release(): void;
  close(): Promise<void>;
}

async function start(inference: InferenceOptions): Promise<Fixture> {
  const temp = await createTempDir("infer-admission");
  const modelsDir = join(temp.dir, "models");
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } }, classifierModel(32));
  let runs = 0;
  const loader: ModelLoader = async (path, options) => {
    const session = await loadOnnxModelInWorker(path, options);
    return { ...session, run: (...args) => (runs++, session.run(...args)) };
  };
  const inner = await createLocalFileStore({ root: join(temp.dir, "files"), quotaBytesPerProject: 0 });
  let reached!: () => void;
  let release!: () => void;
  const gateReached = new Promise<void>((resolve) => (reached = resolve));
  const opened = new Promise<void>((resolve) => (release = resolve));
  const store: FileStore = Object.create(inner) as FileStore;
  store.readFile = async (project, path) => {
    if (path.startsWith("gate/")) {
      reached();
      await opened;
    }
    return inner.readFile(project, path);
  };
  const server = await createInferdServer({ host: "127.0.0.1", port: 0, dataDir: temp.dir, modelsDir, fileStore: store, inference: { modelThreads: 1, loader, ...inference } });
  await server.ready;
  const client = new InferenceClient(server.address, credentials.createInsecure());
  return {
    server,
    client,
    store,
    runs: () => runs,
    gateReached,
    release,
    async close() {
      release();
      client.close();
      await server.shutdown(1000);
      await temp.cleanup();
    },
  };
}

/** Sends one Infer; `call` is there to cancel it. */
function infer(client: InferenceClient, request: Partial<InferRequest>, deadline?: number): { call: ClientUnaryCall; result: Promise<InferResponse> } {
  let call!: ClientUnaryCall;
  const result = new Promise<InferResponse>((resolve, reject) => {
    call = client.infer({ model: "colors", version: "", ...request }, new Metadata(), { ...(deadline ? { deadline } : {}) }, (error: ServiceError | null, response?: InferResponse) =>
      error ? reject(error) : resolve(response as InferResponse),
    );
  });
  result.catch(() => undefined);
  return { call, result };
}

const codeOf = (promise: Promise<unknown>): Promise<status> => promise.then(() => status.OK, (error: ServiceError) => error.code);

let f: Fixture;
afterEach(async () => f.close());

const gated = { image: { $case: "imageUri" as const, value: "inferd://demo/gate/red.png" } };
async function bytes(): Promise<Partial<InferRequest>> {
  return { image: { $case: "imageData", value: await renderSvg(64, 64, "", "#f00") } };
}

test("a full queue answers RESOURCE_EXHAUSTED; a cancelled queued call leaves the queue and never reaches the model", async () => {
  f = await start({ inferConcurrency: 1, inferQueueSize: 1 });
  await f.store.writeFile("demo", "gate/red.png", await renderSvg(64, 64, "", "#f00"));
  const a = infer(f.client, gated); // holds the model's one slot at the gate
  await f.gateReached;
  // One channel: the server sees B, then C, then B's cancellation, then D, in that order.
  const b = infer(f.client, await bytes()); // waits in the queue (size 1)
  const c = infer(f.client, await bytes()); // finds it full
  expect(await codeOf(c.result)).toBe(status.RESOURCE_EXHAUSTED);
  b.call.cancel();
  expect(await codeOf(b.result)).toBe(status.CANCELLED);
  const d = infer(f.client, await bytes()); // B's place is free again: D waits instead of being refused
  f.release();
  expect([await codeOf(a.result), await codeOf(d.result)]).toEqual([status.OK, status.OK]);
  await f.server.shutdown(1000); // every handler has finished
  expect(f.runs()).toBe(2); // A and D; B never ran
});

test("OIP ModelInfer shares the version's admission with Infer: refused while Infer holds the one slot and the queue is 0, served once it is free", async () => {
  f = await start({ inferConcurrency: 1, inferQueueSize: 0 });
  await f.store.writeFile("demo", "gate/red.png", await renderSvg(64, 64, "", "#f00"));
  const a = infer(f.client, gated); // holds the model's one slot at the gate
  await f.gateReached;
  const oip = new GRPCInferenceServiceClient(f.server.address, credentials.createInsecure());
  const request: ModelInferRequest = {
    modelName: "colors",
    modelVersion: "",
    id: "",
    parameters: {},
    inputs: [{ name: "x", datatype: "FP32", shape: [1n, 3n, 32n, 32n], parameters: {} }],
    outputs: [],
    rawInputContents: [Buffer.from(new Float32Array(3 * 32 * 32).buffer)],
  };
  const modelInfer = (): Promise<ModelInferResponse> =>
    new Promise((resolve, reject) => oip.modelInfer(request, (error, response) => (error ? reject(error) : resolve(response))));
  try {
    expect(await codeOf(modelInfer())).toBe(status.RESOURCE_EXHAUSTED);
    f.release();
    expect(await codeOf(a.result)).toBe(status.OK);
    expect(await codeOf(modelInfer())).toBe(status.OK);
  } finally {
    oip.close();
  }
});

test("a queued call whose deadline passes never runs", async () => {
  f = await start({ inferConcurrency: 1, inferQueueSize: 4 });
  await f.store.writeFile("demo", "gate/red.png", await renderSvg(64, 64, "", "#f00"));
  const a = infer(f.client, gated);
  await f.gateReached;
  const b = infer(f.client, await bytes(), Date.now() + 300);
  expect(await codeOf(b.result)).toBe(status.DEADLINE_EXCEEDED);
  f.release();
  expect(await codeOf(a.result)).toBe(status.OK);
  // The queue is first come, first served with one slot: had B still been waiting, it would run before D.
  expect(await codeOf(infer(f.client, await bytes()).result)).toBe(status.OK);
  expect(f.runs()).toBe(2); // A and D
});

test("a call past its deadline before decoding stops there: nothing is decoded or run", async () => {
  f = await start({ inferConcurrency: 1, inferQueueSize: 4 });
  await f.store.writeFile("demo", "gate/red.png", await renderSvg(64, 64, "", "#f00"));
  const a = infer(f.client, gated, Date.now() + 300); // its deadline passes while it reads
  await f.gateReached;
  expect(await codeOf(a.result)).toBe(status.DEADLINE_EXCEEDED);
  f.release();
  // A later call on the same (one-slot) model runs; had A gone on after its read, it would have run first.
  expect(await codeOf(infer(f.client, await bytes()).result)).toBe(status.OK);
  await f.server.shutdown(1000);
  expect(f.runs()).toBe(1);
});

test("the decode budget refuses an image from its header, before decoding", async () => {
  f = await start({ decodeBudgetBytes: 1024 * 1024 });
  // 1000x1000 RGB needs 3 MB decoded, over the 1 MiB budget. Its pixel data is cut off: had it
  // been decoded, the answer would be INVALID_ARGUMENT.
  const png = await sharp({ create: { width: 1000, height: 1000, channels: 3, background: "#0f0" } }).png().toBuffer();
  const truncated = png.subarray(0, 100);
  expect(await codeOf(infer(f.client, { image: { $case: "imageData", value: truncated } }).result)).toBe(status.RESOURCE_EXHAUSTED);
  // An image within the budget is served.
  expect(await codeOf(infer(f.client, await bytes()).result)).toBe(status.OK);
  expect(f.runs()).toBe(1);
});
