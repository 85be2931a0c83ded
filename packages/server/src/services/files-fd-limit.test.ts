/**
 * Fault test: the real `inferd` binary under a low file-descriptor limit (`prlimit`). Uploads
 * are opened until the process runs out of descriptors: the calls that cannot get one end
 * RESOURCE_EXHAUSTED or UNAVAILABLE (never INTERNAL), the server keeps answering, and once
 * those clients went away everything works again. Needs `pnpm build` (pnpm test does it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { credentials, status, type ClientWritableStream, type ServiceError } from "@grpc/grpc-js";
import { FilesClient, type UploadRequest } from "@inferd/grpc-types/v1";
import { BINARY } from "../__tests__/binary";
import { createTempDir, downloadBytes, getUploadStatus, listFiles, uploadBytes } from "../__tests__/files-fixture";

/** Descriptors the process may hold: ~21 at rest here, so a few dozen uploads exhaust it. */
const FD_LIMIT = 64;
/** More uploads than the limit allows, so the limit is surely reached. */
const MOST_UPLOADS = 3 * FD_LIMIT;
const EXHAUSTED = [status.RESOURCE_EXHAUSTED, status.UNAVAILABLE];

let temp: { dir: string; cleanup: () => Promise<void> };
let child: ChildProcess | undefined;
let client: FilesClient | undefined;

afterEach(async () => {
  client?.close();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  await temp?.cleanup();
});

/** Starts the binary under `prlimit --nofile`, resolving with its address once it listens. */
function startLimited(dataDir: string, modelsDir: string): Promise<string> {
  const args = [`--nofile=${FD_LIMIT}:${FD_LIMIT}`, process.execPath, BINARY];
  args.push("--port", "0", "--http-port", "0", "--data-dir", dataDir, "--models-dir", modelsDir, "--max-open-uploads", "0", "--log-level", "warn");
  const started = spawn("prlimit", args, { stdio: ["ignore", "pipe", "pipe"] });
  child = started;
  let stdout = "";
  let stderr = "";
  started.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve, reject) => {
    started.stdout.on("data", (data: Buffer) => {
      stdout += data.toString();
      const match = /inferd listening on (\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    started.once("exit", (code) => reject(new Error(`inferd under prlimit exited (${code}) before listening: ${stderr}`)));
  });
}

interface OpenUpload {
  readonly call: ClientWritableStream<UploadRequest>;
  readonly ended: Promise<ServiceError | null>;
}

/** Opens an upload that stays open: header, one byte of ten, no end. */
function openUpload(files: FilesClient, path: string): OpenUpload {
  let call!: ClientWritableStream<UploadRequest>;
  const ended = new Promise<ServiceError | null>((resolve) => {
    call = files.upload((error) => resolve(error));
  });
  call.write({ content: { $case: "header", value: { project: "fd", path, offset: 0n, totalSize: 10n, sha256: "", restart: false } } });
  call.write({ content: { $case: "chunk", value: Buffer.from("1") } });
  return { call, ended };
}

/**
 * Resolves with undefined once the upload's byte is stored, or with the status code of the
 * first failure seen: the upload's own, or that of a GetUploadStatus asking about it.
 */
async function outcome(files: FilesClient, path: string, upload: OpenUpload): Promise<number | undefined> {
  const failed = upload.ended.then((error) => error?.code ?? status.OK);
  const stored = (async (): Promise<number | undefined> => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      try {
        if ((await getUploadStatus(files, { project: "fd", path })).storedBytes === 1n) return undefined;
      } catch (error) {
        return (error as ServiceError).code;
      }
    }
    throw new Error(`upload "${path}" neither stored its byte nor failed`);
  })();
  return Promise.race([failed, stored]);
}

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

test("at the fd limit uploads get RESOURCE_EXHAUSTED/UNAVAILABLE, not INTERNAL; after the clients leave all works again", async () => {
  temp = await createTempDir("fd-limit");
  const modelsDir = join(temp.dir, "models");
  await mkdir(modelsDir);
  const address = await startLimited(join(temp.dir, "data"), modelsDir);
  const files = new FilesClient(address, credentials.createInsecure());
  client = files;
  await uploadBytes(files, { project: "fd", path: "canary", chunks: [Buffer.from("canary")] });

  const open: OpenUpload[] = [];
  const failures: number[] = [];
  for (let i = 0; i < MOST_UPLOADS && failures.length < 3; i++) {
    const upload = openUpload(files, `open-${i}`);
    open.push(upload);
    const code = await outcome(files, `open-${i}`, upload);
    if (code !== undefined) failures.push(code);
  }
  expect(failures.length).toBeGreaterThan(0); // the limit was reached
  expect(failures.filter((code) => !EXHAUSTED.includes(code))).toEqual([]);
  // Still answering meanwhile: with the list, or with an exhaustion code (it may need a descriptor).
  const listed = await listFiles(files, { project: "fd", prefix: "canary", pageSize: 0, pageToken: "" }).then(
    (page) => page.files.length,
    (error: ServiceError) => error.code,
  );
  expect([1, ...EXHAUSTED]).toContain(listed);

  for (const upload of open) upload.call.cancel();
  await Promise.all(open.map((upload) => upload.ended));
  // The server closes the cancelled uploads' files as it sees the cancels; retry (bounded) until
  // they are closed, each refusal being one of the exhaustion codes.
  const data = Buffer.from("after the storm");
  let done: Awaited<ReturnType<typeof uploadBytes>> | undefined;
  for (let attempt = 0; attempt < 200 && !done; attempt++) {
    done = await uploadBytes(files, { project: "fd", path: "after", totalSize: BigInt(data.length), chunks: [data] }).catch((error: ServiceError) => {
      expect(EXHAUSTED).toContain(error.code);
      return undefined;
    });
  }
  expect(done).toMatchObject({ complete: true, sha256: sha(data) });
  expect((await downloadBytes(files, "inferd://fd/after")).equals(data)).toBe(true);
  expect((await downloadBytes(files, "inferd://fd/canary")).toString()).toBe("canary");
}, 60_000);
