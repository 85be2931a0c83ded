import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Metadata, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { JobStage, type InferenceClient, type JobInfo, type JobUpdate } from "@inferd/grpc-types/v1";
import { createTempDir, downloadBytes, uploadBytes } from "../files-fixture";
import { renderSvg } from "../../inference/__tests__/images";
import { textDetectorModel, writeModel } from "../../models/__tests__/tiny-models";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { IMAGE_QUEUE } from "../../jobs/redis/redis-keys";
import { createRawClient } from "../reliability/raw-client";
import { startRedis, type TestRedis } from "./redis-fixture";
import { startReplica, type Replica } from "./replica-fixture";

// Three real replicas (separate processes) on one real redis-server: a job submitted to one
// is watched from another and cancelled from the third; a replica is SIGKILLed mid-job;
// Redis restarts mid-job. All replicas share one file store directory.
jest.setTimeout(120_000);

const PROJECT = "scans";
let temp: { dir: string; cleanup: () => Promise<void> };
let redis: TestRedis;
let replicas: Replica[] = [];
const uris: string[] = [];

beforeAll(async () => {
  temp = await createTempDir("scale-out");
  await mkdir(join(temp.dir, "redis"));
  await writeModel(join(temp.dir, "models"), "text", { task: "text-detection", input: { resize: "fit", max_side: 512, scale: 1 / 255 } }, textDetectorModel());
  redis = await startRedis(join(temp.dir, "redis"));
  replicas = await Promise.all(["a", "b", "c"].map((name) => start(name)));
  const first = replicas[0] as Replica;
  for (let i = 0; i < 8; i++) {
    const png = await renderSvg(512, 512, `<rect x="${20 + i * 30}" y="${40 + i * 10}" width="200" height="40" fill="#fff"/>`);
    uris.push((await uploadBytes(first.files, { project: PROJECT, path: `page-${i}.png`, chunks: [png] })).uri);
  }
});

afterAll(async () => {
  for (const replica of replicas) if (replica.child.exitCode !== null) process.stderr.write(`replica ${replica.name} exited ${replica.child.exitCode}: ${replica.stderr()}\n`);
  for (const replica of replicas) if (replica.child.exitCode === null && replica.child.signalCode === null) await replica.kill();
  await redis?.stop();
  await temp?.cleanup();
});

function start(name: string): Promise<Replica> {
  return startReplica({
    name,
    redisUrl: redis.url,
    sharedFilesDir: join(temp.dir, "shared-files"),
    dataDir: join(temp.dir, `data-${name}`),
    modelsDir: join(temp.dir, "models"),
    lockMs: 1500,
  });
}

/** `count` image URIs, cycling through the uploaded ones (a job may list an image twice). */
const images = (count: number): string[] => Array.from({ length: count }, (_, i) => uris[i % uris.length] as string);

