/**
 * Fault test: the file store on a small real file system (a 2 MiB tmpfs, mounted for the
 * test: needs root, as CI runs). An upload that fills the disk ends RESOURCE_EXHAUSTED, the
 * server goes on answering, the partial upload is kept, and once space is freed the resume
 * completes a file with the right SHA-256.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { FilesClient } from "@inferd/grpc-types/v1";
import { createTestServer, type TestServer } from "@inferd/test-harness";
import { createAuthorizer } from "../auth/authorizer";
import { createTokenTable } from "../auth/token-table";
import type { FileStore } from "../files/file-store";
import { createLocalFileStore } from "../files/local-file-store";
import { silentLogger, type Logger } from "../logger";
import { noMetrics } from "../metrics/metrics";
import { createTempDir, deleteFile, downloadBytes, getUploadStatus, listFiles, uploadBytes } from "../__tests__/files-fixture";
import { createFilesService } from "./files";
import { FilesServiceDefinition } from "./files-upload-codec";

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const isRoot = process.getuid?.() === 0;
const MiB = 1024 * 1024;

let temp: { dir: string; cleanup: () => Promise<void> };
let mountPoint: string | undefined;
let store: FileStore | undefined;
let server: TestServer | undefined;
/** Errors the service logged as internal: none are expected. */
let internal: unknown[] = [];
const logger: Logger = { ...silentLogger, error: (obj) => internal.push((obj as { err?: unknown }).err ?? obj) };

afterEach(async () => {
  await store?.close();
  await server?.close();
  if (mountPoint) execFileSync("umount", [mountPoint]);
  mountPoint = undefined;
  await temp?.cleanup();
});

async function startOnTmpfs(size: string): Promise<FilesClient> {
  internal = [];
  temp = await createTempDir("disk-full");
  const mount = join(temp.dir, "mnt");
  await mkdir(mount);
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", mount]);
  mountPoint = mount;
  store = await createLocalFileStore({ root: join(mount, "files") });
  const context = {
    logger,
    dataDir: temp.dir,
    modelsDir: temp.dir,
    maxMessageBytes: 4 * MiB,
    fileStore: store,
    auth: createAuthorizer(createTokenTable([])),
    metrics: noMetrics,
  };
  server = await createTestServer({ services: [[FilesServiceDefinition, createFilesService(context) as never]] });
  return server.client(FilesClient);
}

(isRoot ? describe : describe.skip)(`disk full on a 2 MiB tmpfs${isRoot ? "" : " (SKIPPED: needs root to mount a tmpfs; CI runs as root)"}`, () => {
  test("ENOSPC → RESOURCE_EXHAUSTED; the server answers; after space is freed the resume completes with the right sha256", async () => {
    const client = await startOnTmpfs("2m");
    const filler = randomBytes(1.25 * MiB);
    await uploadBytes(client, { project: "d", path: "filler", chunks: [filler] });
    const data = randomBytes(1.5 * MiB);
    const chunks = Array.from({ length: 12 }, (_, i) => data.subarray(i * 128 * 1024, (i + 1) * 128 * 1024));
    const full = await uploadBytes(client, { project: "d", path: "big", totalSize: BigInt(data.length), sha256: sha(data), chunks }).catch(
      (error: ServiceError) => error,
    );
    expect(internal).toEqual([]);
    expect(full).toMatchObject({ code: status.RESOURCE_EXHAUSTED });

    // Still answering, with what is stored intact; the partial upload is kept.
    expect((await listFiles(client, { project: "d", prefix: "", pageSize: 0, pageToken: "" })).files.map((file) => file.path)).toEqual([
      "filler",
    ]);
    expect((await downloadBytes(client, "inferd://d/filler")).equals(filler)).toBe(true);
    const partial = await getUploadStatus(client, { project: "d", path: "big" });
    expect(partial).toMatchObject({ inProgress: true, totalSize: BigInt(data.length) });
    expect(partial.storedBytes).toBeGreaterThan(0n);
    expect(partial.storedBytes).toBeLessThan(BigInt(data.length));

    // A resume while the disk is still full is refused the same way, and keeps the bytes.
    const at = partial.storedBytes;
    const again = await uploadBytes(client, { project: "d", path: "big", offset: at, chunks: [data.subarray(Number(at))] }).catch(
      (error: ServiceError) => error,
    );
    expect(again).toMatchObject({ code: status.RESOURCE_EXHAUSTED });

    await deleteFile(client, { uri: "inferd://d/filler" });
    const resumeAt = (await getUploadStatus(client, { project: "d", path: "big" })).storedBytes;
    expect(resumeAt).toBeGreaterThanOrEqual(at);
    const done = await uploadBytes(client, { project: "d", path: "big", offset: resumeAt, chunks: [data.subarray(Number(resumeAt))] });
    expect(done).toMatchObject({ complete: true, storedBytes: BigInt(data.length), sha256: sha(data) });
    expect((await downloadBytes(client, "inferd://d/big")).equals(data)).toBe(true);
    expect(internal).toEqual([]);
  });
});
