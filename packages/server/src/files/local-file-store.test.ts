import { createHash, randomBytes } from "node:crypto";
import { promises as fsPromises } from "node:fs";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InferdError, type ErrorKind } from "../errors";
import { createTempDir } from "../__tests__/files-fixture";
import { pathKey, projectLayout } from "./disk-layout";
import type { FileStore } from "./file-store";
import { createLocalFileStore, type LocalFileStoreOptions } from "./local-file-store";

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

let temp: { dir: string; cleanup: () => Promise<void> };
let store: FileStore;
let root: string;
async function open(options: Partial<LocalFileStoreOptions> = {}): Promise<FileStore> {
  await store?.close();
  store = await createLocalFileStore({ root, ...options });
  return store;
}
beforeEach(async () => {
  temp = await createTempDir("store");
  root = join(temp.dir, "files");
  await open();
});
afterEach(async () => {
  await store.close();
  await temp.cleanup();
});

/** Resolves with the InferdError kind a promise rejects with (fails the test when it resolves). */
async function kindOf(promise: Promise<unknown>): Promise<ErrorKind> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  if (!(error instanceof InferdError)) throw error;
  return error.kind;
}

describe("a damaged partial upload (sidecar missing, empty or unreadable)", () => {
  const stale = randomBytes(400);
  const data = randomBytes(1000);
  const sidecar = (): string => join(projectLayout(root, "p").uploadsDir, `${pathKey("f")}.json`);

  /** Leaves 400 bytes of an unfinished upload, then damages its sidecar as a power loss could. */
  async function damaged(damage: () => Promise<void>): Promise<void> {
    const session = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 1400n });
    await session.write([stale]);
    await session.abort();
    await open(); // a restarted server
    await damage();
  }

  const damages: [string, () => Promise<void>][] = [
    ["missing", () => rm(sidecar())],
    ["empty", () => writeFile(sidecar(), "")],
    ["unreadable", () => writeFile(sidecar(), '{"path":"f","totalSize":')],
    ["naming another path", () => writeFile(sidecar(), JSON.stringify({ path: "g", totalSize: "1400" }))],
  ];

  test.each(damages)("sidecar %s: the .part is recovered as the resume point; offset 0 is refused, nothing is published", async (_, damage) => {
    await damaged(damage);
    expect(await store.uploadStatus("p", "f")).toEqual(expect.objectContaining({ inProgress: true, storedBytes: 400n }));
    expect((await store.uploadStatus("p", "f")).totalSize).toBeUndefined();
    expect(await kindOf(store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 1000n, sha256: sha(data) }))).toBe(
      "failed-precondition",
    );
    expect(await store.stat("p", "f")).toBeUndefined();
  });

  test.each(damages)("sidecar %s: a resume publishes exactly the stored + new bytes, with their real sha256", async (_, damage) => {
    await damaged(damage);
    const rest = randomBytes(600);
    const whole = Buffer.concat([stale, rest]);
    const session = await store.beginUpload({ project: "p", path: "f", offset: 400n, totalSize: 1000n });
    expect(await session.write([rest])).toMatchObject({ complete: true, storedBytes: 1000n, sha256: sha(whole) });
    const published = await readFile(join(projectLayout(root, "p").dataDir, "f"));
    expect(published.equals(whole)).toBe(true);
    expect((await store.stat("p", "f"))?.sha256).toBe(sha(published));
  });

  test.each(damages)("sidecar %s: restart discards the .part and publishes only the new bytes", async (_, damage) => {
    await damaged(damage);
    const session = await store.beginUpload({ project: "p", path: "f", offset: 0n, restart: true, totalSize: 1000n, sha256: sha(data) });
    expect(await session.write([data])).toMatchObject({ complete: true, storedBytes: 1000n, sha256: sha(data) });
    expect((await store.readFile("p", "f")).equals(data)).toBe(true);
  });

  test("a .part longer than the total its sidecar declares is discarded, not completed", async () => {
    const session = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 1400n });
    await session.write([stale]);
    await session.abort();
    await writeFile(sidecar(), JSON.stringify({ path: "f", totalSize: "100" }));
    expect(await store.uploadStatus("p", "f")).toMatchObject({ inProgress: false, storedBytes: 0n });
    await expect(stat(join(projectLayout(root, "p").uploadsDir, `${pathKey("f")}.part`))).rejects.toMatchObject({ code: "ENOENT" });
    const fresh = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 1000n, sha256: sha(data) });
    expect(await fresh.write([data])).toMatchObject({ complete: true, sha256: sha(data) });
    expect((await store.readFile("p", "f")).equals(data)).toBe(true);
  });
});