function collect(stream: ClientReadableStream<{ update?: JobUpdate }>, onUpdate: (update: JobUpdate) => void = () => undefined): Promise<JobUpdate[]> {
  return new Promise((resolve, reject) => {
    const updates: JobUpdate[] = [];
    stream.on("data", (message: { update?: JobUpdate }) => {
      if (!message.update) return;
      updates.push(message.update);
      onUpdate(message.update);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(updates));
  });
}

/** Submits a job on `replica` and resolves with its id (from the first update) and the Run stream's updates. */
function run(replica: Replica, count: number, onUpdate?: (update: JobUpdate) => void): { id: Promise<string>; updates: Promise<JobUpdate[]> } {
  let markId!: (id: string) => void;
  const id = new Promise<string>((resolve) => (markId = resolve));
  const updates = collect(replica.inference.run({ project: PROJECT, model: "text", version: "", imageUris: images(count), parameters: undefined }), (update) => {
    markId(update.jobId);
    onUpdate?.(update);
  });
  return { id, updates };
}

const watch = (replica: Replica, jobId: string, onUpdate?: (update: JobUpdate) => void): Promise<JobUpdate[]> =>
  collect(replica.inference.watchJob({ jobId }), onUpdate);

const cancel = (client: InferenceClient, jobId: string): Promise<JobStage> =>
  new Promise((resolve, reject) => client.cancelJob({ jobId }, (error: ServiceError | null, response) => (error ? reject(error) : resolve(response?.stage ?? JobStage.UNSPECIFIED))));

const listed = (client: InferenceClient, jobId: string): Promise<JobInfo | undefined> =>
  new Promise((resolve, reject) =>
    client.listJobs({ project: PROJECT, pageSize: 0, pageToken: "" }, new Metadata(), (error: ServiceError | null, response) =>
      error ? reject(error) : resolve(response?.jobs.find((job) => job.jobId === jobId)),
    ),
  );

/** The stored result of each image index, from the job's updates (each index must appear once). */
function resultsByIndex(updates: readonly JobUpdate[]): Map<number, string> {
  const results = new Map<number, string>();
  for (const update of updates.filter((u) => u.resultUri !== "")) {
    expect(results.has(update.imageIndex)).toBe(false);
    results.set(update.imageIndex, update.resultUri);
  }
  return results;
}

const fileOf = (uri: string): Promise<Buffer> => downloadBytes((replicas[0] as Replica).files, uri);

test("a job submitted on one replica is watched from another, listed the same on all, and runs to DONE", async () => {
  const [a, b, c] = replicas as [Replica, Replica, Replica];
  const job = run(a, 12);
  const jobId = await job.id;
  const [onA, onB] = await Promise.all([job.updates, watch(b, jobId)]);
  const end = onA.at(-1) as JobUpdate;
  expect(end.stage).toBe(JobStage.DONE);
  expect(end.summary).toMatchObject({ imagesTotal: 12, imagesSucceeded: 12, imagesFailed: 0 });
  expect((onB.at(-1) as JobUpdate).stage).toBe(JobStage.DONE);
  // The watcher on B got the same updates, in the same order, from its first one on.
  const key = (u: JobUpdate): string => `${u.stage}/${u.imageIndex}/${u.resultUri}/${u.progress}`;
  expect(onA.slice(onA.length - onB.length).map(key)).toEqual(onB.map(key));
  expect(resultsByIndex(onA).size).toBe(12);
  // Progress never goes back, whichever replica published it.
  const progress = onA.map((u) => u.progress);
  expect(progress).toEqual([...progress].sort((x, y) => x - y));
  for (const replica of [a, b, c]) {
    const info = await listed(replica.inference, jobId);
    expect(info).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: 12, imagesSucceeded: 12 } });
  }
});

test("cancel from a third replica stops images on every replica; the job ends CANCELLED everywhere", async () => {
  const [a, b, c] = replicas as [Replica, Replica, Replica];
  let markRunning!: () => void;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  const job = run(a, 60, (update) => update.resultUri !== "" && markRunning());
  const jobId = await job.id;
  const watched = watch(b, jobId);
  await running;
  expect(await cancel(c.inference, jobId)).toBe(JobStage.CANCELLED);
  const [onA, onB] = await Promise.all([job.updates, watched]);
  for (const updates of [onA, onB]) expect((updates.at(-1) as JobUpdate).stage).toBe(JobStage.CANCELLED);
  const summary = (onA.at(-1) as JobUpdate).summary;
  expect(summary?.imagesSucceeded).toBeLessThan(60);
  expect(summary?.imagesSucceeded).toBe(resultsByIndex(onA).size);
  // After the cancel request, at most the images already past their cancel check (one per
  // replica's worker) store a result: no replica starts another image of the job.
  const requested = onA.findIndex((u) => u.message.startsWith("cancel requested"));
  expect(requested).toBeGreaterThan(0);
  expect(onA.slice(requested + 1).filter((u) => u.resultUri !== "").length).toBeLessThanOrEqual(3);
  expect(onA.slice(requested + 1).filter((u) => u.stage === JobStage.PREPROCESS)).toHaveLength(0);
  for (const replica of [a, b, c]) expect((await listed(replica.inference, jobId))?.stage).toBe(JobStage.CANCELLED);
  // Cancelling again answers the stage it ended in, from any replica.
  expect(await cancel(a.inference, jobId)).toBe(JobStage.CANCELLED);
});

