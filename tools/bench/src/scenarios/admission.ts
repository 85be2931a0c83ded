import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { DiagnosticsClient, InferenceClient } from "@inferd/grpc-types/v1";
import type { Scenario } from "../context";
import { startInferd, type RunningInferd } from "../child/inferd-process";
import { readProcMemory } from "../child/proc-status";
import { pairedFigure, type Figure } from "../figures";
import { DEFAULT_MODEL } from "../fixtures/default-model";
import { flatPng } from "../fixtures/images";
import { createHealthClient } from "../health";
import { quantile } from "../stats";
import { authMetadata, INFER_TOKEN } from "./infer-shared";

const MiB = 1024 ** 2;
/** The documented bound on server RSS during the flood (packages/server/README.md). */
const RSS_BOUND_MIB = 1536;
/** Probe latency goal during the flood. */
const PROBE_P99_MS = 100;
/**
 * The bench kills the server when its RSS passes this: the machine is shared, and an
 * unbounded server (as before admission control) would otherwise take all of its memory.
 * The round then reports the RSS at the kill, a lower bound of what it would have reached.
 */
const SAFETY_KILL_BYTES = Number(process.env["INFERD_BENCH_ADMISSION_KILL_MIB"] ?? 6144) * MiB;
/** Pause between two probe calls: the probes measure latency, they are not load. */
const PROBE_GAP_MS = 10;

interface Latencies {
  readonly pingMs: number[];
  readonly healthMs: number[];
}

interface FloodRound {
  readonly idleRssMib: number;
  readonly peakRssMib: number;
  readonly idle: Latencies;
  readonly flood: Latencies;
  readonly sent: number;
  readonly codes: Record<string, number>;
  readonly killed: boolean;
}

/** Pings and health checks one after the other, with a short gap, until stopped. */
function probe(address: string): { stop(): Promise<Latencies> } {
  const diagnostics = new DiagnosticsClient(address, credentials.createInsecure());
  const health = createHealthClient(address);
  const metadata = authMetadata();
  const latencies: Latencies = { pingMs: [], healthMs: [] };
  let running = true;
  const ping = (): Promise<void> =>
    new Promise((resolve, reject) =>
      diagnostics.ping({ message: "probe", payload: Buffer.alloc(0) }, metadata, { deadline: Date.now() + 10_000 }, (error) => (error ? reject(error) : resolve())),
    );
  const loop = (async () => {
    while (running) {
      let t0 = performance.now();
      await ping();
      latencies.pingMs.push(performance.now() - t0);
      t0 = performance.now();
      await health.check(10_000);
      latencies.healthMs.push(performance.now() - t0);
      await sleep(PROBE_GAP_MS);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      diagnostics.close();
      health.close();
      return latencies;
    },
  };
}

/** Sends `count` Infers of `image` at once; resolves with how many ended with each status. */
async function flood(address: string, image: Buffer, count: number): Promise<Record<string, number>> {
  const client = new InferenceClient(address, credentials.createInsecure(), { "grpc.max_send_message_length": 64 * MiB });
  const metadata = authMetadata();
  const codes: Record<string, number> = {};
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      client.infer({ model: DEFAULT_MODEL, version: "", image: { $case: "imageData", value: image }, parameters: undefined }, metadata, (error: ServiceError | null) => {
        const name = status[error ? error.code : status.OK];
        codes[name] = (codes[name] ?? 0) + 1;
        resolve();
      });
    });
  try {
    await Promise.all(Array.from({ length: count }, one));
  } finally {
    client.close();
  }
  return codes;
}

/** Watches a process's RSS from outside; kills it past {@link SAFETY_KILL_BYTES}. */
function guard(inferd: RunningInferd): { stop(): Promise<{ peakBytes: number; killed: boolean }> } {
  let peak = 0;
  let killed = false;
  const timer = setInterval(() => {
    void readProcMemory(inferd.process.pid).then((memory) => {
      if (!memory || killed) return;
      peak = Math.max(peak, memory.rssBytes);
      if (memory.rssBytes > SAFETY_KILL_BYTES) {
        killed = true;
        process.kill(inferd.process.pid, "SIGKILL");
      }
    });
  }, 50);
  return {
    async stop() {
      clearInterval(timer);
      const memory = killed ? undefined : await readProcMemory(inferd.process.pid);
      return { peakBytes: Math.max(peak, memory?.peakBytes ?? 0), killed };
    },
  };
}

