import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { credentials, status } from "@grpc/grpc-js";
import { FilesClient, type GetUploadStatusResponse as UploadStatus, type UploadResponse } from "@inferd/grpc-types/v1";
import { createCuttingProxy } from "./__tests__/helpers/cutting-proxy";
import { startServer, type ServerFixture } from "./__tests__/helpers/server";
import { createInferdClient, type InferdClient } from "./client";
import { InferdClientError } from "./errors";

const noWait = { sleep: async () => undefined, random: () => 0 };
let fixture: ServerFixture;
let client: InferdClient;
let raw: FilesClient;

beforeAll(async () => {
  fixture = await startServer();
  client = createInferdClient({ address: fixture.address });
  raw = new FilesClient(fixture.address, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  raw.close();
  await fixture.close();
});

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/** Stores the first `bytes` of `data` as an unfinished upload (declaring the full size, and `sha` if given). */
function storePartial(project: string, path: string, data: Buffer, bytes: number, sha = ""): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    const call = raw.upload((error, response) => (error ? reject(error) : resolve(response)));
    call.write({ content: { $case: "header", value: { project, path, offset: 0n, totalSize: BigInt(data.length), sha256: sha, restart: false } } });
    call.write({ content: { $case: "chunk", value: data.subarray(0, bytes) } });
    call.end();
  });
}

test("uploads a file from a path with its size and sha256, and the server lists it", async () => {
  const data = randomBytes(700_000);
  const file = join(fixture.scratch, "fresh.bin");
  await writeFile(file, data);
  const progress: bigint[] = [];
  const result = await client.upload(file, { project: "lib", path: "a/fresh.bin", onProgress: (p) => progress.push(p.transferred) });
  expect(result).toMatchObject({ uri: "inferd://lib/a/fresh.bin", size: 700_000n, sha256: sha256(data), resumedFrom: 0n, unchanged: false, retries: 0 });
  expect(progress.at(-1)).toBe(700_000n);
  const [info] = await client.listAllFiles({ project: "lib", prefix: "a/fresh" });
  expect(info).toMatchObject({ path: "a/fresh.bin", size: 700_000n, sha256: sha256(data) });
});

test("continues an unfinished upload from the bytes the server stored", async () => {
  const data = randomBytes(600_000);
  const partial = await storePartial("lib", "resume.bin", data, 250_000);
  expect(partial).toMatchObject({ complete: false, storedBytes: 250_000n });
  const resumes: bigint[] = [];
  const result = await client.upload(data, { project: "lib", path: "resume.bin", onResume: (offset) => resumes.push(offset) });
  expect(resumes).toEqual([250_000n]);
  expect(result).toMatchObject({ resumedFrom: 250_000n, sentBytes: 350_000n, sha256: sha256(data), unchanged: false });
});

test("sends nothing when the same content is already published", async () => {
  const data = randomBytes(10_000);
  await client.upload(data, { project: "lib", path: "same.bin" });
  const again = await client.upload(Readable.from([data.subarray(0, 4000), data.subarray(4000)]), { project: "lib", path: "same.bin" });
  expect(again).toMatchObject({ unchanged: true, sentBytes: 0n, sha256: sha256(data) });
});

test("starts afresh once when the stored part came from different content (DATA_LOSS)", async () => {
  const other = randomBytes(300_000);
  const data = randomBytes(300_000);
  await storePartial("lib", "swap.bin", other, 100_000);
  const result = await client.upload(data, { project: "lib", path: "swap.bin", retry: noWait });
  expect(result).toMatchObject({ resumedFrom: 100_000n, sentBytes: 200_000n + 300_000n, sha256: sha256(data) });
  const [info] = await client.listAllFiles({ project: "lib", prefix: "swap.bin" });
  expect(info?.sha256).toBe(sha256(data));
});

