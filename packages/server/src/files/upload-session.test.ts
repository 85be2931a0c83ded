import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { InferdError } from "../errors";
import { createTempDir } from "../__tests__/files-fixture";
import type { FileStore } from "./file-store";
import { createLocalFileStore } from "./local-file-store";

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

let temp: { dir: string; cleanup: () => Promise<void> };
let store: FileStore;
beforeEach(async () => {
  temp = await createTempDir("session");
  store = await createLocalFileStore({ root: join(temp.dir, "files") });
});
afterEach(async () => {
  await store.close();
  await temp.cleanup();
});

describe("an upload session's batched writes", () => {
  const data = randomBytes(3000);
  const [a, b, c] = [data.subarray(0, 1000), data.subarray(1000, 2000), data.subarray(2000)];

  test("one batch of several chunks is stored in order and published with the SHA-256 of the whole", async () => {
    const session = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 3000n, sha256: sha(data) });
    expect(await session.write([a, b, c])).toEqual({ uri: "inferd://p/f", storedBytes: 3000n, complete: true, sha256: sha(data) });
    expect((await store.readFile("p", "f")).equals(data)).toBe(true);
  });

  test("chunks that fit the declared size are stored before one that goes past is refused", async () => {
    const session = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 2500n });
    await expect(session.write([a, b, c])).rejects.toMatchObject({ kind: "invalid-argument" });
    await session.abort();
    expect(await store.uploadStatus("p", "f")).toMatchObject({ inProgress: true, storedBytes: 2000n, totalSize: 2500n });
  });

  test("a batch that completes the file publishes it, and its extra chunks are refused", async () => {
    const session = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 2000n });
    const refused = await session.write([a, b, c]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InferdError);
    expect(refused).toMatchObject({ kind: "invalid-argument" });
    expect((await store.stat("p", "f"))?.sha256).toBe(sha(data.subarray(0, 2000)));
  });

  test("a resumed session continues the hash of the stored prefix (no re-read at publish)", async () => {
    const first = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 3000n, sha256: sha(data) });
    await first.write([a]);
    await first.abort();
    const second = await store.beginUpload({ project: "p", path: "f", offset: 1000n, totalSize: 3000n, sha256: sha(data) });
    await second.write([b]);
    expect(await second.write([c])).toMatchObject({ complete: true, sha256: sha(data) });
  });
});
