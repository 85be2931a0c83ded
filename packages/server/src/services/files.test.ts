import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { FilesClient } from "@inferd/grpc-types/v1";
import { createTestServer, type TestServer } from "@inferd/test-harness";
import { createAuthInterceptor } from "../auth/interceptor";
import { createAuthorizer } from "../auth/authorizer";
import { createTokenTable } from "../auth/token-table";
import { createLocalFileStore } from "../files/local-file-store";
import type { FilesOptions } from "../files/options";
import { silentLogger } from "../logger";
import { noMetrics } from "../metrics/metrics";
import { createTempDir, deleteFile, downloadBytes, getUploadStatus, listFiles, uploadBytes } from "../__tests__/files-fixture";
import { createFilesService, type FilesContext } from "./files";
import { FilesServiceDefinition } from "./files-upload-codec";

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

interface Fixture {
  server: TestServer;
  client: FilesClient;
  root: string;
  cleanup(): Promise<void>;
}

interface StartOptions {
  quota?: number;
  tokens?: { token: string; projects: string[] }[];
  files?: FilesOptions;
  /** Where the store keeps its files; default a folder in the temp dir. */
  root?: string;
}

async function start(options: StartOptions = {}): Promise<Fixture> {
  const temp = await createTempDir("files");
  const root = options.root ?? join(temp.dir, "files");
  const fileStore = await createLocalFileStore({
    root,
    quotaBytesPerProject: options.quota ?? 0,
    ...(options.files?.maxOpenUploadsPerProject !== undefined ? { maxOpenUploadsPerProject: options.files.maxOpenUploadsPerProject } : {}),
  });
  const auth = createAuthorizer(createTokenTable((options.tokens ?? []).map((grant, i) => ({ ...grant, name: `t${i}` }))));
  const context: FilesContext = {
    logger: silentLogger,
    dataDir: temp.dir,
    modelsDir: temp.dir,
    maxMessageBytes: 4 * 1024 * 1024,
    fileStore,
    auth,
    metrics: noMetrics,
    files: options.files ?? {},
  };
  const server = await createTestServer({
    services: [[FilesServiceDefinition, createFilesService(context) as never]],
    interceptors: [createAuthInterceptor(auth)],
  });
  return {
    server,
    client: server.client(FilesClient),
    root,
    async cleanup() {
      await fileStore.close();
      await server.close();
      await temp.cleanup();
    },
  };
}

/**
 * Queries GetUploadStatus until the server stored some bytes of a live upload. Each query is a
 * round trip, not a sleep, and the number of queries is bounded so a stuck upload fails here.
 */
async function storedSome(client: FilesClient, at: { project: string; path: string }): Promise<Awaited<ReturnType<typeof getUploadStatus>>> {
  for (let query = 0; query < 5_000; query++) {
    const st = await getUploadStatus(client, at);
    if (st.storedBytes > 0n) return st;
  }
  throw new Error(`no bytes of ${at.project}/${at.path} were stored after 5,000 status queries`);
}

let f: Fixture;
afterEach(async () => f?.cleanup());

describe("upload, download, list, delete", () => {
  beforeEach(async () => (f = await start()));

  test("a whole upload publishes the file; download and stat return the same bytes", async () => {
    const data = randomBytes(300_000);
    const response = await uploadBytes(f.client, {
      project: "demo",
      path: "images/a.bin",
      totalSize: BigInt(data.length),
      sha256: sha(data),
      chunks: [data.subarray(0, 100_000), data.subarray(100_000)],
    });
    expect(response).toEqual({ uri: "inferd://demo/images/a.bin", storedBytes: 300_000n, complete: true, sha256: sha(data) });
    expect(await downloadBytes(f.client, response.uri)).toEqual(data);
    expect(await downloadBytes(f.client, response.uri, 299_990n)).toEqual(data.subarray(299_990));
    const status = await getUploadStatus(f.client, { project: "demo", path: "images/a.bin" });
    expect(status).toMatchObject({ storedBytes: 0n, inProgress: false, published: { size: 300_000n, sha256: sha(data) } });
  });

  test("without total_size the file is published on half-close; an empty file works", async () => {
    const response = await uploadBytes(f.client, { project: "demo", path: "empty", chunks: [] });
    expect(response).toMatchObject({ complete: true, storedBytes: 0n, sha256: sha(Buffer.alloc(0)) });
    expect(await downloadBytes(f.client, "inferd://demo/empty")).toEqual(Buffer.alloc(0));
  });

  test("ListFiles pages in path order with a prefix; DeleteFile removes", async () => {
    const names = ["b/2", "a/1", "b/1", "c", "b/3"];
    for (const name of names) await uploadBytes(f.client, { project: "p", path: name, chunks: [Buffer.from(name)] });
        const first = await listFiles(f.client, { project: "p", prefix: "b/", pageSize: 2, pageToken: "" });
    expect(first.files.map((file) => file.path)).toEqual(["b/1", "b/2"]);
    const second = await listFiles(f.client, { project: "p", prefix: "b/", pageSize: 2, pageToken: first.nextPageToken });
    expect(second.files.map((file) => file.path)).toEqual(["b/3"]);
    expect(second.nextPageToken).toBe("");
    const all = await listFiles(f.client, { project: "p", prefix: "", pageSize: 0, pageToken: "" });
    expect(all.files.map((file) => file.uri)).toEqual(["a/1", "b/1", "b/2", "b/3", "c"].map((p) => `inferd://p/${p}`));
    expect(await deleteFile(f.client, { uri: "inferd://p/c" })).toEqual({ deleted: true, discardedPartial: false });
    await expect(downloadBytes(f.client, "inferd://p/c")).rejects.toMatchObject({ code: status.NOT_FOUND });
    await expect(deleteFile(f.client, { uri: "inferd://p/c" })).rejects.toMatchObject({ code: status.NOT_FOUND });
  });
});