test("replaces a stale partial of another size", async () => {
  const data = randomBytes(40_000);
  await client.upload(Buffer.from("v1"), { project: "lib", path: "other-size.bin" });
  await storePartial("lib", "other-size.bin", randomBytes(50_000), 10_000);
  const retried = jest.fn();
  const result = await client.upload(data, { project: "lib", path: "other-size.bin", onRetry: retried });
  expect(result).toMatchObject({ resumedFrom: 0n, sentBytes: 40_000n, size: 40_000n, sha256: sha256(data), unchanged: false });
  expect(retried).not.toHaveBeenCalled();
  const [info] = await client.listAllFiles({ project: "lib", prefix: "other-size.bin" });
  expect(info).toMatchObject({ size: 40_000n, sha256: sha256(data) });
});

test("replaces a stale partial of the same size that declared another sha256", async () => {
  const data = randomBytes(300_000);
  const other = randomBytes(300_000);
  await storePartial("lib", "other-sha.bin", other, 100_000, sha256(other));
  const retries: number[] = [];
  const result = await client.upload(data, { project: "lib", path: "other-sha.bin", retry: noWait, onRetry: (e) => retries.push(e.error.code) });
  // The resume at 100,000 is refused (FAILED_PRECONDITION); the next call restarts from 0.
  expect(retries).toEqual([status.FAILED_PRECONDITION]);
  expect(result).toMatchObject({ resumedFrom: 100_000n, sha256: sha256(data), unchanged: false });
  expect(result.sentBytes).toBeGreaterThanOrEqual(300_000n);
  const [info] = await client.listAllFiles({ project: "lib", prefix: "other-sha.bin" });
  expect(info).toMatchObject({ size: 300_000n, sha256: sha256(data) });
});

test("retries a broken connection with backoff and continues from the stored bytes", async () => {
  const data = randomBytes(4 * 1024 * 1024);
  // The cut waits until the server stored at least 1 MiB, so a resume must send less than the
  // whole file again (on a loaded machine the server may not have read any bytes yet).
  const storedAtLeast = async (bytes: bigint): Promise<void> => {
    for (let attempt = 0; attempt < 500; attempt++) {
      const status = await new Promise<UploadStatus>((resolve, reject) =>
        raw.getUploadStatus({ project: "lib", path: "flaky.bin" }, (error, response) => (error ? reject(error) : resolve(response))),
      );
      if (status.storedBytes >= bytes) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the server never stored ${bytes} bytes of flaky.bin`);
  };
  const proxy = await createCuttingProxy(fixture.address, { upstream: 2 * 1024 * 1024, holdUntil: () => storedAtLeast(1024n * 1024n) });
  const viaProxy = createInferdClient({ address: proxy.address });
  const retries: number[] = [];
  try {
    const result = await viaProxy.upload(data, {
      project: "lib",
      path: "flaky.bin",
      retry: noWait,
      onRetry: (event) => retries.push(event.error.code),
    });
    expect(proxy.cut).toBe(true);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(result.retries).toBe(retries.length);
    expect(result.sha256).toBe(sha256(data));
    // Resumed, not restarted: a restart re-sends the whole file (2x in all); a resume re-sends
    // only what had not reached the store when the connection broke. (Bytes can cross the
    // proxy and still be lost in socket and HTTP/2 buffers, so the proxy count is no measure.)
    expect(result.sentBytes).toBeGreaterThanOrEqual(BigInt(data.length));
    expect(result.sentBytes).toBeLessThan(2n * BigInt(data.length));
  } finally {
    viaProxy.close();
    await proxy.close();
  }
});

test("rejects a bad project with INVALID_ARGUMENT and no retry", async () => {
  const retried = jest.fn();
  const error = await client.upload(randomBytes(10), { project: "../x", path: "a.bin", onRetry: retried }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InferdClientError);
  expect(error).toMatchObject({ code: status.INVALID_ARGUMENT, codeName: "INVALID_ARGUMENT" });
  expect(retried).not.toHaveBeenCalled();
});

test("a missing local file is INVALID_ARGUMENT before any call", async () => {
  await expect(client.upload(join(fixture.scratch, "missing.png"), { project: "lib", path: "m.png" })).rejects.toMatchObject({
    code: status.INVALID_ARGUMENT,
  });
});
