import { Redis } from "ioredis";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import type { FileStore } from "../files/file-store";
import { createInferencePipeline } from "../inference/pipeline";
import type { TaskParameters } from "../tasks/types";
import { createTempDir } from "../__tests__/files-fixture";
import { startRedis, type TestRedis } from "../__tests__/scale-out/redis-fixture";
import { createJobFixture, type JobFixture } from "./__tests__/job-fixture";
import { createJobEngine, type JobEngineOptions } from "./create-job-engine";
import type { JobEngine, JobView } from "./job-engine";
import { createJobJournal } from "./journal";

// One behaviour suite, two engines: the embedded one and the Redis one (a real redis-server
// started here), so the two cannot drift apart. Differences that are intended (SCALING.md)
// are tested on their own below.

const parameters: TaskParameters = { confidenceThreshold: 0, iouThreshold: 0.5, maxResults: 1, returnMask: false };
let redis: TestRedis;
let redisDir: { dir: string; cleanup(): Promise<void> };
let f: JobFixture;
const engines: JobEngine[] = [];

beforeAll(async () => {
  redisDir = await createTempDir("job-engine-redis");
  redis = await startRedis(redisDir.dir);
});
afterAll(async () => {
  await redis?.stop();
  await redisDir?.cleanup();
});
beforeEach(async () => {
  f = await createJobFixture();
  const client = new Redis(redis.url);
  await client.flushall();
  client.disconnect();
});
afterEach(async () => {
  f.gate.release();
  for (const engine of engines.splice(0)) await engine.stop();
  await f.close();
});

type Kind = "embedded" | "redis";

async function engineOf(kind: Kind, options: Partial<JobEngineOptions> = {}, store: FileStore = f.store): Promise<JobEngine> {
  const engine = createJobEngine({
    store,
    repository: f.repository,
    pipeline: createInferencePipeline(),
    journal: createJobJournal(f.journalDir),
    workers: 1,
    ...(kind === "redis" ? { redis: { url: redis.url, lockMs: 1000 } } : {}),
    ...options,
  });
  engines.push(engine);
  await engine.start();
  return engine;
}

const submit = (engine: JobEngine, imageUris: string[], project = "demo"): Promise<JobView> =>
  engine.submit({ project, model: "colors", version: "1", imageUris, parameters });

/** Every update from subscribing until the job ends. */
async function follow(engine: JobEngine, jobId: string, onUpdate: (update: JobUpdate) => void = () => undefined): Promise<JobUpdate[]> {
  const updates: JobUpdate[] = [];
  let markEnded!: () => void;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  await engine.subscribe(jobId, (update) => {
    updates.push(update);
    onUpdate(update);
    if (update.stage === JobStage.DONE || update.stage === JobStage.FAILED || update.stage === JobStage.CANCELLED) markEnded();
  });
  await ended;
  return updates;
}

/** Resolves with the first update of the job that `matches`. */
function reached(engine: JobEngine, jobId: string, matches: (update: JobUpdate) => boolean): Promise<JobUpdate> {
  return new Promise((resolve, reject) => {
    let detach: (() => void) | undefined;
    let done = false;
    engine
      .subscribe(jobId, (update) => {
        if (done || !matches(update)) return;
        done = true;
        resolve(update);
        queueMicrotask(() => detach?.());
      })
      .then((off) => (done ? off() : (detach = off)), reject);
  });
}

