import { promises as fsPromises } from "node:fs";
import { join } from "node:path";
import { createTempDir } from "../__tests__/files-fixture";
import { compareUtf8 } from "./file-index";
import type { FileStore } from "./file-store";
import { createLocalFileStore } from "./local-file-store";

describe("compareUtf8", () => {
  test("orders every pair of boundary strings as their UTF-8 bytes compare", () => {
    // ASCII, 2- and 3-byte code points, both sides of the surrogate range, astral code points.
    const samples = ["", "a", "ab", "b", "\u007f", "\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{10ffff}", "a\u{1f600}", "a\uff5e"];
    for (const a of samples) {
      for (const b of samples) {
        expect([a, b, Math.sign(compareUtf8(a, b))]).toEqual([a, b, Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))]);
      }
    }
  });
});

describe("ListFiles paging over the ordered index", () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let store: FileStore;
  beforeEach(async () => {
    temp = await createTempDir("index");
    store = await createLocalFileStore({ root: join(temp.dir, "files") });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    await temp.cleanup();
  });

  async function put(path: string): Promise<void> {
    await store.writeFile("p", path, Buffer.from(path));
  }
  async function listAll(prefix: string, pageSize: number): Promise<string[][]> {
    const pages: string[][] = [];
    let token = "";
    do {
      const page = await store.list("p", prefix, pageSize, token);
      pages.push(page.files.map((file) => file.path));
      token = page.nextPageToken;
    } while (token !== "");
    return pages;
  }

  test("paging a project reads its folders once, not once per page", async () => {
    for (let folder = 0; folder < 5; folder++) for (let file = 0; file < 10; file++) await put(`d${folder}/f${file}`);
    const readdir = jest.spyOn(fsPromises, "readdir");
    const pages = await listAll("", 5);
    expect(pages).toHaveLength(10);
    expect(pages.flat()).toHaveLength(50);
    const walks = readdir.mock.calls.length;
    // One walk: the data folder and its 5 sub-folders (the spy does see the store's calls).
    expect(walks).toBeGreaterThanOrEqual(6);
    expect(walks).toBeLessThanOrEqual(6);
    await listAll("", 5);
    expect(readdir.mock.calls.length).toBe(walks);
  });

  test("publishes, writes and deletes after the first listing are listed in UTF-8 byte order", async () => {
    await put("b");
    expect(await listAll("", 10)).toEqual([["b"]]);
    for (const path of ["a/\uffff", "a/\u{1f600}", "c", "a/x"]) await put(path);
    const session = await store.beginUpload({ project: "p", path: "a/up", offset: 0n });
    await session.write([Buffer.from("up")]);
    await session.finish();
    await store.delete("p", "c");
    expect((await listAll("", 2)).flat()).toEqual(["a/up", "a/x", "a/\uffff", "a/\u{1f600}", "b"]);
    expect(await listAll("a/", 3)).toEqual([["a/up", "a/x", "a/\uffff"], ["a/\u{1f600}"]]);
    expect(await listAll("zz", 3)).toEqual([[]]);
  });
});