describe("resumable uploads", () => {
  beforeEach(async () => (f = await start()));
  const data = randomBytes(2_000_000);
  const chunks = Array.from({ length: 20 }, (_, i) => data.subarray(i * 100_000, (i + 1) * 100_000));

  test("a cancelled upload keeps its bytes, unpublished; the resume completes a byte-identical file", async () => {
    await uploadBytes(f.client, { project: "r", path: "big.bin", chunks: [Buffer.from("old version")] });
    const call = f.client.upload(() => undefined);
    call.write({ content: { $case: "header", value: { project: "r", path: "big.bin", offset: 0n, totalSize: 2_000_000n, sha256: sha(data), restart: false } } });
    for (const chunk of chunks.slice(0, 7)) call.write({ content: { $case: "chunk", value: chunk } });
    // Wait until the server stored some bytes, then cancel mid-stream.
    let st = await storedSome(f.client, { project: "r", path: "big.bin" });
    call.cancel();
    await f.server.settled();
    st = await getUploadStatus(f.client, { project: "r", path: "big.bin" });
    expect(st.inProgress).toBe(true);
    expect(st.totalSize).toBe(2_000_000n);
    expect(st.storedBytes).toBeGreaterThan(0n);
    expect(st.storedBytes).toBeLessThan(2_000_000n);
    // The old file is still the published one.
    expect(st.published?.size).toBe(11n);
    expect((await downloadBytes(f.client, "inferd://r/big.bin")).toString()).toBe("old version");

    // A wrong offset is refused and names the resume point.
    const wrong = await uploadBytes(f.client, { project: "r", path: "big.bin", offset: 0n, chunks: [] }).catch((e: ServiceError) => e);
    expect((wrong as ServiceError).code).toBe(status.FAILED_PRECONDITION);
    expect((wrong as ServiceError).details).toContain(`resume from ${st.storedBytes}`);

    const at = Number(st.storedBytes);
    const done = await uploadBytes(f.client, { project: "r", path: "big.bin", offset: st.storedBytes, chunks: [data.subarray(at)] });
    expect(done).toMatchObject({ complete: true, storedBytes: 2_000_000n, sha256: sha(data) });
    expect((await downloadBytes(f.client, "inferd://r/big.bin")).equals(data)).toBe(true);
    const after = await getUploadStatus(f.client, { project: "r", path: "big.bin" });
    expect(after.inProgress).toBe(false);
  });

  test("a sha256 mismatch answers DATA_LOSS and publishes nothing", async () => {
    const error = await uploadBytes(f.client, { project: "r", path: "x", totalSize: 4n, sha256: sha(Buffer.from("abcd")), chunks: [Buffer.from("abce")] }).catch(
      (e: ServiceError) => e,
    );
    expect((error as ServiceError).code).toBe(status.DATA_LOSS);
    const after = await getUploadStatus(f.client, { project: "r", path: "x" });
    expect(after).toMatchObject({ inProgress: false, storedBytes: 0n, published: undefined });
  });

  test("an upload that ends short of total_size stays partial, and is not listed", async () => {
    const partial = await uploadBytes(f.client, { project: "r", path: "half", totalSize: 10n, chunks: [Buffer.from("12345")] });
    expect(partial).toMatchObject({ complete: false, storedBytes: 5n, sha256: "" });
    const list = await listFiles(f.client, { project: "r", prefix: "", pageSize: 0, pageToken: "" });
    expect(list.files).toEqual([]);
    await expect(downloadBytes(f.client, "inferd://r/half")).rejects.toMatchObject({ code: status.NOT_FOUND });
    const done = await uploadBytes(f.client, { project: "r", path: "half", offset: 5n, chunks: [Buffer.from("67890")] });
    expect(done.complete).toBe(true);
    expect((await downloadBytes(f.client, "inferd://r/half")).toString()).toBe("1234567890");
  });

  test("DeleteFile discards a partial upload", async () => {
    await uploadBytes(f.client, { project: "r", path: "p", totalSize: 10n, chunks: [Buffer.from("12")] });
    expect(await deleteFile(f.client, { uri: "inferd://r/p" })).toEqual({ deleted: false, discardedPartial: true });
    expect((await getUploadStatus(f.client, { project: "r", path: "p" })).inProgress).toBe(false);
  });
});

