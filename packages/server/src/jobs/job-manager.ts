import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import { InferdError } from "../errors";
import { silentLogger } from "../logger";
import { isTerminal, Job, type JobListener } from "./job";
import { runJob, type JobRunnerDeps } from "./job-runner";
import type { JobSpec } from "./journal";
import { quote } from "../quote";

/** Options of {@link createJobManager}. */
export interface JobManagerOptions extends Omit<JobRunnerDeps, "logger" | "maxImageBytes"> {
  readonly logger?: JobRunnerDeps["logger"];
  /** Jobs run at the same time. Default 1. */
  readonly workers?: number;
  /** Jobs that may wait for a worker; Run beyond it is RESOURCE_EXHAUSTED. Default 100. */
  readonly queueSize?: number;
  /** Largest image file a job reads, in bytes. Default 64 MiB. */
  readonly maxImageBytes?: number;
}

/** Queues, runs, persists and reports inference jobs. */
export interface JobManager {
  /** Replays the journal (finished jobs are kept, interrupted ones are queued again) and starts the workers. */
  start(): Promise<void>;
  /**
   * Records and queues a job; resolves with it once it is durable. Throws
   * InferdError("resource-exhausted") when the queue is full.
   */
  submit(spec: Omit<JobSpec, "id" | "createdAt">): Promise<Job>;
  /** The job, or throws InferdError("not-found"). */
  get(jobId: string): Job;
  /** Current state first, then live updates until the job ends; returns the detach function. */
  watch(jobId: string, listener: JobListener): () => void;
  /** Asks a job to stop between images; resolves with its stage after the request. */
  cancel(jobId: string): Promise<JobStage>;
  /** Stops taking jobs, lets each worker finish its current image, and waits for them. */
  stop(): Promise<void>;
}

/** Creates the job manager; call start() before submitting. */
export function createJobManager(options: JobManagerOptions): JobManager {
  const logger = options.logger ?? silentLogger;
  const deps: JobRunnerDeps = { ...options, logger, maxImageBytes: options.maxImageBytes ?? 64 * 1024 * 1024 };
  const workers = Math.max(1, options.workers ?? 1);
  const queueSize = Math.max(0, options.queueSize ?? 100);
  const jobs = new Map<string, Job>();
  const queue: Job[] = [];
  const wakeups: (() => void)[] = [];
  const running: Promise<void>[] = [];
  let stopping = false;

  function enqueue(job: Job, front = false): void {
    if (front) queue.unshift(job);
    else queue.push(job);
    wakeups.shift()?.();
  }

  async function nextJob(): Promise<Job | undefined> {
    for (;;) {
      if (stopping) return undefined;
      const job = queue.shift();
      if (job) return job;
      await new Promise<void>((resolve) => wakeups.push(resolve));
    }
  }

  async function worker(): Promise<void> {
    for (let job = await nextJob(); job; job = await nextJob()) {
      if (isTerminal(job.stage)) continue; // cancelled while queued
      try {
        await runJob(job, deps, () => stopping);
      } catch (error) {
        // The journal itself failed (disk full, permissions): the job cannot be recorded.
        logger.error({ job: job.spec.id, error }, "job aborted: its journal could not be written");
        job.publish(job.update(JobStage.FAILED, { message: "the server could not record the job's progress; see the server log" }));
      }
    }
  }

  function find(jobId: string): Job {
    const job = jobs.get(jobId);
    if (!job) throw new InferdError("not-found", `job ${quote(jobId)} is unknown to this server; job ids come from the first Run update`);
    return job;
  }

  return {
    async start() {
      const replayed = await options.journal.replay();
      let resumed = 0;
      for (const record of replayed) {
        const job = new Job(record.spec);
        for (const [index, outcome] of record.images) job.images.set(index, outcome);
        if (record.startedAt) job.startedAt = new Date(record.startedAt);
        jobs.set(job.spec.id, job);
        if (record.ended) {
          job.restoreEnd(record.ended.stage, record.ended.message, new Date(record.ended.at));
        } else {
          const next = job.firstUnfinished() ?? job.spec.imageUris.length;
          job.publish(job.update(JobStage.QUEUED, { message: `resumed after a restart at image ${next}` }));
          enqueue(job);
          resumed++;
        }
      }
      logger.info({ jobs: replayed.length, resumed }, "job journal replayed");
      for (let i = 0; i < workers; i++) running.push(worker());
    },

    async submit(request) {
      if (stopping) throw new InferdError("unavailable", "the server is shutting down; submit the job again after it restarts");
      const waiting = queue.filter((j) => !isTerminal(j.stage)).length;
      if (waiting >= queueSize) {
        throw new InferdError("resource-exhausted", `the job queue is full (${queueSize} jobs waiting); retry when a job has finished`);
      }
      const spec: JobSpec = { ...request, id: options.journal.newId(), createdAt: new Date().toISOString() };
      await options.journal.append(spec.id, { type: "created", spec });
      const job = new Job(spec);
      jobs.set(spec.id, job);
      logger.info({ job: spec.id, project: spec.project, model: spec.model, version: spec.version, images: spec.imageUris.length }, "job queued");
      enqueue(job);
      return job;
    },

    get: find,

    watch(jobId, listener) {
      return find(jobId).watch(listener);
    },

    async cancel(jobId) {
      const job = find(jobId);
      if (isTerminal(job.stage)) return job.stage;
      job.cancelRequested = true;
      const index = queue.indexOf(job);
      if (index >= 0) {
        // Not started by a worker: end it now rather than when it reaches the front.
        queue.splice(index, 1);
        const at = new Date();
        await options.journal.append(jobId, { type: "ended", stage: "cancelled", message: "cancelled while queued", at: at.toISOString() });
        job.publish(job.update(JobStage.CANCELLED, { message: "cancelled while queued", time: at }));
        return JobStage.CANCELLED;
      }
      // A worker has it: it stops before the next image. The caller gets CANCELLED, which the
      // stream confirms once the image in hand is finished.
      return JobStage.CANCELLED;
    },

    async stop() {
      stopping = true;
      for (const wake of wakeups.splice(0)) wake();
      await Promise.all(running);
    },
  };
}

export type { JobUpdate };
