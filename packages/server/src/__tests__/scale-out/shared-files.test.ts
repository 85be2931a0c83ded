import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { JobStage, type FilesClient, type InferenceClient, type JobUpdate, type UploadResponse } from "@inferd/grpc-types/v1";
import { createTempDir, deleteFile, downloadBytes, getUploadStatus, listFiles, uploadBytes } from "../files-fixture";
import { renderSvg } from "../../inference/__tests__/images";
import { textDetectorModel, writeModel } from "../../models/__tests__/tiny-models";
import { startReplica, type Replica, type ReplicaSet } from "./replicas";

// Replicas as separate processes (the real binary), each with its own --data-dir, all on one
// --shared-files-dir: an upload cut off on one resumes on another, listings agree, a job on
// one reads what another stored, and racing uploads of one path never corrupt it.
jest.setTimeout(180_000);

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

let temp: { dir: string; cleanup: () => Promise<void> };
let set: ReplicaSet;
const replicas: Replica[] = [];
beforeAll(async () => {
  temp = await createTempDir("shared-files");
  set = { root: temp.dir, sharedFiles: join(temp.dir, "shared-files"), models: join(temp.dir, "models") };
  await writeModel(set.models, "text", { task: "text-detection", input: { resize: "fit", max_side: 512, scale: 1 / 255 } }, textDetectorModel());
});
afterAll(async () => {
  await Promise.all(replicas.splice(0).map((replica) => replica.kill()));
  await temp.cleanup();
});

async function replica(name: string): Promise<Replica> {
  const started = await startReplica(set, name);
  replicas.push(started);
  return started;
}

const paths = async (files: FilesClient, project: string, prefix = ""): Promise<string[]> =>
  (await listFiles(files, { project, prefix, pageSize: 1000, pageToken: "" })).files.map((file) => file.path);

test("an upload cut off by a SIGKILLed replica resumes on another from the stored byte; a third serves the whole file", async () => {
  const [a, b, c] = await Promise.all([replica("a"), replica("b"), replica("c")]);
  const content = randomBytes(3 * 1024 * 1024 + 17);
  const half = 1536 * 1024;
  const header = { project: "up", path: "scans/big.bin", totalSize: BigInt(content.length), sha256: sha(content) };
  const first = await uploadBytes(a.files, { ...header, chunks: [content.subarray(0, half)] });
  expect(first).toMatchObject({ storedBytes: BigInt(half), complete: false });
  await a.kill();

  const status = await getUploadStatus(b.files, { project: "up", path: "scans/big.bin" });
  expect(status).toMatchObject({ storedBytes: BigInt(half), totalSize: BigInt(content.length), inProgress: true });
  const done = await uploadBytes(b.files, { ...header, offset: BigInt(half), chunks: [content.subarray(half)] });
  expect(done).toMatchObject({ complete: true, sha256: sha(content) });
  expect((await downloadBytes(c.files, done.uri)).equals(content)).toBe(true);
  await Promise.all([b.kill(), c.kill()]);
});

test("ListFiles on one replica follows uploads and deletes made on another after its listing was cached", async () => {
  const [b, c] = await Promise.all([replica("b2"), replica("c2")]);
  await uploadBytes(b.files, { project: "ls", path: "a.txt", chunks: [Buffer.from("a")] });
  expect(await paths(c.files, "ls")).toEqual(["a.txt"]); // c's index of the project is built here
  await uploadBytes(b.files, { project: "ls", path: "b.txt", chunks: [Buffer.from("b")] });
  expect(await paths(c.files, "ls")).toEqual(["a.txt", "b.txt"]);
  await deleteFile(b.files, { uri: "inferd://ls/a.txt" });
  expect(await paths(c.files, "ls")).toEqual(["b.txt"]);
  await Promise.all([b.kill(), c.kill()]);
});

function run(inference: InferenceClient, uris: string[]): Promise<JobUpdate[]> {
  return new Promise((resolve, reject) => {
    const updates: JobUpdate[] = [];
    const stream = inference.run({ project: "jobs", model: "text", version: "", imageUris: uris, parameters: { returnMask: true } });
    stream.on("data", (message: { update?: JobUpdate }) => message.update && updates.push(message.update));
    stream.on("error", reject);
    stream.on("end", () => resolve(updates));
  });
}

test("a job on one replica reads images stored through another, and its results are listed on the first", async () => {
  const [b, c] = await Promise.all([replica("b3"), replica("c3")]);
  const uris: string[] = [];
  for (let i = 0; i < 3; i++) {
    const png = await renderSvg(256, 256, `<rect x="${20 + i * 30}" y="60" width="150" height="30" fill="#fff"/>`);
    uris.push((await uploadBytes(b.files, { project: "jobs", path: `page-${i}.png`, chunks: [png] })).uri);
  }
  expect(await paths(c.files, "jobs")).toHaveLength(3); // c's index is built before the job writes
  const updates = await run(c.inference, uris);
  const last = updates.at(-1);
  expect(last).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: 3, imagesSucceeded: 3, imagesFailed: 0 } });
  const results = await paths(b.files, "jobs", `results/${last?.jobId ?? ""}/`);
  expect(results.filter((path) => path.endsWith(".json"))).toHaveLength(3);
  await Promise.all([b.kill(), c.kill()]);
});

test("two replicas uploading one path at once, round after round, publish one whole upload each time, never a mix", async () => {
  const [b, c] = await Promise.all([replica("b4"), replica("c4")]);
  const upload = (files: FilesClient, content: Buffer): Promise<UploadResponse | ServiceError> =>
    uploadBytes(files, {
      project: "race",
      path: "same.bin",
      restart: true,
      totalSize: BigInt(content.length),
      sha256: sha(content),
      chunks: Array.from({ length: 16 }, (_, i) => content.subarray(i * 65_536, (i + 1) * 65_536)),
    }).catch((error: ServiceError) => error);
  let published = 0;
  for (let round = 0; round < 6; round++) {
    await deleteFile(b.files, { uri: "inferd://race/same.bin" }).catch(() => undefined); // last round's file
    const contents = [randomBytes(1 << 20), randomBytes(1 << 20)] as const;
    const outcomes = await Promise.all([upload(b.files, contents[0]), upload(c.files, contents[1])]);
    for (const outcome of outcomes) {
      // A call that lost the race ends ABORTED (taken over) or FAILED_PRECONDITION, never INTERNAL/DATA_LOSS.
      if ("code" in outcome) expect([status.ABORTED, status.FAILED_PRECONDITION]).toContain(outcome.code);
    }
    let stored: Buffer;
    try {
      stored = await downloadBytes(b.files, "inferd://race/same.bin");
    } catch {
      continue; // neither finished this round (each took the other over): nothing was published
    }
    const listed = (await listFiles(c.files, { project: "race", prefix: "", pageSize: 10, pageToken: "" })).files[0];
    expect(contents.some((content) => content.equals(stored))).toBe(true);
    expect(listed?.sha256).toBe(sha(stored));
    published++;
  }
  expect(published).toBeGreaterThan(0);
  await Promise.all([b.kill(), c.kill()]);
});
