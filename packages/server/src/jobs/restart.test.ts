import { join } from "node:path";
import { credentials, makeGenericClientConstructor, type ChannelCredentials, type ClientReadableStream } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { InferenceClient, JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import { startBinary, type RunningBinary } from "../__tests__/binary";
import { createTempDir } from "../__tests__/files-fixture";
import type { FileStore, StoredFile } from "../files/file-store";
import { createLocalFileStore } from "../files/local-file-store";
import { renderSvg } from "../inference/__tests__/images";
import { textDetectorModel, writeModel } from "../models/__tests__/tiny-models";

const HealthClient = makeGenericClientConstructor(healthService as never, "grpc.health.v1.Health") as unknown as new (
  address: string,
  creds: ChannelCredentials,
) => { watch(request: { service: string }): NodeJS.ReadableStream & { cancel(): void }; close(): void };

// The built binary, killed with SIGKILL in the middle of a job and started again on the same
// data dir: the job resumes from its first unfinished image and nothing finished is redone.
const IMAGES = 8;
let temp: { dir: string; cleanup: () => Promise<void> };
let store: FileStore;
const running: RunningBinary[] = [];

beforeAll(async () => {
  temp = await createTempDir("jobs-restart");
  await writeModel(join(temp.dir, "models"), "text", { task: "text-detection", input: { resize: "fit", max_side: 1024, scale: 1 / 255 } }, textDetectorModel());
  store = await createLocalFileStore({ root: join(temp.dir, "data", "files"), quotaBytesPerProject: 0 });
  for (let i = 0; i < IMAGES; i++) {
    await store.writeFile("scans", `page-${i}.png`, await renderSvg(1024, 1024, `<rect x="${50 + i * 40}" y="100" width="300" height="80" fill="#fff"/>`));
  }
});

afterAll(async () => {
  for (const binary of running.splice(0)) {
    binary.child.kill("SIGKILL");
    await binary.exited;
  }
  await store.close();
  await temp.cleanup();
});

/** Resolves once the server's overall health is SERVING (models loaded, journal replayed). */
async function serving(address: string): Promise<void> {
  const health = new HealthClient(address, credentials.createInsecure());
  const watch = health.watch({ service: "" });
  await new Promise<void>((resolve, reject) => {
    watch.on("data", (response: { status: string }) => response.status === "SERVING" && resolve());
    watch.on("error", reject);
  });
  watch.cancel();
  health.close();
}

async function start(): Promise<{ binary: RunningBinary; client: InferenceClient }> {
  const dirs = ["--data-dir", join(temp.dir, "data"), "--models-dir", join(temp.dir, "models")];
  const binary = await startBinary(["--port", "0", ...dirs, "--log-level", "warn", "--job-workers", "1", "--model-threads", "1"]);
  running.push(binary);
  await serving(binary.address);
  return { binary, client: new InferenceClient(binary.address, credentials.createInsecure()) };
}

function collect(stream: ClientReadableStream<{ update?: JobUpdate }>, onUpdate: (update: JobUpdate) => void = () => undefined): Promise<JobUpdate[]> {
  return new Promise((resolve, reject) => {
    const updates: JobUpdate[] = [];
    stream.on("data", (message: { update?: JobUpdate }) => {
      if (message.update) updates.push(message.update);
      if (message.update) onUpdate(message.update);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(updates));
  });
}

async function storedResults(jobId: string): Promise<Map<number, StoredFile>> {
  const found = new Map<number, StoredFile>();
  for (let i = 0; i < IMAGES; i++) {
    const file = await store.stat("scans", `results/${jobId}/page-${i}.png.json`);
    if (file) found.set(i, file);
  }
  return found;
}

test("a job cut by SIGKILL resumes from its first unfinished image after a restart; a finished job is remembered", async () => {
  const first = await start();
  const uris = Array.from({ length: IMAGES }, (_, i) => `inferd://scans/page-${i}.png`);
  let jobId = "";
  const stream = first.client.run({ project: "scans", model: "text", version: "", imageUris: uris, parameters: { returnMask: true } });
  stream.on("error", () => undefined);
  await new Promise<void>((resolve) =>
    stream.on("data", ({ update }: { update: JobUpdate }) => {
      jobId ||= update.jobId;
      // Kill as soon as the first image is stored: the rest of the job is still to do.
      if (update.stage === JobStage.POSTPROCESS) {
        first.binary.child.kill("SIGKILL");
        resolve();
      }
    }),
  );
  expect((await first.binary.exited).signal).toBe("SIGKILL");
  first.client.close();
  const before = await storedResults(jobId);
  expect(before.has(0)).toBe(true);
  expect(before.size).toBeLessThan(IMAGES);

  const second = await start();
  const updates = await collect(second.client.watchJob({ jobId }));
  expect(updates.at(-1)).toMatchObject({ jobId, stage: JobStage.DONE, progress: 100, summary: { imagesTotal: IMAGES, imagesSucceeded: IMAGES, imagesFailed: 0 } });
  // Images finished before the kill were not processed again.
  expect(updates.some((u) => u.stage === JobStage.PREPROCESS && before.has(u.imageIndex))).toBe(false);
  const after = await storedResults(jobId);
  expect(after.size).toBe(IMAGES);
  for (const [index, file] of before) expect(after.get(index)).toEqual(file);
  for (let i = 0; i < IMAGES; i++) expect(await store.stat("scans", `results/${jobId}/page-${i}.png.mask.png`)).toBeDefined();
  second.binary.child.kill("SIGKILL");
  await second.binary.exited;
  second.client.close();

  const third = await start();
  const final = await collect(third.client.watchJob({ jobId }));
  expect(final).toHaveLength(1);
  expect(final[0]).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: IMAGES, imagesSucceeded: IMAGES } });
  third.client.close();
});