describe.each<Kind>(["embedded", "redis"])("job engine (%s)", (kind) => {
  test("runs a job to DONE: subscribe sends the current update, then each one until DONE; get and list agree", async () => {
    for (const name of ["a", "b", "c"]) await f.store.writeFile("demo", `${name}.png`, await f.red());
    const engine = await engineOf(kind);
    const view = await submit(engine, ["inferd://demo/a.png", "inferd://demo/b.png", "inferd://demo/c.png"]);
    expect(view.spec).toMatchObject({ project: "demo", model: "colors", version: "1" });
    const updates = await follow(engine, view.spec.id);
    const end = updates.at(-1) as JobUpdate;
    expect(end).toMatchObject({ stage: JobStage.DONE, progress: 100, summary: { imagesTotal: 3, imagesSucceeded: 3, imagesFailed: 0 } });
    const results = updates.filter((u) => u.resultUri !== "");
    expect(results.map((u) => u.imageIndex).sort()).toEqual([0, 1, 2]);
    const after = await engine.get(view.spec.id);
    expect(after?.current.stage).toBe(JobStage.DONE);
    expect(after?.endedAt).toBeInstanceOf(Date);
    expect([...(after?.resultUris ?? [])].sort()).toEqual(results.map((u) => u.resultUri).sort());
    const page = await engine.list("demo", 0, "");
    expect(page.jobs.map((j) => [j.jobId, j.stage])).toEqual([[view.spec.id, JobStage.DONE]]);
    // A subscriber after the end gets the final update alone.
    expect(await follow(engine, view.spec.id)).toEqual([expect.objectContaining({ stage: JobStage.DONE })]);
  });

  test("an unknown job: get is undefined, subscribe and cancel are NOT_FOUND", async () => {
    const engine = await engineOf(kind);
    expect(await engine.get("no-such-job")).toBeUndefined();
    await expect(engine.subscribe("no-such-job", () => undefined)).rejects.toMatchObject({ kind: "not-found" });
    await expect(engine.cancel("no-such-job")).rejects.toMatchObject({ kind: "not-found" });
  });

  test("a missing image fails alone: the job ends DONE with one image failed", async () => {
    await f.store.writeFile("demo", "a.png", await f.red());
    const engine = await engineOf(kind);
    const view = await submit(engine, ["inferd://demo/a.png", "inferd://demo/missing.png"]);
    const updates = await follow(engine, view.spec.id);
    expect(updates.find((u) => u.imageIndex === 1 && u.imageError !== "")).toBeDefined();
    expect(updates.at(-1)).toMatchObject({ stage: JobStage.DONE, summary: { imagesSucceeded: 1, imagesFailed: 1 } });
  });

  test("a job none of whose images started is cancelled at once; the job ahead of it goes on", async () => {
    await f.store.writeFile("demo", "gate/a.png", await f.red());
    await f.store.writeFile("demo", "b.png", await f.red());
    const engine = await engineOf(kind);
    const first = await submit(engine, ["inferd://demo/gate/a.png"]);
    await reached(engine, first.spec.id, (u) => u.stage === JobStage.PREPROCESS); // the one worker is busy
    const second = await submit(engine, ["inferd://demo/b.png", "inferd://demo/b.png"]);
    expect(await engine.cancel(second.spec.id)).toBe(JobStage.CANCELLED);
    expect((await engine.get(second.spec.id))?.current).toMatchObject({ stage: JobStage.CANCELLED, summary: { imagesSucceeded: 0 } });
    f.gate.release();
    expect((await follow(engine, first.spec.id)).at(-1)?.stage).toBe(JobStage.DONE);
    expect(await engine.cancel(second.spec.id)).toBe(JobStage.CANCELLED); // again: the stage it ended in
  });

  test("a running job cancelled before its last image ends CANCELLED with fewer results than images", async () => {
    await f.store.writeFile("demo", "gate/a.png", await f.red());
    await f.store.writeFile("demo", "b.png", await f.red());
    const engine = await engineOf(kind);
    const view = await submit(engine, ["inferd://demo/gate/a.png", "inferd://demo/b.png", "inferd://demo/b.png"]);
    await reached(engine, view.spec.id, (u) => u.stage === JobStage.PREPROCESS);
    const answer = engine.cancel(view.spec.id);
    await reached(engine, view.spec.id, (u) => u.message.startsWith("cancel requested"));
    f.gate.release();
    expect(await answer).toBe(JobStage.CANCELLED);
    const end = (await engine.get(view.spec.id))?.current;
    expect(end?.stage).toBe(JobStage.CANCELLED);
    expect(end?.summary?.imagesSucceeded).toBeLessThan(3);
  });

  test("ListJobs pages a project's jobs newest first; a bad size or token is INVALID_ARGUMENT", async () => {
    await f.store.writeFile("demo", "a.png", await f.red());
    const engine = await engineOf(kind);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(engine, ["inferd://demo/a.png"])).spec.id);
    await submit(engine, ["inferd://other/a.png"], "other");
    const first = await engine.list("demo", 2, "");
    expect(first.jobs.map((j) => j.jobId)).toEqual([ids[2], ids[1]]);
    expect(first.nextPageToken).not.toBe("");
    const second = await engine.list("demo", 2, first.nextPageToken);
    expect(second.jobs.map((j) => j.jobId)).toEqual([ids[0]]);
    expect(second.nextPageToken).toBe("");
    await expect(engine.list("demo", 1001, "")).rejects.toMatchObject({ kind: "invalid-argument" });
    await expect(engine.list("demo", 1, "not-a-token")).rejects.toMatchObject({ kind: "invalid-argument" });
    for (const id of ids) await follow(engine, id);
  });

  test("a full queue refuses the job with RESOURCE_EXHAUSTED", async () => {
    const engine = await engineOf(kind, { queueSize: 0 });
    await expect(submit(engine, ["inferd://demo/a.png"])).rejects.toMatchObject({ kind: "resource-exhausted" });
  });
});

describe("redis engine: several engines on one Redis", () => {
  test("both engines' workers take images of one job, and either answers for it", async () => {
    for (let i = 0; i < 4; i++) await f.store.writeFile("demo", `gate/${i}.png`, await f.red());
    const readers = [new Set<string>(), new Set<string>()];
    const stores = readers.map((paths) => {
      const store = Object.create(f.store) as FileStore;
      store.readFile = (project, path) => {
        paths.add(path);
        return f.store.readFile(project, path);
      };
      return store;
    });
    const [one, two] = [await engineOf("redis", {}, stores[0]), await engineOf("redis", {}, stores[1])] as [JobEngine, JobEngine];
    const view = await submit(one, [0, 1, 2, 3].map((i) => `inferd://demo/gate/${i}.png`));
    // Each engine's one worker holds an image at the gate: both are working on the job.
    const starting = new Set<number>();
    await reached(two, view.spec.id, (u) => {
      if (u.stage === JobStage.PREPROCESS) starting.add(u.imageIndex);
      return starting.size === 2;
    });
    f.gate.release();
    const updates = await follow(two, view.spec.id);
    expect(updates.at(-1)).toMatchObject({ stage: JobStage.DONE, summary: { imagesSucceeded: 4 } });
    expect(readers[0]?.size).toBeGreaterThan(0);
    expect(readers[1]?.size).toBeGreaterThan(0);
    expect((await one.get(view.spec.id))?.resultUris).toHaveLength(4);
  });
});
