import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { createCuttingProxy } from "./__tests__/helpers/cutting-proxy";
import { startServer, type ServerFixture } from "./__tests__/helpers/server";
import { createInferdClient, type InferdClient } from "./client";

const noWait = { sleep: async () => undefined, random: () => 0 };
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
let fixture: ServerFixture;
let client: InferdClient;
const data = randomBytes(3 * 1024 * 1024 + 17);
let dir = "";
let counter = 0;

beforeAll(async () => {
  fixture = await startServer();
  client = createInferdClient({ address: fixture.address });
  await client.upload(data, { project: "dl", path: "images/big.bin" });
});

beforeEach(async () => {
  counter += 1;
  dir = join(fixture.scratch, `case-${counter}`);
  await mkdir(dir);
});

afterAll(async () => {
  client.close();
  await fixture.close();
});

test("downloads into a folder under the file's own name, with progress", async () => {
  const seen: bigint[] = [];
  const result = await client.download("inferd://dl/images/big.bin", dir, { onProgress: (p) => seen.push(p.transferred) });
  expect(result).toMatchObject({ path: join(dir, "big.bin"), size: BigInt(data.length), sha256: sha256(data), resumedFrom: 0n });
  expect(sha256(await readFile(result.path))).toBe(sha256(data));
  expect(seen.at(-1)).toBe(BigInt(data.length));
  expect(await readdir(dir)).toEqual(["big.bin"]);
});

test("continues from an existing <dest>.part", async () => {
  const dest = join(dir, "copy.bin");
  await writeFile(`${dest}.part`, data.subarray(0, 1_000_000));
  const resumed: bigint[] = [];
  const result = await client.download("inferd://dl/images/big.bin", dest, { onResume: (offset) => resumed.push(offset) });
  expect(resumed).toEqual([1_000_000n]);
  expect(result.resumedFrom).toBe(1_000_000n);
  expect(sha256(await readFile(dest))).toBe(sha256(data));
  expect(await readdir(dir)).toEqual(["copy.bin"]);
});

test("a stale .part of other content is detected by sha256 and fetched again", async () => {
  const dest = join(dir, "stale.bin");
  await writeFile(`${dest}.part`, randomBytes(500_000));
  const result = await client.download("inferd://dl/images/big.bin", dest, { retry: noWait });
  expect(result.sha256).toBe(sha256(data));
  expect(sha256(await readFile(dest))).toBe(sha256(data));
});

test("a .part longer than the file is discarded", async () => {
  const dest = join(dir, "long.bin");
  await writeFile(`${dest}.part`, randomBytes(data.length + 10));
  const result = await client.download("inferd://dl/images/big.bin", dest);
  expect(result.resumedFrom).toBe(0n);
  expect(sha256(await readFile(dest))).toBe(sha256(data));
});

test("retries a broken connection and continues where it stopped", async () => {
  const proxy = await createCuttingProxy(fixture.address, { downstream: 1024 * 1024 });
  const viaProxy = createInferdClient({ address: proxy.address });
  try {
    const dest = join(dir, "flaky.bin");
    const result = await viaProxy.download("inferd://dl/images/big.bin", dest, { retry: noWait });
    expect(proxy.cut).toBe(true);
    expect(result.retries).toBeGreaterThanOrEqual(1);
    expect(sha256(await readFile(dest))).toBe(sha256(data));
    expect(proxy.downstreamBytes).toBeLessThan(1.5 * data.length);
  } finally {
    viaProxy.close();
    await proxy.close();
  }
});

test("a missing file is NOT_FOUND and leaves nothing behind", async () => {
  await expect(client.download("inferd://dl/nope.bin", dir)).rejects.toMatchObject({ code: status.NOT_FOUND });
  expect(await readdir(dir)).toEqual([]);
});

test("a malformed URI is INVALID_ARGUMENT", async () => {
  await expect(client.download("dl/images/big.bin", dir)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
});
