import { join } from "node:path";
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { InferenceClient, JobStage, type JobUpdate, type ListJobsResponse } from "@inferd/grpc-types/v1";
import { createTempDir } from "../__tests__/files-fixture";
import type { FileStore } from "../files/file-store";
import { createLocalFileStore } from "../files/local-file-store";
import { renderSvg } from "../inference/__tests__/images";
import { classifierModel, writeModel } from "../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../server";

// The job RPCs over real gRPC (loopback, port 0), a real tiny model and real files.
const DEMO_TOKEN = "token-for-project-demo-0001";
const OTHER_TOKEN = "token-for-project-other-001";

interface Fixture {
  server: InferdServer;
  client: InferenceClient;
  store: FileStore;
  /** Holds job reads of "gate/*" images until released. */
  release(): void;
  cleanup(): Promise<void>;
}

async function start(options: { queueSize?: number; tokens?: boolean } = {}): Promise<Fixture> {
  const temp = await createTempDir("jobs-handlers");
  const modelsDir = join(temp.dir, "models");
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } }, classifierModel(32));
  const inner = await createLocalFileStore({ root: join(temp.dir, "files"), quotaBytesPerProject: 0 });
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const store: FileStore = Object.create(inner) as FileStore;
  store.readFile = async (project, path) => {
    if (path.startsWith("gate/")) await opened;
    return inner.readFile(project, path);
  };
  const tokens = [
    { token: DEMO_TOKEN, projects: ["demo"], name: "demo" },
    { token: OTHER_TOKEN, projects: ["other"], name: "other" },
  ];
  const server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: temp.dir,
    modelsDir,
    fileStore: store,
    inference: { modelThreads: 1, jobWorkers: 1, jobQueueSize: options.queueSize ?? 100 },
    ...(options.tokens ? { tokens } : {}),
  });
  await server.ready;
  const client = new InferenceClient(server.address, credentials.createInsecure());
  return {
    server,
    client,
    store,
    release,
    async cleanup() {
      release();
      client.close();
      await server.shutdown(2000);
      await inner.close();
      await temp.cleanup();
    },
  };
}

const bearer = (token: string): Metadata => {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
};

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

function cancelJob(client: InferenceClient, jobId: string, metadata = new Metadata()): Promise<JobStage> {
  return new Promise((resolve, reject) => client.cancelJob({ jobId }, metadata, (error, response) => (error ? reject(error) : resolve(response.stage))));
}

function listJobs(client: InferenceClient, request: { project: string; pageSize?: number; pageToken?: string }, metadata = new Metadata()): Promise<ListJobsResponse> {
  return new Promise((resolve, reject) =>
    client.listJobs({ pageSize: 0, pageToken: "", ...request }, metadata, (error: ServiceError | null, response?: ListJobsResponse) =>
      error ? reject(error) : resolve(response as ListJobsResponse),
    ),
  );
}

const red = (): Promise<Buffer> => renderSvg(16, 16, "", "#f00");

let f: Fixture;
afterEach(async () => f.cleanup());

test("50 concurrent Run calls with --job-queue-size 10: exactly 10 are queued, 40 are RESOURCE_EXHAUSTED", async () => {
  f = await start({ queueSize: 10 });
  await f.store.writeFile("demo", "gate/a.png", await red());
  await f.store.writeFile("demo", "b.png", await red());
  // The one worker is held inside the first job, so nothing leaves the queue meanwhile.
  let markRunning!: () => void;
  const busy = new Promise<void>((resolve) => (markRunning = resolve));
  const first = collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/gate/a.png"] }), (u) => {
    if (u.stage === JobStage.PREPROCESS) markRunning();
  });
  await busy;
  // Each call is decided (first update = queued, or an error) while the worker is still held.
  const decisions: Promise<"queued" | status>[] = [];
  const calls = Array.from({ length: 50 }, () => {
    let decide!: (decision: "queued" | status) => void;
    decisions.push(new Promise((resolve) => (decide = resolve)));
    const done = collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/b.png"] }), () => decide("queued"));
    done.catch((error: ServiceError) => decide(error.code));
    return done;
  });
  const decided = await Promise.all(decisions);
  expect(decided.filter((d) => d === "queued")).toHaveLength(10);
  expect(decided.filter((d) => d !== "queued")).toEqual(Array(40).fill(status.RESOURCE_EXHAUSTED));
  f.release();
  const settled = await Promise.allSettled(calls);
  for (const s of settled.filter((r) => r.status === "fulfilled")) expect((s as PromiseFulfilledResult<JobUpdate[]>).value.at(-1)?.stage).toBe(JobStage.DONE);
  expect((await first).at(-1)?.stage).toBe(JobStage.DONE);
});

