import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { credentials, type ClientReadableStream } from "@grpc/grpc-js";
import { FilesClient, InferenceClient, JobStage, type DownloadResponse, type JobUpdate } from "@inferd/grpc-types/v1";
import { startBinary, type RunningBinary } from "../binary";
import { createTempDir, downloadBytes, listFiles, uploadBytes } from "../files-fixture";
import { renderSvg } from "../../inference/__tests__/images";
import { textDetectorModel, writeModel } from "../../models/__tests__/tiny-models";
import { createRawClient } from "./raw-client";
import { waitServing } from "./suite-server";

// SIGKILL of the real binary in the middle of a Download and of a Run job, then a restart on
// the same data dir: the download resumes at the byte it stopped at and the whole is
// byte-identical; the job finishes with every image processed once, and its results equal
// those of a job that was never interrupted.
jest.setTimeout(180_000);

let temp: { dir: string; cleanup: () => Promise<void> };
const running: RunningBinary[] = [];
beforeAll(async () => {
  temp = await createTempDir("sigkill");
  await writeModel(join(temp.dir, "models"), "text", { task: "text-detection", input: { resize: "fit", max_side: 512, scale: 1 / 255 } }, textDetectorModel());
});
afterAll(async () => {
  for (const binary of running.splice(0)) {
    binary.child.kill("SIGKILL");
    await binary.exited;
  }
  await temp.cleanup();
});

interface Started {
  binary: RunningBinary;
  files: FilesClient;
  inference: InferenceClient;
  close(): void;
}

async function start(): Promise<Started> {
  const binary = await startBinary([
    "--port", "0", "--data-dir", join(temp.dir, "data"), "--models-dir", join(temp.dir, "models"),
    "--log-level", "silent", "--job-workers", "1", "--model-threads", "1",
  ]);
  running.push(binary);
  const raw = createRawClient(binary.address);
  await waitServing(raw);
  raw.close();
  const files = new FilesClient(binary.address, credentials.createInsecure());
  const inference = new InferenceClient(binary.address, credentials.createInsecure());
  return { binary, files, inference, close: () => (files.close(), inference.close()) };
}

async function kill(started: Started): Promise<void> {
  started.binary.child.kill("SIGKILL");
  expect((await started.binary.exited).signal).toBe("SIGKILL");
  started.close();
}

test("SIGKILL mid-download: the download resumes at its offset and the file is byte-identical", async () => {
  const content = randomBytes(8 * 1024 * 1024);
  const first = await start();
  const stored = await uploadBytes(first.files, { project: "dl", path: "big.bin", chunks: [content.subarray(0, 4 << 20), content.subarray(4 << 20)] });
  const received: Buffer[] = [];
  const call = first.files.download({ uri: stored.uri, offset: 0n });
  call.on("error", () => undefined);
  await new Promise<void>((resolve) =>
    call.on("data", (message: DownloadResponse) => {
      received.push(message.chunk);
      // Kill once part of the file has arrived, with more still to come.
      if (received.length === 3) {
        first.binary.child.kill("SIGKILL");
        resolve();
      }
    }),
  );
  await kill(first);
  const partial = Buffer.concat(received);
  expect(partial.length).toBeGreaterThan(0);
  expect(partial.length).toBeLessThan(content.length);

  const second = await start();
  const rest = await downloadBytes(second.files, stored.uri, BigInt(partial.length));
  const whole = Buffer.concat([partial, rest]);
  expect(whole.equals(content)).toBe(true);
  expect(createHash("sha256").update(whole).digest("hex")).toBe(stored.sha256);
  await kill(second);
});

const IMAGES = 6;

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

/** A job's results with what legitimately differs between two jobs (ids, timings) removed. */
async function results(files: FilesClient, jobId: string): Promise<Map<string, { json: unknown; mask: string; modified: number }>> {
  const page = await listFiles(files, { project: "scans", prefix: `results/${jobId}/`, pageSize: 1000, pageToken: "" });
  const out = new Map<string, { json: unknown; mask: string; modified: number }>();
  for (const file of page.files.filter((f) => f.path.endsWith(".json"))) {
    const doc = JSON.parse((await downloadBytes(files, file.uri)).toString()) as Record<string, unknown>;
    const mask = await downloadBytes(files, String(doc["maskUri"]));
    const image = file.path.slice(`results/${jobId}/`.length);
    const { jobId: _id, maskUri: _mask, timings: _timings, ...rest } = doc;
    out.set(image, { json: rest, mask: createHash("sha256").update(mask).digest("hex"), modified: file.modifiedTime?.getTime() ?? 0 });
  }
  return out;
}

test("SIGKILL mid-job: after a restart the job finishes, every image once, with the results of an uninterrupted job", async () => {
  const first = await start();
  const uris: string[] = [];
  for (let i = 0; i < IMAGES; i++) {
    const png = await renderSvg(512, 512, `<rect x="${20 + i * 30}" y="${40 + i * 10}" width="200" height="40" fill="#fff"/>`);
    uris.push((await uploadBytes(first.files, { project: "scans", path: `page-${i}.png`, chunks: [png] })).uri);
  }
  const run = (client: InferenceClient) => client.run({ project: "scans", model: "text", version: "", imageUris: uris, parameters: { returnMask: true } });

  // The reference: the same job, never interrupted.
  const referenceUpdates = await collect(run(first.inference));
  const referenceId = referenceUpdates[0]?.jobId ?? "";
  expect(referenceUpdates.at(-1)?.stage).toBe(JobStage.DONE);
  const reference = await results(first.files, referenceId);
  expect(reference.size).toBe(IMAGES);

  let jobId = "";
  const before: JobUpdate[] = [];
  const stream = run(first.inference);
  stream.on("error", () => undefined);
  await new Promise<void>((resolve) =>
    stream.on("data", ({ update }: { update: JobUpdate }) => {
      jobId ||= update.jobId;
      before.push(update);
      if (update.stage === JobStage.POSTPROCESS) {
        first.binary.child.kill("SIGKILL"); // the first image is stored; the others are not
        resolve();
      }
    }),
  );
  await kill(first);
  const doneBefore = new Set(before.filter((u) => u.stage === JobStage.POSTPROCESS).map((u) => u.imageIndex));
  expect(doneBefore.size).toBeGreaterThan(0);
  expect(doneBefore.size).toBeLessThan(IMAGES);

  const second = await start();
  const storedBefore = await results(second.files, jobId);
  const after = await collect(second.inference.watchJob({ jobId }));
  expect(after.at(-1)).toMatchObject({ jobId, stage: JobStage.DONE, summary: { imagesTotal: IMAGES, imagesSucceeded: IMAGES, imagesFailed: 0 } });
  // Each image processed once: nothing finished before the kill ran again, each other image once.
  const processedAfter = after.filter((u) => u.stage === JobStage.PREPROCESS).map((u) => u.imageIndex);
  expect(processedAfter.filter((i) => doneBefore.has(i))).toEqual([]);
  expect(new Set(processedAfter).size).toBe(processedAfter.length);
  const final = await results(second.files, jobId);
  expect([...final.keys()].sort()).toEqual([...reference.keys()].sort());
  for (const [image, result] of final) {
    expect(result.json).toEqual(reference.get(image)?.json);
    expect(result.mask).toBe(reference.get(image)?.mask);
  }
  // Results stored before the kill were not rewritten.
  for (const [image, result] of storedBefore) expect(final.get(image)?.modified).toBe(result.modified);
  await kill(second);
});
