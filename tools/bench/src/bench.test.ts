/**
 * `pnpm bench --quick` as CI runs it: every scenario in quick mode, as a child process of the
 * built bench (tools/bench/dist, built by `pnpm build`/`pnpm typecheck`), then the JSON line's
 * structure. It never asserts speed: benchmarks are not tests, and CI machines are noisy.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Figure } from "./figures";
import type { BenchReport } from "./report";

const main = join(__dirname, "..", "dist", "main.js");

function runBench(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const ALL = ["unary", "infer-overhead", "infer-throughput", "batching", "upload", "list-files", "run", "oip-overhead", "oip-rest", "startup", "admission", "cache", "scale-out"];

test("pnpm bench --quick --json runs every scenario and prints one JSON line with finite figures", async () => {
  expect(existsSync(main)).toBe(true); // run `pnpm build` first
  const { code, stdout, stderr } = await runBench(["--quick", "--json"]);
  expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
  // --json: stdout holds nothing but the JSON line.
  const lines = stdout.trim().split("\n");
  expect(lines).toHaveLength(1);
  const report = JSON.parse(lines[0]!) as BenchReport & { errors: unknown[] };
  expect(report).toMatchObject({ bench: "inferd", schema: 1, quick: true, scenarios: ALL, errors: [] });
  for (const scenario of ALL) {
    expect(report.figures.filter((f) => f.scenario === scenario).length).toBeGreaterThan(0);
  }
  const required: readonly string[] = [
    "unary/c1.server_cpu_per_req",
    "unary/c16.server_cpu_per_req",
    "unary/c64.server_cpu_per_req",
    "infer-overhead/overhead_beyond_grpc_p50",
    "infer-throughput/c1.req_per_s",
    "infer-throughput/c4.req_per_s",
    "infer-throughput/instances2x1.c1.req_per_s",
    "infer-throughput/instances2x1.c4.req_per_s",
    "batching/dense.c8.images_per_s",
    "batching/dense.c8.p99",
    "batching/mobilenet.c8.images_per_s",
    "batching/mobilenet.c8.p99",
    "upload/throughput_vs_durable_copy",
    "upload/server_peak_rss",
    "list-files/page_latency_vs_small_project",
    "run/total_time",
    "oip-overhead/overhead_beyond_grpc_p50",
    "oip-overhead/cpu_beyond_grpc_per_req",
    "oip-rest/c1.json_req_per_s",
    "oip-rest/c1.binary_req_per_s",
    "oip-rest/c8.json_req_per_s",
    "oip-rest/c8.binary_req_per_s",
    "startup/time_to_serving",
    "admission/server_peak_rss",
    "admission/ping_p99",
    "cache/req_per_s",
    "scale-out/replicas_2",
    "scale-out/redis_vs_embedded_per_image",
  ];
  expect(required.filter((id) => !report.figures.some((f) => `${f.scenario}/${f.name}` === id))).toEqual([]);
  const broken = report.figures.filter(
    (f: Figure) =>
      ![f.baseline, f.subject, f.ratio, f.delta].every(Number.isFinite) || !(f.ratio > 0) || f.rounds < 2 || (f.target !== undefined && typeof f.met !== "boolean"),
  );
  expect(broken).toEqual([]);
}, 600_000); // every scenario in quick mode; generous because CI shares 2 cores with other suites

test("an unknown scenario is refused with a message naming the choices", async () => {
  const { code, stderr } = await runBench(["no-such-scenario"]);
  expect(code).toBe(2);
  expect(stderr).toContain("unary");
});