test("a job of another project answers exactly like an unknown id (NOT_FOUND), and only a bad token is UNAUTHENTICATED", async () => {
  f = await start({ tokens: true });
  await f.store.writeFile("demo", "a.png", await red());
  const updates = await collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/a.png"] }, bearer(DEMO_TOKEN)));
  const jobId = updates[0]?.jobId ?? "";
  const unknown = "00000000-0000-4000-8000-000000000000";
  const failure = (promise: Promise<unknown>): Promise<{ code: status; details: string }> =>
    promise.then(
      () => ({ code: status.OK, details: "" }),
      (error: ServiceError) => ({ code: error.code, details: error.details }),
    );
  for (const call of [
    (id: string, m: Metadata) => collect(f.client.watchJob({ jobId: id }, m)),
    (id: string, m: Metadata) => cancelJob(f.client, id, m),
  ]) {
    const notYours = await failure(call(jobId, bearer(OTHER_TOKEN)));
    const missing = await failure(call(unknown, bearer(OTHER_TOKEN)));
    expect(notYours.code).toBe(status.NOT_FOUND);
    expect(missing.code).toBe(status.NOT_FOUND);
    // Same answer shape: only the echoed id differs.
    expect(notYours.details.replace(jobId, "<id>")).toBe(missing.details.replace(unknown, "<id>"));
    expect((await failure(call(jobId, new Metadata()))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(unknown, new Metadata()))).code).toBe(status.UNAUTHENTICATED);
  }
  // The owner still sees it; ListJobs of a project the token does not grant is refused.
  expect(await cancelJob(f.client, jobId, bearer(DEMO_TOKEN))).toBe(JobStage.DONE);
  await expect(listJobs(f.client, { project: "demo" }, bearer(OTHER_TOKEN))).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
  expect((await listJobs(f.client, { project: "other" }, bearer(OTHER_TOKEN))).jobs).toEqual([]);
  expect((await listJobs(f.client, { project: "demo" }, bearer(DEMO_TOKEN))).jobs.map((j) => j.jobId)).toEqual([jobId]);
});

test("CancelJob during the last image answers DONE, as the job really ends", async () => {
  f = await start();
  await f.store.writeFile("demo", "a.png", await red());
  await f.store.writeFile("demo", "gate/last.png", await red());
  let jobId = "";
  let markLast!: () => void;
  const atLast = new Promise<void>((resolve) => (markLast = resolve));
  let markCancelSeen!: () => void;
  const cancelSeen = new Promise<void>((resolve) => (markCancelSeen = resolve));
  let lastImageUpdates = 0;
  const run = collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/a.png", "inferd://demo/gate/last.png"] }), (u) => {
    jobId ||= u.jobId;
    // Image 1 is held at the gate: after its PREPROCESS, the only update is CancelJob's.
    if (u.stage === JobStage.PREPROCESS && u.imageIndex === 1) (lastImageUpdates++ === 0 ? markLast : markCancelSeen)();
  });
  await atLast;
  const answer = cancelJob(f.client, jobId);
  await cancelSeen;
  f.release();
  expect(await answer).toBe(JobStage.DONE);
  expect((await run).at(-1)).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: 2, imagesSucceeded: 2 } });
});

test("ListJobs pages a project's jobs newest first with stage, counts and times", async () => {
  f = await start();
  await f.store.writeFile("demo", "a.png", await red());
  await f.store.writeFile("demo", "bad.png", Buffer.from("not an image"));
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const updates = await collect(f.client.run({ project: "demo", model: "colors", version: "", imageUris: ["inferd://demo/a.png", "inferd://demo/bad.png"] }));
    ids.push(updates[0]?.jobId ?? "");
  }
  const seen: string[] = [];
  let pageToken = "";
  let pages = 0;
  do {
    const page = await listJobs(f.client, { project: "demo", pageSize: 2, pageToken });
    expect(page.jobs.length).toBeLessThanOrEqual(2);
    seen.push(...page.jobs.map((j) => j.jobId));
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken !== "");
  expect(pages).toBe(3);
  expect(seen).toEqual([...ids].reverse());
  const { jobs } = await listJobs(f.client, { project: "demo" });
  expect(jobs.map((j) => j.jobId)).toEqual(seen);
  const times = jobs.map((j) => j.createdTime?.getTime() ?? 0);
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  const newest = jobs[0];
  expect(newest).toMatchObject({ model: "colors", version: "1", stage: JobStage.DONE, progress: 100, summary: { imagesTotal: 2, imagesSucceeded: 1, imagesFailed: 1 } });
  const ended = newest?.endedTime?.getTime() ?? 0;
  expect(ended).toBeGreaterThanOrEqual(newest?.startedTime?.getTime() ?? Infinity);
  expect(newest?.expireTime?.getTime()).toBe(ended + 7 * 86_400_000); // the default retention
  expect((await listJobs(f.client, { project: "empty" })).jobs).toEqual([]);

  await expect(listJobs(f.client, { project: "demo", pageToken: "not-a-token" })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  await expect(listJobs(f.client, { project: "demo", pageSize: 5000 })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  await expect(listJobs(f.client, { project: "../x" })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
});