describe("an invalid Upload does not abort the live one of the same path", () => {
  test("a wrong offset or another declaration is refused while the live session keeps writing", async () => {
    const data = randomBytes(3000);
    const superseded: Error[] = [];
    const live = await store.beginUpload(
      { project: "p", path: "f", offset: 0n, totalSize: 3000n, sha256: sha(data) },
      { onSuperseded: (error) => superseded.push(error) },
    );
    await live.write([data.subarray(0, 1000)]);
    expect(await kindOf(store.beginUpload({ project: "p", path: "f", offset: 0n }))).toBe("failed-precondition");
    expect(await kindOf(store.beginUpload({ project: "p", path: "f", offset: 1000n, totalSize: 2999n }))).toBe("failed-precondition");
    expect(await kindOf(store.beginUpload({ project: "p", path: "f", offset: 1000n, sha256: sha(Buffer.from("x")) }))).toBe(
      "failed-precondition",
    );
    expect(superseded).toEqual([]);
    expect(await live.write([data.subarray(1000)])).toMatchObject({ complete: true, storedBytes: 3000n, sha256: sha(data) });
  });

  test("a valid resume (right offset, same declaration) still takes over", async () => {
    const superseded: Error[] = [];
    const live = await store.beginUpload({ project: "p", path: "f", offset: 0n, totalSize: 10n }, { onSuperseded: (e) => superseded.push(e) });
    await live.write([Buffer.from("12345")]);
    const next = await store.beginUpload({ project: "p", path: "f", offset: 5n, totalSize: 10n });
    expect(superseded.map((e) => (e as InferdError).kind)).toEqual(["aborted"]);
    expect(await next.write([Buffer.from("67890")])).toMatchObject({ complete: true });
    expect((await store.readFile("p", "f")).toString()).toBe("1234567890");
  });
});

