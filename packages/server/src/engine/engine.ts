import { join } from "node:path";
import type { FileStore } from "../files/file-store";
import type { InferenceOptions } from "../inference/options";
import { DEFAULT_HELPER_THREAD_NICE, lowerHelperThreads } from "../inference/thread-priority";
import { createJobJournal } from "../jobs/journal";
import { createJobEngine } from "../jobs/create-job-engine";
import type { JobEngine } from "../jobs/job-engine";
import type { Logger } from "../logger";
import { createEngineInference, type EngineInference } from "./inference";
import { createModelRegistry, type ModelRegistry } from "./model-registry";

/**
 * What every protocol front-end serves from, built once per server: the model registry, the
 * shared inference parts and the job manager. A protocol module (inferd.v1, OIP, Avro, the
 * studio) gets it as `context.engine` and builds none of it itself, so no model loads twice
 * and a job submitted over one protocol can be watched over another.
 */
export interface Engine {
  /** The model repository with per-version readiness and statistics. */
  readonly models: ModelRegistry;
  /** Pipeline, admission and decode budget. */
  readonly inference: EngineInference;
  /** The one job manager (Run, WatchJob, Avro Init/Monitor, studio session clean-up). */
  readonly jobs: JobEngine;
  /** True once {@link start} finished: models loaded and the job journal replayed. */
  ready(): boolean;
  /** Resolves when {@link ready} turns true; rejects when start-up failed. */
  whenReady(): Promise<void>;
  /**
   * Loads the models, then replays the job journal and starts the job workers. Called once by
   * the server after binding; a second call returns the first one's promise.
   */
  start(): Promise<void>;
  /** Stops the job workers (running jobs finish their current image), then releases the models. */
  stop(): Promise<void>;
}

/** What {@link createEngine} works with. */
export interface EngineOptions {
  readonly logger: Logger;
  /** Absolute data dir: the job journal lives in `<dataDir>/jobs`. */
  readonly dataDir: string;
  /** Absolute models dir. */
  readonly modelsDir: string;
  /** Where jobs read images and write results. */
  readonly fileStore: FileStore;
  /** Largest image a job reads, in bytes (the server's message limit). */
  readonly maxImageBytes: number;
  /** Model threads, admission, decode budget, job workers, model control mode, ... */
  readonly inference?: InferenceOptions;
}

/** Creates the engine; nothing loads or runs until {@link Engine.start}. */
export function createEngine(options: EngineOptions): Engine {
  const inferenceOptions = options.inference ?? {};
  const models = createModelRegistry({ modelsDir: options.modelsDir, logger: options.logger, inference: inferenceOptions });
  const inference = createEngineInference(inferenceOptions, models);
  // The embedded engine (journal in the data dir), or BullMQ on Redis with --redis.
  const jobs = createJobEngine({
    store: options.fileStore,
    repository: models,
    pipeline: inference.pipeline,
    journal: createJobJournal(join(options.dataDir, "jobs")),
    logger: options.logger,
    workers: inferenceOptions.jobWorkers,
    queueSize: inferenceOptions.jobQueueSize,
    retentionMs: inferenceOptions.jobRetentionMs,
    maxImageBytes: options.maxImageBytes,
    ...(inferenceOptions.jobRedis ? { redis: inferenceOptions.jobRedis } : {}),
  });
  let started = false;
  let starting: Promise<void> | undefined;
  let markReady!: () => void;
  let markFailed!: (error: unknown) => void;
  const whenReady = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  whenReady.catch(() => undefined); // start() reports the failure; waiters still see it
  return {
    models,
    inference,
    jobs,
    ready: () => started,
    whenReady: () => whenReady,
    start() {
      starting ??= (async () => {
        // Models first: jobs interrupted by a crash resume as soon as the journal is replayed.
        await models.load();
        // By now libuv's pool and V8's helpers exist: put them below the event loop.
        lowerHelperThreads(inferenceOptions.helperThreadNice ?? DEFAULT_HELPER_THREAD_NICE);
        await jobs.start();
        started = true;
      })().then(markReady, (error: unknown) => {
        markFailed(error);
        throw error;
      });
      return starting;
    },
    async stop() {
      await jobs.stop();
      await models.close();
    },
  };
}
