import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { FilesClient, InferenceClient, JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import type { BenchContext, Scenario } from "../context";
import { startInferd, type RunningInferd } from "../child/inferd-process";
import { pairedFigure } from "../figures";
import { DEFAULT_MODEL } from "../fixtures/default-model";
import { textJpeg } from "../fixtures/images";
import { uploadBuffer } from "../grpc-calls";
import { timed } from "../load";
import { authMetadata, INFER_TOKEN } from "./infer-shared";

const PROJECT = "bench";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no free port"))));
    });
  });
}

/** A throwaway redis-server (no persistence) for the scenario. */
async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (spawnSync("redis-server", ["--version"]).status !== 0) throw new Error("scale-out needs redis-server (apt-get install redis-server)");
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (data: Buffer) => {
      output += data.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    void exited.then(() => reject(new Error(`redis-server exited: ${output}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: async () => (child.kill("SIGTERM"), await exited) };
}

/** Runs a job to its end; rejects unless every image succeeded. */
function runJob(client: InferenceClient, uris: readonly string[]): Promise<JobUpdate> {
  return new Promise((resolve, reject) => {
    let last: JobUpdate | undefined;
    const stream = client.run({ project: PROJECT, model: DEFAULT_MODEL, version: "", imageUris: [...uris], parameters: undefined }, authMetadata());
    stream.on("data", (response: { update?: JobUpdate }) => {
      if (response.update) last = response.update;
    });
    stream.on("error", reject);
    stream.on("end", () => {
      const succeeded = last?.summary?.imagesSucceeded ?? 0;
      if (last?.stage !== JobStage.DONE || succeeded !== uris.length) reject(new Error(`job ended in stage ${String(last?.stage)} with ${succeeded}/${uris.length} images: ${last?.message ?? ""}`));
      else resolve(last);
    });
  });
}

/**
 * Starts `count` replicas of the real binary, onnxruntime threads = 1 each. Each has its own
 * data dir and the same --shared-files-dir: the shared file store, with its cross-process locks.
 */
async function startReplicas(context: BenchContext, label: string, count: number, redisUrl: string | undefined): Promise<RunningInferd[]> {
  const shared = join(context.workDir, "shared-files");
  mkdirSync(shared, { recursive: true });
  const replicas: RunningInferd[] = [];
  for (let i = 0; i < count; i++) {
    const workDir = join(context.workDir, `${label}-${i}-${Date.now()}`);
    mkdirSync(join(workDir, "inferd-data"), { recursive: true });
    const extraArgs = ["--model-threads", "1", "--job-workers", "1", "--shared-files-dir", shared, ...(redisUrl ? ["--redis", redisUrl] : [])];
    replicas.push(await startInferd({ workDir, token: INFER_TOKEN, metrics: false, extraArgs }));
  }
  return replicas;
}

/** Images per second of one Run of `uris` submitted to the first of `count` fresh replicas. */
async function imagesPerSecond(context: BenchContext, label: string, count: number, redisUrl: string | undefined, uris: readonly string[]): Promise<number> {
  const replicas = await startReplicas(context, label, count, redisUrl);
  const inference = new InferenceClient((replicas[0] as RunningInferd).address, credentials.createInsecure());
  try {
    // Warm-up: a first inference per replica is slower; a short job reaches every replica.
    await runJob(inference, uris.slice(0, Math.min(uris.length, 2 * count)));
    const ms = await timed(() => runJob(inference, uris));
    return uris.length / (ms / 1000);
  } finally {
    inference.close();
    for (const replica of replicas) await replica.process.stop();
  }
}

/**
 * scale-out: one Run of 200 stored images (2 × --run-images) with 1, 2 and 3 replicas on one
 * Redis (--redis), onnxruntime threads = 1 each, images/s as a ratio to 1 replica; and the
 * Redis engine vs the embedded engine on 1 replica (cost per image). Each round starts fresh
 * replicas for each configuration; model loading is not timed.
 */
export const scaleOutScenario: Scenario = {
  name: "scale-out",
  summary: "a 200-image Run on 1, 2, 3 replicas sharing one Redis (images/s vs 1), and Redis vs embedded jobs",
  async run(context) {
    const redis = await startRedis();
    // Twice --run-images: 200 by default, 8 with --quick.
    const count = 2 * context.runImages;
    try {
      const [uploader] = await startReplicas(context, "upload", 1, undefined);
      const files = new FilesClient((uploader as RunningInferd).address, credentials.createInsecure());
      const uris: string[] = [];
      try {
        context.progress(`scale-out: uploading ${count} images`);
        for (let i = 0; i < count; i++) uris.push((await uploadBuffer(files, authMetadata(), await textJpeg(640, 640, i), PROJECT, `images/${i}.jpg`)).uri);
      } finally {
        files.close();
        await (uploader as RunningInferd).process.stop();
      }
      const rounds = Math.min(context.rounds, 3);
      const samples: { embedded: number; r1: number; r2: number; r3: number }[] = [];
      for (let round = 0; round < rounds; round++) {
        context.progress(`scale-out: round ${round + 1}/${rounds}`);
        const embedded = await imagesPerSecond(context, "embedded", 1, undefined, uris);
        const r1 = await imagesPerSecond(context, "redis1", 1, redis.url, uris);
        const r2 = await imagesPerSecond(context, "redis2", 2, redis.url, uris);
        const r3 = await imagesPerSecond(context, "redis3", 3, redis.url, uris);
        samples.push({ embedded, r1, r2, r3 });
      }
      return {
        title: `scale-out — a ${count}-image Run on N replicas sharing one Redis (PP-OCRv4, 1 onnxruntime thread each)`,
        baselineLabel: "1 replica (redis)",
        figures: [
          pairedFigure("scale-out", "replicas_2", "images/s", samples.map((s) => ({ baseline: s.r1, subject: s.r2 })), { on: "ratio", op: ">=", value: 1.6 }),
          pairedFigure("scale-out", "replicas_3", "images/s", samples.map((s) => ({ baseline: s.r1, subject: s.r3 }))),
          // Per-image time: Redis engine (subject) vs embedded engine (baseline), 1 replica.
          pairedFigure("scale-out", "redis_vs_embedded_per_image", "ms", samples.map((s) => ({ baseline: 1000 / s.embedded, subject: 1000 / s.r1 })), { on: "ratio", op: "<=", value: 1.05 }),
        ],
      };
    } finally {
      await redis.stop();
    }
  },
};