describe("quota under concurrency", () => {
  beforeEach(async () => {
    await open({ quotaBytesPerProject: 1000 });
  });

  test("two uploads that each declare 600 of a 1000-byte quota, begun at once: one is refused", async () => {
    const results = await Promise.allSettled([
      store.beginUpload({ project: "q", path: "a", offset: 0n, totalSize: 600n }),
      store.beginUpload({ project: "q", path: "b", offset: 0n, totalSize: 600n }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as InferdError).kind).toBe("resource-exhausted");
  });

  test("writes of undeclared uploads at the same moment cannot together pass the quota", async () => {
    const a = await store.beginUpload({ project: "q", path: "a", offset: 0n });
    const b = await store.beginUpload({ project: "q", path: "b", offset: 0n });
    const results = await Promise.allSettled([a.write([Buffer.alloc(600)]), b.write([Buffer.alloc(600)])]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  test("a restart that cannot fit the quota is refused before it supersedes the live upload", async () => {
    const superseded: Error[] = [];
    const live = await store.beginUpload({ project: "q", path: "a", offset: 0n, totalSize: 500n }, { onSuperseded: (e) => superseded.push(e) });
    await live.write([Buffer.alloc(100)]);
    expect(await kindOf(store.beginUpload({ project: "q", path: "a", offset: 0n, restart: true, totalSize: 1001n }))).toBe("resource-exhausted");
    expect(superseded).toEqual([]);
    expect(await live.write([Buffer.alloc(400)])).toMatchObject({ complete: true, storedBytes: 500n });
    // A resume declaring a size the live upload (which declared none) could never fit: same.
    const open = await store.beginUpload({ project: "q", path: "c", offset: 0n }, { onSuperseded: (e) => superseded.push(e) });
    await open.write([Buffer.alloc(10)]);
    expect(await kindOf(store.beginUpload({ project: "q", path: "c", offset: 10n, totalSize: 1000n }))).toBe("resource-exhausted");
    expect(superseded).toEqual([]);
    await open.abort();
    await store.delete("q", "c");
    // One that fits once the live upload's bytes are freed does take over.
    const next = await store.beginUpload({ project: "q", path: "b", offset: 0n, totalSize: 100n });
    await next.write([Buffer.alloc(50)]);
    const restarted = await store.beginUpload({ project: "q", path: "b", offset: 0n, restart: true, totalSize: 500n });
    expect(await restarted.write([Buffer.alloc(500)])).toMatchObject({ complete: true });
  });

  test("a closed upload gives back what it set aside and keeps what it stored", async () => {
    const a = await store.beginUpload({ project: "q", path: "a", offset: 0n, totalSize: 900n });
    await a.write([Buffer.alloc(300)]);
    await a.abort();
    // 300 stored, 600 given back: 700 fit, 701 do not.
    expect(await kindOf(store.beginUpload({ project: "q", path: "b", offset: 0n, totalSize: 701n }))).toBe("resource-exhausted");
    const b = await store.beginUpload({ project: "q", path: "b", offset: 0n, totalSize: 700n });
    expect(await b.write([Buffer.alloc(700)])).toMatchObject({ complete: true });
  });
});

describe("open uploads per project", () => {
  beforeEach(async () => {
    await open({ maxOpenUploadsPerProject: 2 });
  });

  test("over the cap is RESOURCE_EXHAUSTED; a resume of an open path, another project and a freed slot are not", async () => {
    const a = await store.beginUpload({ project: "p", path: "a", offset: 0n, totalSize: 10n });
    await store.beginUpload({ project: "p", path: "b", offset: 0n, totalSize: 10n });
    expect(await kindOf(store.beginUpload({ project: "p", path: "c", offset: 0n }))).toBe("resource-exhausted");
    // Taking over an open path needs no new slot; another project has its own.
    const again = await store.beginUpload({ project: "p", path: "a", offset: 0n, totalSize: 10n });
    await store.beginUpload({ project: "other", path: "c", offset: 0n });
    expect(await kindOf(store.beginUpload({ project: "p", path: "c", offset: 0n }))).toBe("resource-exhausted");
    await again.abort();
    await a.abort();
    const c = await store.beginUpload({ project: "p", path: "c", offset: 0n });
    expect(await c.finish()).toMatchObject({ complete: true });
  });

  test("an upload that fails to open gives its slot back", async () => {
    await store.beginUpload({ project: "p", path: "a", offset: 0n });
    expect(await kindOf(store.beginUpload({ project: "p", path: "b", offset: 5n }))).toBe("failed-precondition");
    expect(await kindOf(store.beginUpload({ project: "p", path: "c", offset: 5n }))).toBe("failed-precondition");
    await store.beginUpload({ project: "p", path: "d", offset: 0n });
  });
});

describe("durability", () => {
  afterEach(() => jest.restoreAllMocks());

  test("publishing an upload syncs the folders of its old and its new name", async () => {
    const { dataDir, uploadsDir } = projectLayout(root, "p");
    const open = jest.spyOn(fsPromises, "open");
    const session = await store.beginUpload({ project: "p", path: "dir/f", offset: 0n, totalSize: 3n });
    await session.write([Buffer.from("abc")]);
    // Only a folder sync opens a folder.
    const opened = open.mock.calls.map(([path]) => String(path));
    expect(opened).toEqual(expect.arrayContaining([uploadsDir, join(dataDir, "dir")]));
  });
});
