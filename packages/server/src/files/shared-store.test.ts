import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { InferdError, type ErrorKind } from "../errors";
import { createTempDir } from "../__tests__/files-fixture";
import type { FileStore } from "./file-store";
import { createLocalFileStore } from "./local-file-store";

// Two stores on one shared root behave like two replicas: every piece of coordination between
// them goes through the folder (lock directories, owner marks, the generation token), never
// through memory. The multi-process suite (__tests__/scale-out/shared-files.test.ts) runs the
// same things with real server processes.

const sha = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

let temp: { dir: string; cleanup: () => Promise<void> };
let a: FileStore;
let b: FileStore;
beforeEach(async () => {
  temp = await createTempDir("shared-store");
  const root = join(temp.dir, "shared");
  a = await createLocalFileStore({ root, shared: true });
  b = await createLocalFileStore({ root, shared: true });
});
afterEach(async () => {
  await a.close();
  await b.close();
  await temp.cleanup();
});

async function kindOf(promise: Promise<unknown>): Promise<ErrorKind> {
  const error = await promise.then(
    () => new Error("expected a rejection"),
    (e: unknown) => e,
  );
  if (!(error instanceof InferdError)) throw error;
  return error.kind;
}

const paths = async (store: FileStore, prefix = ""): Promise<string[]> => (await store.list("p", prefix, 1000, "")).files.map((f) => f.path);

test("a listing on one replica sees what another published, wrote and deleted after its index was built", async () => {
  await a.writeFile("p", "x/one.txt", Buffer.from("1"));
  expect(await paths(b)).toEqual(["x/one.txt"]); // b's index is built now
  await a.writeFile("p", "x/two.txt", Buffer.from("2"));
  const session = await a.beginUpload({ project: "p", path: "x/three.txt", offset: 0n, totalSize: 1n });
  await session.write([Buffer.from("3")]);
  expect(await paths(b)).toEqual(["x/one.txt", "x/three.txt", "x/two.txt"]);
  await a.delete("p", "x/one.txt");
  expect(await paths(b, "x/")).toEqual(["x/three.txt", "x/two.txt"]);
  // And the other way round, with a's own index built before b's change.
  await b.writeFile("p", "x/four.txt", Buffer.from("4"));
  expect(await paths(a)).toEqual(["x/four.txt", "x/three.txt", "x/two.txt"]);
});

test("an upload left unfinished on one replica resumes on the other with the stored bytes and declaration", async () => {
  const content = randomBytes(64 * 1024);
  const first = await a.beginUpload({ project: "p", path: "big.bin", offset: 0n, totalSize: BigInt(content.length), sha256: sha(content) });
  await first.write([content.subarray(0, 20_000)]);
  await first.abort();
  const status = await b.uploadStatus("p", "big.bin");
  expect(status).toMatchObject({ storedBytes: 20_000n, totalSize: BigInt(content.length), inProgress: true });
  // The declaration travelled with the partial: another sha256 is refused.
  expect(await kindOf(b.beginUpload({ project: "p", path: "big.bin", offset: 20_000n, sha256: "0".repeat(64) }))).toBe("failed-precondition");
  const second = await b.beginUpload({ project: "p", path: "big.bin", offset: 20_000n });
  const outcome = await second.write([content.subarray(20_000)]);
  expect(outcome).toMatchObject({ complete: true, sha256: sha(content) });
  expect((await a.readFile("p", "big.bin")).equals(content)).toBe(true);
  expect((await a.stat("p", "big.bin"))?.sha256).toBe(sha(content));
});

test("a newer upload on another replica takes over: the older session stops ABORTED and writes nothing more", async () => {
  const content = randomBytes(30_000);
  const older = await a.beginUpload({ project: "p", path: "f.bin", offset: 0n, totalSize: 30_000n });
  await older.write([content.subarray(0, 10_000)]);
  // The client reconnected to b (a has not noticed the old call died) and resumes there.
  const newer = await b.beginUpload({ project: "p", path: "f.bin", offset: 10_000n, totalSize: 30_000n });
  expect(await kindOf(older.write([randomBytes(10_000)]))).toBe("aborted");
  expect(await kindOf(older.finish())).toBe("aborted");
  expect(await newer.write([content.subarray(10_000)])).toMatchObject({ complete: true, sha256: sha(content) });
  expect((await b.readFile("p", "f.bin")).equals(content)).toBe(true);
});

test("restarts of one path racing on both replicas never publish a mix: the file is one whole upload with its own sha256", async () => {
  let published = 0;
  for (let round = 0; round < 8; round++) {
    const contents = [randomBytes(40_000), randomBytes(40_000)];
    const upload = async (store: FileStore, content: Buffer): Promise<void> => {
      const session = await store.beginUpload({ project: "p", path: "race.bin", offset: 0n, restart: true, totalSize: 40_000n, sha256: sha(content) });
      try {
        for (let at = 0; at < content.length; at += 5_000) await session.write([content.subarray(at, at + 5_000)]);
      } catch (error) {
        if (!(error instanceof InferdError) || error.kind !== "aborted") throw error;
      }
    };
    const outcomes = await Promise.allSettled([upload(a, contents[0] as Buffer), upload(b, contents[1] as Buffer)]);
    for (const outcome of outcomes) if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(InferdError);
    const stored = await a.stat("p", "race.bin");
    if (stored === undefined) continue; // both were taken over before completing: nothing published, nothing mixed
    const bytes = await b.readFile("p", "race.bin");
    expect(sha(bytes)).toBe(stored.sha256);
    expect(contents.some((content) => content.equals(bytes))).toBe(true);
    published++;
  }
  expect(published).toBeGreaterThan(0);
});