/** One flood against a running server: idle probes first, then the flood with probes alongside. */
async function floodRound(inferd: RunningInferd, image: Buffer, count: number, idleMs: number): Promise<FloodRound> {
  const idleProbe = probe(inferd.address);
  await sleep(idleMs);
  const idle = await idleProbe.stop();
  const idleRss = (await inferd.process.usage()).rssBytes;
  const watch = guard(inferd);
  const floodProbe = probe(inferd.address);
  const codes = await flood(inferd.address, image, count);
  const floodLatencies = await floodProbe.stop();
  const { peakBytes, killed } = await watch.stop();
  return { idleRssMib: idleRss / MiB, peakRssMib: peakBytes / MiB, idle, flood: floodLatencies, sent: count, codes, killed };
}

/**
 * admission: 100 concurrent Infers of an 8000×8000 PNG (64 MP, ~200 KB encoded, 183 MiB
 * decoded) against the real server with its default limits, while Ping and health are
 * probed. Figures: the server's peak RSS (kernel high-water mark) against its idle RSS, and
 * probe latency during the flood against the idle server's. Targets: peak RSS ≤ 1.5 GiB,
 * probe p99 ≤ 100 ms.
 */
export const admissionScenario: Scenario = {
  name: "admission",
  summary: "100 concurrent 64-MP Infers: server peak RSS and Ping/health p50/p99 during the flood",
  async run(context) {
    const side = context.quick ? 640 : 8000;
    const count = Number(process.env["INFERD_BENCH_ADMISSION_CALLS"] ?? (context.quick ? 6 : 100));
    const rounds = Math.min(context.rounds, context.quick ? 2 : 3);
    context.progress(`admission: encoding a ${side}×${side} PNG`);
    const image = await flatPng(side, side);
    const results: FloodRound[] = [];
    const start = (round: number): Promise<RunningInferd> => startInferd({ workDir: join(context.workDir, `round-${round}`), token: INFER_TOKEN, metrics: true });
    // A fresh server per round makes its kernel high-water mark (VmHWM) that round's peak;
    // quick mode (a check that the scenario works, in CI) shares one to save start-ups.
    const shared = context.quick ? await start(0) : undefined;
    for (let round = 0; round < rounds; round++) {
      context.progress(`admission: round ${round + 1} of ${rounds}: ${count} concurrent Infers of ${(image.length / 1024).toFixed(0)} KB`);
      const inferd = shared ?? (await start(round));
      let result: FloodRound;
      try {
        result = await floodRound(inferd, image, count, context.windowMs);
      } finally {
        if (!shared) await inferd.process.stop();
      }
      context.progress(`admission: codes ${JSON.stringify(result.codes)}; peak RSS ${result.peakRssMib.toFixed(0)} MiB${result.killed ? " (killed at the safety limit)" : ""}`);
      results.push(result);
    }
    await shared?.process.stop();
    const samples = (pickIdle: (r: FloodRound) => number, pickFlood: (r: FloodRound) => number) => results.map((r) => ({ baseline: pickIdle(r), subject: pickFlood(r) }));
    const p = (values: number[], q: number): number => quantile(values, q);
    const s = "admission";
    const figures: Figure[] = [
      pairedFigure(s, "server_peak_rss", "MiB", samples((r) => r.idleRssMib, (r) => r.peakRssMib), { on: "subject", op: "<=", value: RSS_BOUND_MIB }),
      pairedFigure(s, "ping_p50", "ms", samples((r) => p(r.idle.pingMs, 0.5), (r) => p(r.flood.pingMs, 0.5))),
      pairedFigure(s, "ping_p99", "ms", samples((r) => p(r.idle.pingMs, 0.99), (r) => p(r.flood.pingMs, 0.99)), { on: "subject", op: "<=", value: PROBE_P99_MS }),
      pairedFigure(s, "health_p50", "ms", samples((r) => p(r.idle.healthMs, 0.5), (r) => p(r.flood.healthMs, 0.5))),
      pairedFigure(s, "health_p99", "ms", samples((r) => p(r.idle.healthMs, 0.99), (r) => p(r.flood.healthMs, 0.99)), { on: "subject", op: "<=", value: PROBE_P99_MS }),
      // Of the calls sent, how many were answered OK or RESOURCE_EXHAUSTED (the only two answers a flood should get).
      pairedFigure(s, "flood_answered_ok_or_refused", "calls", samples((r) => r.sent, (r) => (r.codes["OK"] ?? 0) + (r.codes["RESOURCE_EXHAUSTED"] ?? 0)), { on: "ratio", op: ">=", value: 1 }),
    ];
    return {
      title: `admission — ${count} concurrent Infers of a ${side}×${side} PNG with default limits (baseline: the idle server)`,
      baselineLabel: "idle",
      figures,
    };
  },
};
