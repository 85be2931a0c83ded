import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderTextPng } from "./helpers/images";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

const MODEL = "pp-ocrv4-det";
let fixture: ServerFixture;
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });
const data = randomBytes(50_000);

interface JsonError {
  code: number;
  codeName: string;
  local: boolean;
}
const jsonError = (run: CliRun): JsonError => (JSON.parse(run.stdout) as { error: JsonError }).error;

beforeAll(async () => {
  fixture = await startServer({ inference: { modelThreads: 1 } });
  await writeFile(join(fixture.scratch, "a.png"), data);
  expect((await cli("upload", "a.png", "--project", "p")).code).toBe(0);
  await writeFile(join(fixture.scratch, "text.png"), await renderTextPng(["Hello inferd"]));
  await writeFile(join(fixture.scratch, "plain-file"), "not a folder");
  await mkdir(join(fixture.scratch, "existing"));
});

afterAll(async () => {
  await fixture.close();
});

describe("download destinations", () => {
  test.each([
    ["a missing folder with a trailing slash is created", "dl/sub/", "dl/sub/a.png"],
    ["a missing parent folder of a file name is created", "dl2/deep/copy.png", "dl2/deep/copy.png"],
    ["an existing folder without a slash means into it", "existing", "existing/a.png"],
  ])("%s", async (_name, dest, expected) => {
    const run = await cli("--json", "download", "inferd://p/a.png", dest);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ path: expected, unchanged: false });
    expect(sha256(await readFile(join(fixture.scratch, expected)))).toBe(sha256(data));
    expect(existsSync(join(fixture.scratch, `${expected}.part`))).toBe(false);
  });

  test("a destination that cannot be created is a local error: exit 3, never blamed on the server", async () => {
    const human = await cli("download", "inferd://p/a.png", "plain-file/sub/");
    expect(human.code).toBe(3);
    expect(human.stderr).toMatch(/^inferctl: local error: /m);
    expect(human.stderr).not.toContain("the server failed");
    expect(human.stderr).not.toContain("UNKNOWN");
    const json = await cli("--json", "download", "inferd://p/a.png", "plain-file/sub/");
    expect(json.code).toBe(3);
    expect(jsonError(json)).toMatchObject({ local: true });
  });

  test("a refused download (NOT_FOUND) creates no folder and blames no local file", async () => {
    const run = await cli("--json", "download", "inferd://p/missing.png", "never/");
    expect(run.code).toBe(1);
    expect(jsonError(run)).toMatchObject({ codeName: "NOT_FOUND", local: false });
    expect(existsSync(join(fixture.scratch, "never"))).toBe(false);
  });

  test("a local copy with the same sha256 is not fetched again", async () => {
    const first = await cli("--json", "download", "inferd://p/a.png", "same/");
    expect(JSON.parse(first.stdout)).toMatchObject({ unchanged: false });
    const before = (await stat(join(fixture.scratch, "same", "a.png"))).mtimeMs;
    const again = await cli("download", "inferd://p/a.png", "same/");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("(unchanged, already here)");
    expect(again.stderr).not.toContain("download a.png:"); // no transfer, no progress
    expect((await stat(join(fixture.scratch, "same", "a.png"))).mtimeMs).toBe(before);
    // Other content locally: fetched again and replaced.
    await writeFile(join(fixture.scratch, "same", "a.png"), "stale");
    const changed = await cli("--json", "download", "inferd://p/a.png", "same/");
    expect(JSON.parse(changed.stdout)).toMatchObject({ unchanged: false });
    expect(sha256(await readFile(join(fixture.scratch, "same", "a.png")))).toBe(sha256(data));
  });
});

describe("infer --mask", () => {
  test("a missing folder of the mask is created", async () => {
    const run = await cli("infer", "text.png", "--model", MODEL, "--mask", "masks/deep/m.png");
    expect(run.code).toBe(0);
    expect((await readFile(join(fixture.scratch, "masks/deep/m.png"))).subarray(1, 4).toString()).toBe("PNG");
  });

  test("a mask that cannot be written still prints the results, then exits 3 with a local error", async () => {
    const human = await cli("infer", "text.png", "--model", MODEL, "--mask", "plain-file/m.png");
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/^pp-ocrv4-det v1 {2}480x200 {2}[1-9]\d* result\(s\)/);
    expect(human.stdout).toMatch(/^1 {2}text /m);
    expect(human.stderr).toMatch(/^inferctl: local error: /m);
    const json = await cli("--json", "infer", "text.png", "--model", MODEL, "--mask", "plain-file/m.png");
    expect(json.code).toBe(3);
    const body = JSON.parse(json.stdout) as { results: unknown[]; mask: unknown; error: JsonError };
    expect(body.results.length).toBeGreaterThan(0);
    expect(body.mask).toBeNull();
    expect(body.error).toMatchObject({ local: true });
  });
});

test("an unreadable local image is a local error too (exit 3, local: true)", async () => {
  const run = await cli("--json", "infer", "no-such.png", "--model", MODEL);
  expect(run.code).toBe(3);
  expect(jsonError(run)).toMatchObject({ local: true });
});
