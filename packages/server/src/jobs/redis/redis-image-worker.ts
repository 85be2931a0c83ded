import { hostname } from "node:os";
import { Worker, type Job as BullJob } from "bullmq";
import type { Redis } from "ioredis";
import { JobStage } from "@inferd/grpc-types/v1";
import type { Logger } from "../../logger";
import type { ResolvedModel } from "../../models/repository";
import { processImage, reason, resultPathsOf } from "../image-step";
import type { JobRunnerDeps } from "../job-runner";
import type { JobSpec } from "../journal";
import type { ResultPaths } from "../result-paths";
import { CHANNEL, OPEN_JOBS, imagesKey, jobKey, partialUpdate } from "./redis-keys";
import { EMIT, FINISH, SETTLE, START_IMAGE } from "./scripts";
import type { ScriptRunner } from "./redis-job-engine";

/** This replica's BullMQ worker name: host and process id. */
export function workerName(): string {
  return `${hostname()}:${process.pid}`;
}

/** What one BullMQ job carries: one image of an inferd job. */
export interface ImageData {
  readonly jobId: string;
  readonly index: number;
}

/** What {@link createRedisImageWorker} needs. */
export interface RedisImageWorkerOptions extends Pick<JobRunnerDeps, "store" | "repository" | "pipeline"> {
  readonly logger: Logger;
  readonly redis: Redis;
  readonly runScript: ScriptRunner;
  readonly queueName: string;
  readonly workers: number;
  readonly lockMs: number;
  readonly retentionMs: number;
  readonly maxImageBytes?: number;
}

/** A job's immutable spec and result paths, cached per replica (specs never change). */
interface Known {
  readonly spec: JobSpec;
  readonly paths: ResultPaths[];
}

/**
 * This replica's BullMQ worker: takes images of any job, runs them like the embedded engine
 * does (see processImage), and records each outcome once in Redis. A replica that dies with
 * an image in hand loses its lock; after `lockMs` BullMQ's stalled check hands the image to
 * another worker, which redoes it (nothing was recorded for it).
 */
export function createRedisImageWorker(options: RedisImageWorkerOptions): Worker<ImageData> {
  const { logger, runScript, retentionMs } = options;
  const deps = { ...options, maxImageBytes: options.maxImageBytes ?? 64 * 1024 * 1024 };
  const known = new Map<string, Known>();

  async function knownJob(jobId: string): Promise<Known | undefined> {
    const cached = known.get(jobId);
    if (cached) return cached;
    const json = await options.redis.hget(jobKey(jobId), "spec");
    if (!json) return undefined;
    const spec = JSON.parse(json) as JobSpec;
    const entry = { spec, paths: resultPathsOf(spec) };
    if (known.size > 1000) known.clear(); // a bound, not an LRU: re-reading a spec is cheap
    known.set(jobId, entry);
    return entry;
  }

  const keys = (jobId: string): string[] => [jobKey(jobId), imagesKey(jobId), OPEN_JOBS];
  const settle = (spec: JobSpec, index: number, value: string, update: string, failed: boolean): Promise<unknown> =>
    runScript(SETTLE, keys(spec.id), [CHANNEL, index, value, update, failed ? "1" : "0", retentionMs]);
  const fail = (spec: JobSpec, message: string): Promise<unknown> => {
    logger.info({ job: spec.id, stage: "failed", message }, "job ended");
    return runScript(FINISH, keys(spec.id), [CHANNEL, JobStage.FAILED, message, retentionMs]);
  };

  /**
   * Runs one image; an error (Redis refusing a script, say) is retried by BullMQ, and on its
   * last attempt the image is recorded as failed so that its job can still end.
   */
  async function processOne(bull: BullJob<ImageData>): Promise<void> {
    try {
      await runImage(bull);
    } catch (error) {
      if (bull.attemptsMade + 1 < (bull.opts.attempts ?? 1)) throw error;
      logger.error({ job: bull.data.jobId, image: bull.data.index, err: error }, "a job image failed on every attempt; it is recorded as failed");
      const job = await knownJob(bull.data.jobId);
      if (!job) return;
      const outcome = { ok: false as const, error: "internal error; the server log has the details" };
      const update = partialUpdate(job.spec, { stage: JobStage.PREPROCESS, imageUri: job.spec.imageUris[bull.data.index] as string, imageIndex: bull.data.index, imageError: outcome.error });
      await settle(job.spec, bull.data.index, JSON.stringify(outcome), update, true);
    }
  }

  async function runImage(bull: BullJob<ImageData>): Promise<void> {
    const { jobId, index } = bull.data;
    const job = await knownJob(jobId);
    if (!job) return; // dropped by retention: nothing to do
    const { spec } = job;
    const imageUri = spec.imageUris[index] as string;
    const image = { imageUri, imageIndex: index };
    const started = Number(await runScript(START_IMAGE, [jobKey(jobId), imagesKey(jobId)], [CHANNEL, partialUpdate(spec, { stage: JobStage.PREPROCESS, ...image }), index]));
    if (started === -2) {
      await settle(spec, index, "skip", "", false);
      return;
    }
    if (started <= 0) return; // ended, or this image is already recorded (a redelivery)
    let model: ResolvedModel;
    try {
      model = options.repository.resolve(spec.model, spec.version);
    } catch (error) {
      await fail(spec, `model ${spec.model} version ${spec.version} cannot run: ${reason(error)}`);
      return;
    }
    let inferSent: Promise<unknown> = Promise.resolve();
    const step = await processImage(
      {
        spec,
        index,
        model,
        paths: job.paths[index] as ResultPaths,
        onInfer: () => {
          inferSent = runScript(EMIT, [jobKey(jobId)], [CHANNEL, partialUpdate(spec, { stage: JobStage.INFER, ...image }), 1 / 3]);
        },
        // Cancel reaches images in hand on every replica: no result is stored after it.
        mayStore: async () => (await options.redis.hget(jobKey(jobId), "cancel")) !== "1",
      },
      deps,
    );
    await inferSent;
    if (step.kind === "store-failed") {
      await fail(spec, step.message);
      return;
    }
    if (step.kind === "skipped") {
      await settle(spec, index, "skip", "", false);
      return;
    }
    const { outcome, stage } = step;
    const fields = outcome.ok ? { resultUri: outcome.resultUri, maskUri: outcome.maskUri, resultCount: outcome.resultCount } : { imageError: outcome.error };
    const update = partialUpdate(spec, { stage: outcome.ok ? JobStage.POSTPROCESS : stage, ...image, ...fields });
    await settle(spec, index, JSON.stringify(outcome), update, !outcome.ok);
  }

  const worker = new Worker<ImageData>(options.queueName, processOne, {
    connection: options.redis,
    // BullMQ records it on each image it takes (processedBy): which replica has which image.
    name: workerName(),
    concurrency: options.workers,
    lockDuration: options.lockMs,
    stalledInterval: Math.max(250, Math.floor(options.lockMs / 2)),
    // A replica dying is not the image's fault: keep handing it over however often it happens.
    maxStalledCount: 1000,
  });
  worker.on("error", (error: Error) => logger.debug({ err: error }, "bullmq worker error"));
  worker.on("failed", (bull, error) => logger.warn({ job: bull?.data.jobId, image: bull?.data.index, err: error }, "a job image failed in the worker; BullMQ retries it"));
  return worker;
}
