/**
 * `pnpm soak` as a quick smoke (a few seconds, built dist): it runs the mix against the real
 * binary, stops by itself, exits 0, and reports every operation, the codes and the RSS slope.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { OPERATIONS } from "./operations";
import { parseSoakArgs } from "./soak-args";
import { slopePerMinute } from "./rss";

const main = join(__dirname, "..", "..", "dist", "soak", "main.js");

test("pnpm soak --minutes 0.05 runs every operation, stops by itself and exits 0", async () => {
  const child = spawn(process.execPath, [main, "--minutes", "0.05", "--concurrency", "4"], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
  for (const op of OPERATIONS) expect(stdout).toMatch(new RegExp(`^${op.name}\\s+[1-9]\\d*\\s+\\S+\\s+none\\s`, "m"));
  expect(stdout).toMatch(/^server RSS: start \d+ MiB, .* slope -?\d+\.\d\d MiB\/min/m);
}, 120_000);

test("soak arguments are bounded and checked", () => {
  expect(parseSoakArgs([])).toEqual({ minutes: 5, concurrency: 8, serverArgs: [] });
  expect(parseSoakArgs(["--minutes", "1e9"]).minutes).toBe(24 * 60);
  expect(parseSoakArgs(["--minutes", "1", "--", "--model-threads", "1"]).serverArgs).toEqual(["--model-threads", "1"]);
  expect(() => parseSoakArgs(["--minutes", "-1"])).toThrow(/positive/);
  expect(() => parseSoakArgs(["--bogus"])).toThrow(/unknown argument/);
});

test("the RSS slope is the least-squares MiB per minute", () => {
  expect(slopePerMinute([{ minute: 0, mib: 100 }, { minute: 1, mib: 110 }, { minute: 2, mib: 120 }])).toBeCloseTo(10);
  expect(slopePerMinute([{ minute: 0, mib: 100 }])).toBeNaN();
});