describe("replacing a stale partial upload (restart)", () => {
  beforeEach(async () => (f = await start()));
  const stale = randomBytes(1000);
  const fresh = randomBytes(600);
  const at = { project: "s", path: "doc.bin" };
  /** Publishes "v1", then leaves 400 bytes of `stale` as an unfinished upload declaring its sha256. */
  async function publishedWithStalePartial(): Promise<void> {
    await uploadBytes(f.client, { ...at, chunks: [Buffer.from("v1")] });
    await uploadBytes(f.client, { ...at, totalSize: 1000n, sha256: sha(stale), chunks: [stale.subarray(0, 400)] });
  }

  test("restart discards the partial; the published file stays until the new upload completes", async () => {
    await publishedWithStalePartial();
    const half = await uploadBytes(f.client, { ...at, restart: true, totalSize: 600n, sha256: sha(fresh), chunks: [fresh.subarray(0, 250)] });
    expect(half).toMatchObject({ complete: false, storedBytes: 250n });
    const between = await getUploadStatus(f.client, at);
    expect(between).toMatchObject({ inProgress: true, storedBytes: 250n, totalSize: 600n, published: { size: 2n } });
    expect((await downloadBytes(f.client, "inferd://s/doc.bin")).toString()).toBe("v1");
    const done = await uploadBytes(f.client, { ...at, offset: 250n, totalSize: 600n, sha256: sha(fresh), chunks: [fresh.subarray(250)] });
    expect(done).toMatchObject({ complete: true, storedBytes: 600n, sha256: sha(fresh) });
    expect((await downloadBytes(f.client, "inferd://s/doc.bin")).equals(fresh)).toBe(true);
    expect(await getUploadStatus(f.client, at)).toMatchObject({ inProgress: false, storedBytes: 0n });
  });

  test("restart with an offset other than 0 is INVALID_ARGUMENT and keeps the partial", async () => {
    await publishedWithStalePartial();
    await expect(uploadBytes(f.client, { ...at, restart: true, offset: 400n, chunks: [] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    expect(await getUploadStatus(f.client, at)).toMatchObject({ inProgress: true, storedBytes: 400n, totalSize: 1000n });
  });

  test("restart with nothing unfinished is a plain new upload", async () => {
    const done = await uploadBytes(f.client, { ...at, restart: true, chunks: [fresh] });
    expect(done).toMatchObject({ complete: true, storedBytes: 600n, sha256: sha(fresh) });
  });

  test("a resume declaring another sha256 or total_size is FAILED_PRECONDITION; the partial stays", async () => {
    await publishedWithStalePartial();
    const otherSha = uploadBytes(f.client, { ...at, offset: 400n, totalSize: 1000n, sha256: sha(fresh), chunks: [stale.subarray(400)] });
    await expect(otherSha).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    const otherSize = uploadBytes(f.client, { ...at, offset: 400n, totalSize: 999n, chunks: [stale.subarray(400, 999)] });
    await expect(otherSize).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(await getUploadStatus(f.client, at)).toMatchObject({ inProgress: true, storedBytes: 400n, totalSize: 1000n });
    // The same declaration (or none) resumes.
    const done = await uploadBytes(f.client, { ...at, offset: 400n, totalSize: 1000n, sha256: sha(stale), chunks: [stale.subarray(400)] });
    expect(done).toMatchObject({ complete: true, sha256: sha(stale) });
  });

  test("restart supersedes a live Upload of the path, which ends ABORTED", async () => {
    let live!: ReturnType<FilesClient["upload"]>;
    const liveEnded = new Promise<ServiceError | null>((resolve) => {
      live = f.client.upload((error) => resolve(error));
    });
    live.write({ content: { $case: "header", value: { ...at, offset: 0n, totalSize: 1000n, sha256: sha(stale), restart: false } } });
    live.write({ content: { $case: "chunk", value: stale.subarray(0, 300) } });
    await storedSome(f.client, at);
    const done = await uploadBytes(f.client, { ...at, restart: true, chunks: [fresh] });
    expect(done).toMatchObject({ complete: true, storedBytes: 600n, sha256: sha(fresh) });
    expect(await liveEnded).toMatchObject({ code: status.ABORTED });
    live.end();
    expect((await downloadBytes(f.client, "inferd://s/doc.bin")).equals(fresh)).toBe(true);
  });
});

describe("quota", () => {
  beforeEach(async () => (f = await start({ quota: 1000 })));

  test("a declared size over the quota, or a chunk past it, answers RESOURCE_EXHAUSTED", async () => {
    await expect(uploadBytes(f.client, { project: "q", path: "big", totalSize: 1001n, chunks: [] })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    await uploadBytes(f.client, { project: "q", path: "a", chunks: [Buffer.alloc(600)] });
    await expect(uploadBytes(f.client, { project: "q", path: "b", chunks: [Buffer.alloc(500)] })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    // Another project has its own quota; deleting frees space.
    await uploadBytes(f.client, { project: "other", path: "b", chunks: [Buffer.alloc(500)] });
    await deleteFile(f.client, { uri: "inferd://q/a" });
    await deleteFile(f.client, { uri: "inferd://q/b" }).catch(() => undefined);
    await uploadBytes(f.client, { project: "q", path: "b", chunks: [Buffer.alloc(900)] });
  });

  test("a restart gives back the discarded partial's bytes before counting the new ones", async () => {
    await uploadBytes(f.client, { project: "q", path: "r", totalSize: 1000n, chunks: [Buffer.alloc(600)] });
    const done = await uploadBytes(f.client, { project: "q", path: "r", restart: true, chunks: [Buffer.alloc(900)] });
    expect(done).toMatchObject({ complete: true, storedBytes: 900n });
  });
});

describe("confinement", () => {
  beforeEach(async () => (f = await start()));

  test("a symbolic link leading out of the project is refused, and nothing leaks the server path", async () => {
    const outside = join(f.root, "..", "outside");
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, "secret"), "secret");
    await mkdir(join(f.root, "s", "data"), { recursive: true });
    await symlink(outside, join(f.root, "s", "data", "link"));
    const read = await downloadBytes(f.client, "inferd://s/link/secret").catch((e: ServiceError) => e);
    expect((read as ServiceError).code).toBe(status.PERMISSION_DENIED);
    expect((read as ServiceError).details).not.toContain(f.root);
    const write = await uploadBytes(f.client, { project: "s", path: "link/new", chunks: [Buffer.from("x")] }).catch((e: ServiceError) => e);
    expect((write as ServiceError).code).toBe(status.PERMISSION_DENIED);
    expect(await readdir(outside)).toEqual(["secret"]);
    const list = await listFiles(f.client, { project: "s", prefix: "", pageSize: 0, pageToken: "" });
    expect(list.files).toEqual([]);
  });
});

describe("auth per project", () => {
  const alpha = "alpha-token-0123456789";
  const admin = "admin-token-0123456789";
  beforeEach(async () => (f = await start({ tokens: [{ token: alpha, projects: ["alpha"] }, { token: admin, projects: ["*"] }] })));
  const bearer = (token: string): Metadata => {
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    return metadata;
  };

  test("no token: UNAUTHENTICATED; a wrong token: UNAUTHENTICATED; another project: PERMISSION_DENIED", async () => {
    await expect(uploadBytes(f.client, { project: "alpha", path: "a", chunks: [] })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(uploadBytes(f.client, { project: "alpha", path: "a", chunks: [], metadata: bearer("nope-nope-nope-nope") })).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    await expect(uploadBytes(f.client, { project: "beta", path: "a", chunks: [], metadata: bearer(alpha) })).rejects.toMatchObject({
      code: status.PERMISSION_DENIED,
    });
    await expect(downloadBytes(f.client, "inferd://beta/a", 0n, bearer(alpha))).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await uploadBytes(f.client, { project: "alpha", path: "a", chunks: [Buffer.from("ok")], metadata: bearer(alpha) })).toMatchObject({
      complete: true,
    });
    expect(await uploadBytes(f.client, { project: "beta", path: "a", chunks: [Buffer.from("ok")], metadata: bearer(admin) })).toMatchObject({
      complete: true,
    });
  });
});

describe("an invalid Upload while another Upload of the path is live", () => {
  beforeEach(async () => (f = await start()));
  const data = randomBytes(1000);
  const at = { project: "v", path: "live.bin" };

  test("a header-only Upload with a wrong offset is refused and the live one completes", async () => {
    let live!: ReturnType<FilesClient["upload"]>;
    const liveEnded = new Promise<{ error: ServiceError | null; response?: { complete: boolean; sha256: string } }>((resolve) => {
      live = f.client.upload((error, response) => resolve({ error, response }));
    });
    live.write({ content: { $case: "header", value: { ...at, offset: 0n, totalSize: 1000n, sha256: sha(data), restart: false } } });
    live.write({ content: { $case: "chunk", value: data.subarray(0, 300) } });
    let st = await getUploadStatus(f.client, at);
    while (st.storedBytes === 0n) st = await getUploadStatus(f.client, at);
    await expect(uploadBytes(f.client, { ...at, offset: 999n, chunks: [] })).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    live.write({ content: { $case: "chunk", value: data.subarray(300) } });
    live.end();
    expect(await liveEnded).toMatchObject({ error: null, response: { complete: true, sha256: sha(data) } });
    expect((await downloadBytes(f.client, "inferd://v/live.bin")).equals(data)).toBe(true);
  });
});

describe("upload limits", () => {
  test("an Upload that sends nothing is closed after the idle timeout (DEADLINE_EXCEEDED), its bytes kept", async () => {
    f = await start({ files: { uploadIdleTimeoutMs: 300 } });
    const quiet = new Promise<ServiceError | null>((resolve) => {
      const call = f.client.upload((error) => resolve(error));
      call.write({ content: { $case: "header", value: { project: "i", path: "idle", offset: 0n, totalSize: 10n, sha256: "", restart: false } } });
      call.write({ content: { $case: "chunk", value: Buffer.from("12345") } });
    });
    expect(await quiet).toMatchObject({ code: status.DEADLINE_EXCEEDED });
    expect(await getUploadStatus(f.client, { project: "i", path: "idle" })).toMatchObject({ inProgress: true, storedBytes: 5n });
    const done = await uploadBytes(f.client, { project: "i", path: "idle", offset: 5n, chunks: [Buffer.from("67890")] });
    expect(done).toMatchObject({ complete: true, storedBytes: 10n });
  });

  test("a client that sends no header at all is closed too", async () => {
    f = await start({ files: { uploadIdleTimeoutMs: 300 } });
    const silent = new Promise<ServiceError | null>((resolve) => {
      f.client.upload((error) => resolve(error));
    });
    expect(await silent).toMatchObject({ code: status.DEADLINE_EXCEEDED });
  });

  test("over the per-project cap of open uploads: RESOURCE_EXHAUSTED; a closed one frees its slot", async () => {
    f = await start({ files: { maxOpenUploadsPerProject: 2 } });
    const open = (path: string): { call: ReturnType<FilesClient["upload"]>; ended: Promise<ServiceError | null> } => {
      let call!: ReturnType<FilesClient["upload"]>;
      const ended = new Promise<ServiceError | null>((resolve) => {
        call = f.client.upload((error) => resolve(error));
      });
      call.write({ content: { $case: "header", value: { project: "c", path, offset: 0n, totalSize: 10n, sha256: "", restart: false } } });
      call.write({ content: { $case: "chunk", value: Buffer.from("1") } });
      return { call, ended };
    };
    const opened = [open("a"), open("b")];
    for (const path of ["a", "b"]) {
      let st = await getUploadStatus(f.client, { project: "c", path });
      while (st.storedBytes === 0n) st = await getUploadStatus(f.client, { project: "c", path });
    }
    await expect(uploadBytes(f.client, { project: "c", path: "third", chunks: [Buffer.from("x")] })).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
    });
    // Another project is not affected.
    await uploadBytes(f.client, { project: "other", path: "third", chunks: [Buffer.from("x")] });
    const first = opened[0]!;
    first.call.write({ content: { $case: "chunk", value: Buffer.from("234567890") } });
    first.call.end();
    expect(await first.ended).toBeNull();
    expect(await uploadBytes(f.client, { project: "c", path: "third", chunks: [Buffer.from("x")] })).toMatchObject({ complete: true });
    opened[1]!.call.cancel();
  });
});
