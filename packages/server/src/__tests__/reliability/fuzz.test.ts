import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { AVRO_PATH } from "./avro-requests";
import { OIP_PATH } from "./oip-requests";
import { PATH } from "./requests";
import { rawBytesArbitrary, requestArbitraries, type FuzzCall } from "./fuzz-arbitraries";
import { ALL_METHODS, label, method } from "./rpc-methods";
import { createRawClient, type RawClient } from "./raw-client";
import { bearer, startSuiteServer, TOKENS, type SuiteServer } from "./suite-server";

// Property-based fuzzing of every request message against the real binary: whatever is sent,
// the server answers with a status other than INTERNAL / UNKNOWN / UNAVAILABLE, never exits,
// keeps answering Ping and health, and the canary files stay byte-identical.
// INFERD_FUZZ_RUNS (per RPC, default 300; with the raw-bytes test >= 10,000 requests in all) and INFERD_FUZZ_SEED (default: time) tune a run.
jest.setTimeout(600_000);

const PER_METHOD = Number(process.env["INFERD_FUZZ_RUNS"] ?? 300);
const RAW_RUNS = Math.ceil(PER_METHOD * 2);
const SEED = Number(process.env["INFERD_FUZZ_SEED"] ?? Date.now() % 2 ** 31);
const CONCURRENCY = 8;
const FORBIDDEN: ReadonlySet<status> = new Set([status.INTERNAL, status.UNKNOWN, status.UNAVAILABLE]);

let s: SuiteServer;
beforeAll(async () => {
  s = await startSuiteServer();
});
afterAll(async () => s?.close());

const counts = new Map<string, number>();
/** Calls answered OK (or streaming, like an accepted Init), per path: proves the generators reach past validation. */
const okByPath = new Map<string, number>();
let total = 0;

/** Calls sent on one connection: well under nghttp2's rapid-reset burst (~1,000 resets). */
const CALLS_PER_CONNECTION = 400;

/**
 * Sends every call (CONCURRENCY at a time) and returns those answered with a forbidden code.
 * Bidi streams end by themselves and are read to the end; other response streams are cancelled
 * after their first message. A fresh connection every CALLS_PER_CONNECTION calls: Node's HTTP/2
 * server closes a session whose client resets streams faster than nghttp2's rapid-reset limit
 * (a burst of ~1,000), and grpc-js reports that as INTERNAL on every stream of the session (see
 * RELIABILITY.md).
 */
async function send(calls: readonly FuzzCall[]): Promise<string[]> {
  const bad: string[] = [];
  for (let at = 0; at < calls.length; at += CALLS_PER_CONNECTION) bad.push(...(await sendOnOneConnection(calls.slice(at, at + CALLS_PER_CONNECTION))));
  return bad;
}

async function sendOnOneConnection(calls: readonly FuzzCall[]): Promise<string[]> {
  const raw: RawClient = createRawClient(s.address);
  const metadata = bearer(TOKENS.admin);
  const bad: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next++] as FuzzCall;
      const kind = method(call.path).kind;
      const outcome = await raw.call(call.path, kind, call.frames, { deadlineMs: 5_000, maxMessages: kind === "bidi" ? 1_000 : 1, metadata });
      total++;
      const name = outcome.code === "stopped" ? "stream stopped by client" : (status[outcome.code] ?? String(outcome.code));
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (outcome.code === status.OK || outcome.code === "stopped") okByPath.set(call.path, (okByPath.get(call.path) ?? 0) + 1);
      if (outcome.code !== "stopped" && FORBIDDEN.has(outcome.code)) {
        bad.push(`${label(call.path)} → ${name} (${outcome.details ?? ""}): ${call.frames.map((f) => f.toString("hex").slice(0, 400)).join(" | ")}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  raw.close();
  return bad;
}

test.each(ALL_METHODS.map((m) => [label(m.path), m.path] as const))(`%s: ${PER_METHOD} generated requests, none INTERNAL`, async (_name, path) => {
  const arbitrary = requestArbitraries(s.png)[path];
  if (!arbitrary) throw new Error(`no arbitrary for ${path}: every RPC must be fuzzed`);
  const frames = fc.sample(arbitrary, { numRuns: PER_METHOD, seed: SEED });
  expect(await send(frames.map((f) => ({ path, frames: f })))).toEqual([]);
  await s.assertAlive();
});

test("generated ModelInfer, ListJobs and Avro Init requests also reach the model, the job index and the job queue (some answer OK or stream)", () => {
  for (const path of [OIP_PATH.modelInfer, PATH.listJobs, AVRO_PATH.init]) expect(okByPath.get(path) ?? 0).toBeGreaterThan(PER_METHOD / 20);
});

test(`arbitrary bytes to every RPC: ${RAW_RUNS} requests, none INTERNAL`, async () => {
  const calls = fc.sample(rawBytesArbitrary(), { numRuns: RAW_RUNS, seed: SEED });
  expect(await send(calls)).toEqual([]);
  await s.assertAlive();
});

test("after all of it the canaries are byte-identical, and the count is reported", async () => {
  await s.assertCanariesIntact();
  const byCode = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`);
  process.stdout.write(`fuzz: ${total} requests (seed ${SEED}; INFERD_FUZZ_SEED=${SEED} repeats them): ${byCode.join(", ")}\n`);
  expect(total).toBe(ALL_METHODS.length * PER_METHOD + RAW_RUNS);
});
