import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { runCli, type CliRun } from "./helpers/run-cli";
import { startServer, type ServerFixture } from "./helpers/server";

/** A server whose gRPC messages may be at most 64 KiB, to send it an oversized one. */
const SMALL_MESSAGES = 64 * 1024;
let fixture: ServerFixture;
const cli = (...args: string[]): Promise<CliRun> => runCli(["--address", fixture.address, ...args], { cwd: fixture.scratch });

interface Outcome {
  uri: string;
  deleted?: boolean;
  error?: { code: number; codeName: string; local: boolean };
}

beforeAll(async () => {
  fixture = await startServer({ maxMessageBytes: SMALL_MESSAGES });
});

afterAll(async () => {
  await fixture.close();
});

describe("rm tries every URI", () => {
  beforeEach(async () => {
    await writeFile(join(fixture.scratch, "x.bin"), randomBytes(100));
    for (const name of ["a.bin", "b.bin"]) expect((await cli("upload", "x.bin", "--project", "rm", "--as", name)).code).toBe(0);
  });

  test("a missing file in the middle: the others are deleted, each is reported, exit 1", async () => {
    const run = await cli("rm", "inferd://rm/a.bin", "inferd://rm/missing.bin", "inferd://rm/b.bin");
    expect(run.code).toBe(1);
    const rows = run.stdout.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^URI\s+RESULT$/);
    expect(rows[1]).toMatch(/^inferd:\/\/rm\/a\.bin\s+deleted$/);
    expect(rows[2]).toMatch(/^inferd:\/\/rm\/missing\.bin\s+NOT_FOUND: /);
    expect(rows[3]).toMatch(/^inferd:\/\/rm\/b\.bin\s+deleted$/);
    expect((await cli("--json", "ls", "--project", "rm")).stdout).toBe("[]\n");
  });

  test("--json reports every outcome, the deletions that worked included", async () => {
    const run = await cli("--json", "rm", "inferd://rm/a.bin", "inferd://rm/missing.bin", "inferd://rm/b.bin");
    expect(run.code).toBe(1);
    const outcomes = JSON.parse(run.stdout) as Outcome[];
    expect(outcomes).toEqual([
      { uri: "inferd://rm/a.bin", deleted: true, discardedPartial: false },
      { uri: "inferd://rm/missing.bin", error: expect.objectContaining({ code: 5, codeName: "NOT_FOUND", local: false }) },
      { uri: "inferd://rm/b.bin", deleted: true, discardedPartial: false },
    ]);
  });

  test("all found: exit 0", async () => {
    const run = await cli("--json", "rm", "inferd://rm/a.bin", "inferd://rm/b.bin");
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Outcome[]).map((outcome) => outcome.deleted)).toEqual([true, true]);
  });
});

describe("hints fit the case", () => {
  test("NOT_FOUND for a job id points at job ids, not at models or files", async () => {
    for (const command of ["watch", "cancel"]) {
      const run = await cli(command, "no-such-job");
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^inferctl: NOT_FOUND: /m);
      expect(run.stderr).toMatch(/^hint: .*job id/m);
      expect(run.stderr).not.toContain("inferctl models");
    }
  });

  test("NOT_FOUND for a health service name points at service names", async () => {
    const run = await cli("health", "no.such.Service");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^hint: .*service/m);
    expect(run.stderr).not.toContain("inferctl models");
  });

  test("RESOURCE_EXHAUSTED for an oversized message suggests a smaller image or a larger limit, not rm", async () => {
    const noise = await sharp(randomBytes(200 * 200 * 3), { raw: { width: 200, height: 200, channels: 3 } }).png().toBuffer();
    expect(noise.byteLength).toBeGreaterThan(SMALL_MESSAGES);
    await writeFile(join(fixture.scratch, "noise.png"), noise);
    const run = await cli("infer", "noise.png", "--model", "pp-ocrv4-det");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^inferctl: RESOURCE_EXHAUSTED: /m);
    expect(run.stderr).toMatch(/^hint: .*smaller.*--max-message-mb/m);
    expect(run.stderr).not.toContain("inferctl rm");
  });

  test("--tls against a plaintext server says it does not speak TLS, without OpenSSL's text", async () => {
    const run = await cli("--tls", "--timeout", "5000", "ping");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^inferctl: UNAVAILABLE: .*does not speak TLS/m);
    expect(run.stderr).toMatch(/^hint: .*without --tls/m);
    expect(run.stderr).not.toMatch(/SSL routines|is the server running/);
  });
});
