import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createCuttingProxy } from "./helpers/cutting-proxy";
import { runCli } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

let fixture: ServerFixture;
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");
const cli = (...args: string[]): ReturnType<typeof runCli> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });

beforeAll(async () => {
  fixture = await startServer();
});

afterAll(async () => {
  await fixture.close();
});

test("upload, ls, download and rm round-trip a file, with human output", async () => {
  const data = randomBytes(300_000);
  await writeFile(join(fixture.scratch, "photo.png"), data);

  const up = await cli("upload", "photo.png", "--project", "demo", "--as", "images/");
  expect(up.code).toBe(0);
  expect(up.stdout).toMatch(/^inferd:\/\/demo\/images\/photo\.png {2}293 KiB {2}sha256:[0-9a-f]{12} {2}\(uploaded\)\n$/);
  expect(up.stderr).toContain("upload photo.png: 100.0%");

  const ls = await cli("ls", "--project", "demo");
  expect(ls.code).toBe(0);
  const [header, row] = ls.stdout.trimEnd().split("\n");
  expect(header).toMatch(/^PATH\s+SIZE\s+MODIFIED\s+SHA256$/);
  expect(row).toMatch(/^images\/photo\.png\s+293 KiB\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+[0-9a-f]{12}$/);

  const down = await cli("download", "inferd://demo/images/photo.png", "copy.png");
  expect(down.code).toBe(0);
  expect(sha256(await readFile(join(fixture.scratch, "copy.png")))).toBe(sha256(data));

  const rm = await cli("rm", "inferd://demo/images/photo.png");
  expect(rm.code).toBe(0);
  expect(rm.stdout.split("\n")[1]).toMatch(/^inferd:\/\/demo\/images\/photo\.png\s+deleted$/);
  expect((await cli("--json", "ls", "--project", "demo")).stdout).toBe("[]\n");
});

test("--json output of upload, ls and download has int64 values as strings", async () => {
  const data = randomBytes(5000);
  await writeFile(join(fixture.scratch, "a.bin"), data);
  const up = await cli("--json", "upload", "a.bin", "--project", "json");
  expect(up.code).toBe(0);
  expect(up.stderr).toBe("");
  expect(JSON.parse(up.stdout)).toEqual([
    { file: "a.bin", uri: "inferd://json/a.bin", size: "5000", sha256: sha256(data), resumedFrom: "0", unchanged: false, retries: 0, sentBytes: "5000" },
  ]);
  const ls = JSON.parse((await cli("ls", "--project", "json", "--json")).stdout) as unknown[];
  expect(ls).toEqual([{ uri: "inferd://json/a.bin", path: "a.bin", size: "5000", sha256: sha256(data), modifiedTime: expect.any(String) }]);
  const down = JSON.parse((await cli("download", "inferd://json/a.bin", "down/", "--json")).stdout) as Record<string, unknown>;
  expect(down).toEqual({ uri: "inferd://json/a.bin", path: "down/a.bin", size: "5000", sha256: sha256(data), resumedFrom: "0", retries: 0, unchanged: false });
});

test("an upload killed half-way resumes from the stored bytes on the next run", async () => {
  const data = randomBytes(24 * 1024 * 1024);
  await writeFile(join(fixture.scratch, "big.bin"), data);
  const killed = await runCli(["--address", fixture.address, "upload", "big.bin", "--project", "resume", "--as", "killed.bin"], {
    cwd: fixture.scratch,
    onStderrLine: (line, child) => {
      if (/^upload big\.bin: [5-9]\d\.\d%/.test(line)) child.kill("SIGKILL");
    },
  });
  expect(killed.signal).toBe("SIGKILL");
  expect((await cli("--json", "ls", "--project", "resume", "--prefix", "killed")).stdout).toBe("[]\n");

  const again = await cli("upload", "big.bin", "--project", "resume", "--as", "killed.bin");
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(/resuming killed\.bin from \d+(\.\d+)? MiB already stored/);
  expect(again.stdout).toMatch(/\(resumed at \d+(\.\d+)? MiB\)/);

  const [info] = JSON.parse((await cli("--json", "ls", "--project", "resume", "--prefix", "killed")).stdout) as { sha256: string }[];
  expect(info?.sha256).toBe(sha256(data));
});

test("a connection broken mid-upload is retried with backoff inside one run", async () => {
  const data = randomBytes(4 * 1024 * 1024);
  await writeFile(join(fixture.scratch, "flaky.bin"), data);
  const proxy = await createCuttingProxy(fixture.address, { upstream: 2 * 1024 * 1024 });
  try {
    const run = await runCli(["--address", proxy.address, "upload", "flaky.bin", "--project", "flaky"], { cwd: fixture.scratch });
    expect(run.code).toBe(0);
    expect(proxy.cut).toBe(true);
    expect(run.stderr).toMatch(/^UNAVAILABLE: .*; retry 1 in \d+ ms$/m);
    expect(proxy.upstreamBytes).toBeLessThan(1.5 * data.length);
  } finally {
    await proxy.close();
  }
  const [info] = JSON.parse((await cli("--json", "ls", "--project", "flaky")).stdout) as { sha256: string }[];
  expect(info?.sha256).toBe(sha256(data));
});

test("uploading the same content again sends nothing", async () => {
  await writeFile(join(fixture.scratch, "same.bin"), randomBytes(1000));
  expect((await cli("upload", "same.bin", "--project", "same")).code).toBe(0);
  const again = await cli("upload", "same.bin", "--project", "same");
  expect(again.stdout).toContain("(unchanged, already stored)");
});