test("a replica SIGKILLed mid-job: the others take its images, every result once, earlier results unchanged", async () => {
  const [a, b, c] = replicas as [Replica, Replica, Replica];
  const early = new Map<number, string>();
  let markEarly!: () => void;
  const threeResults = new Promise<void>((resolve) => (markEarly = resolve));
  const job = run(a, 30, (update) => {
    if (update.resultUri === "" || early.size >= 3) return;
    early.set(update.imageIndex, update.resultUri);
    if (early.size === 3) markEarly();
  });
  const jobId = await job.id;
  const watched = watch(c, jobId);
  await threeResults;
  // Kill B while BullMQ says it holds an image of the job (its worker name ends with its pid).
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(IMAGE_QUEUE, { connection });
  let held: string | undefined;
  try {
    while (!held) {
      const active = await queue.getActive();
      held = active.find((image) => image.processedBy?.endsWith(`:${b.child.pid}`) && image.data.jobId === jobId)?.id;
    }
    await b.kill();
  } finally {
    await queue.close();
    connection.disconnect();
    replicas[1] = await start("b2");
  }
  expect((await b.exited).signal).toBe("SIGKILL");
  // Results recorded before the kill, as stored then.
  const before = new Map<number, Buffer>();
  for (const [index, uri] of early) before.set(index, await fileOf(uri));
  const updates = await job.updates;
  const end = updates.at(-1) as JobUpdate;
  // It ends at all only because B's image was taken over (stalled-job recovery).
  expect(end.stage).toBe(JobStage.DONE);
  expect(end.summary).toMatchObject({ imagesTotal: 30, imagesSucceeded: 30, imagesFailed: 0 });
  const results = resultsByIndex(updates);
  expect([...results.keys()].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  for (const [index, bytes] of before) expect((await fileOf(results.get(index) as string)).equals(bytes)).toBe(true);
  expect(((await watched).at(-1) as JobUpdate).stage).toBe(JobStage.DONE);
});

test("Redis restarting mid-job: health reports redis NOT_SERVING, the job resumes and ends DONE with every image once", async () => {
  const [a, b] = replicas as [Replica, Replica, Replica];
  let markRunning!: () => void;
  const running = new Promise<void>((resolve) => (markRunning = resolve));
  const job = run(a, 24, (update) => update.resultUri !== "" && markRunning());
  const jobId = await job.id;
  const watched = watch(b, jobId);
  await running;
  await redis.stop();
  const raw = createRawClient(a.address);
  try {
    await waitRedisHealth(raw, 2); // NOT_SERVING while Redis is away; the server stays up
    await redis.start();
    await waitRedisHealth(raw, 1);
  } finally {
    raw.close();
  }
  const updates = await job.updates;
  const end = updates.at(-1) as JobUpdate;
  expect(end.stage).toBe(JobStage.DONE);
  expect(end.summary).toMatchObject({ imagesTotal: 24, imagesSucceeded: 24 });
  expect(((await watched).at(-1) as JobUpdate).stage).toBe(JobStage.DONE);
  expect((await listed(b.inference, jobId))?.summary?.imagesSucceeded).toBe(24);
});

/** Follows health Watch("redis") until it reports `status` (1 SERVING, 2 NOT_SERVING). */
async function waitRedisHealth(raw: ReturnType<typeof createRawClient>, status: 1 | 2): Promise<void> {
  const name = Buffer.from("redis");
  const request = Buffer.concat([Buffer.from([0x0a, name.length]), name]);
  const wanted = Buffer.from([0x08, status]);
  const outcome = await raw.call("/grpc.health.v1.Health/Watch", "server", [request], { maxMessages: 1_000, deadlineMs: 30_000, stopWhen: (m) => m.equals(wanted) });
  expect(outcome.messages.some((m) => m.equals(wanted))).toBe(true);
}
