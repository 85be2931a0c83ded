import { JobStage, type JobInfo, type JobUpdate } from "@inferd/grpc-types/v1";
import { InferdError } from "../errors";
import { silentLogger } from "../logger";
import { isTerminal, Job, type JobListener } from "./job";
import { JobIndex } from "./job-index";
import { runJob, type JobRunnerDeps } from "./job-runner";
import type { JobSpec } from "./journal";
import { quote } from "../quote";

/** Finished jobs are forgotten (memory and journal) this long after they ended: 7 days. */
export const DEFAULT_JOB_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** Longest pause between two retention sweeps. */
const MAX_SWEEP_INTERVAL_MS = 3600 * 1000;

/** Options of {@link createJobManager}. */
export interface JobManagerOptions extends Omit<JobRunnerDeps, "logger" | "maxImageBytes"> {
  readonly logger?: JobRunnerDeps["logger"];
  /** Jobs run at the same time. Default 1. */
  readonly workers?: number;
  /** Jobs that may wait for a worker; Run beyond it is RESOURCE_EXHAUSTED. Default 100. */
  readonly queueSize?: number;
  /** Largest image file a job reads, in bytes. Default 64 MiB. */
  readonly maxImageBytes?: number;
  /**
   * How long a finished job (and its journal file) is kept after it ended, in ms; 0 keeps
   * jobs forever. Results stored in the project are never deleted. Default 7 days.
   */
  readonly retentionMs?: number;
  /** The clock (ms since the epoch); tests move it instead of waiting. Default Date.now. */
  readonly now?: () => number;
}

/** One page of {@link JobManager.list}. */
export interface JobListPage {
  readonly jobs: JobInfo[];
  readonly nextPageToken: string;
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
  /** The job, or undefined when this server does not know it (never existed, or dropped by retention). */
  find(jobId: string): Job | undefined;
  /** Current state first, then live updates until the job ends; returns the detach function. */
  watch(jobId: string, listener: JobListener): () => void;
  /**
   * Cancels a job: a queued one ends at once, a running one stops before its next image.
   * Resolves once the job has ended, with the stage it really ended in (DONE when its last
   * image was already in hand).
   */
  cancel(jobId: string): Promise<JobStage>;
  /** One page of a project's jobs, newest first (throws INVALID_ARGUMENT for a bad size or token). */
  list(project: string, pageSize: number, pageToken: string): JobListPage;
  /** Drops finished jobs older than the retention, with their journal files; returns how many. */
  sweep(): Promise<number>;
  /** Stops taking jobs, lets each worker finish its current image, and waits for them. */
  stop(): Promise<void>;
}

/** The NOT_FOUND of a job id this caller cannot see: the same for "unknown" and "not yours". */
export function jobNotFound(jobId: string): InferdError {
  return new InferdError("not-found", `job ${quote(jobId)} was not found; job ids come from the first Run update, and ListJobs lists a project's jobs`);
}

/** Creates the job manager; call start() before submitting. */
export function createJobManager(options: JobManagerOptions): JobManager {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const deps: JobRunnerDeps = { ...options, logger, maxImageBytes: options.maxImageBytes ?? 64 * 1024 * 1024 };
  const workers = Math.max(1, options.workers ?? 1);
  const queueSize = Math.max(0, options.queueSize ?? 100);
  const retentionMs = Math.max(0, options.retentionMs ?? DEFAULT_JOB_RETENTION_MS);
  const jobs = new Map<string, Job>();
  const index = new JobIndex();
  const queue: Job[] = [];
  const wakeups: (() => void)[] = [];
  const running: Promise<void>[] = [];
  // Queue slots taken by submissions whose journal append is still in flight: counted with
  // the queue, so concurrent submissions cannot all pass the size check before any enqueues.
  let reserved = 0;
  let lastCreatedMs = 0;
  let stopping = false;
  // Rejects once the workers have stopped: a CancelJob still waiting then gets an answer.
  let markStopped!: () => void;
  const stopped = new Promise<never>((_resolve, reject) => {
    markStopped = () =>
      reject(new InferdError("unavailable", "the server stopped before the job ended; the cancellation is recorded, so the job ends CANCELLED when the server restarts"));
  });
  stopped.catch(() => undefined);
  let sweepTimer: NodeJS.Timeout | undefined;

  function remember(job: Job): void {
    jobs.set(job.spec.id, job);
    index.add(job);
  }

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

  function existing(jobId: string): Job {
    const job = jobs.get(jobId);
    if (!job) throw jobNotFound(jobId);
    return job;
  }

  function info(job: Job): JobInfo {
    const current = job.current;
    const endedAt = job.endedAt;
    return {
      jobId: job.spec.id,
      model: job.spec.model,
      version: job.spec.version,
      stage: current.stage,
      progress: current.progress,
      summary: job.summary(),
      message: current.message,
      createdTime: new Date(job.spec.createdAt),
      startedTime: job.startedAt,
      endedTime: endedAt,
      expireTime: endedAt && retentionMs > 0 ? new Date(endedAt.getTime() + retentionMs) : undefined,
    };
  }

  async function sweep(): Promise<number> {
    if (retentionMs === 0) return 0;
    const cutoff = now() - retentionMs;
    const expired = [...jobs.values()].filter((job) => job.endedAt !== undefined && job.endedAt.getTime() <= cutoff);
    for (const job of expired) {
      jobs.delete(job.spec.id);
      index.remove(job);
      // A file left behind (e.g. a read-only disk) is dropped again at the next start.
      await options.journal.remove(job.spec.id).catch((error: unknown) => logger.warn({ job: job.spec.id, error }, "could not delete an expired job's journal"));
    }
    if (expired.length > 0) logger.info({ jobs: expired.length, retentionMs }, "expired jobs dropped");
    return expired.length;
  }

  return {
    async start() {
      const replayed = await options.journal.replay();
      let resumed = 0;
      for (const record of replayed) {
        const job = new Job(record.spec);
        for (const [imageIndex, outcome] of record.images) job.images.set(imageIndex, outcome);
        if (record.startedAt) job.startedAt = new Date(record.startedAt);
        job.cancelRequested = record.cancelRequested;
        lastCreatedMs = Math.max(lastCreatedMs, Date.parse(record.spec.createdAt) || 0);
        remember(job);
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
      await sweep();
      if (retentionMs > 0) {
        const every = Math.min(Math.max(retentionMs / 10, 1000), MAX_SWEEP_INTERVAL_MS);
        sweepTimer = setInterval(() => void sweep(), every);
        sweepTimer.unref();
      }
      for (let i = 0; i < workers; i++) running.push(worker());
    },

    async submit(request) {
      if (stopping) throw new InferdError("unavailable", "the server is shutting down; submit the job again after it restarts");
      const waiting = queue.filter((j) => !isTerminal(j.stage)).length + reserved;
      if (waiting >= queueSize) {
        throw new InferdError("resource-exhausted", `the job queue is full (${queueSize} jobs waiting); retry when a job has finished`);
      }
      // Creation times strictly increase, so "newest first" is the order of submission.
      lastCreatedMs = Math.max(now(), lastCreatedMs + 1);
      const spec: JobSpec = { ...request, id: options.journal.newId(), createdAt: new Date(lastCreatedMs).toISOString() };
      reserved++;
      try {
        await options.journal.append(spec.id, { type: "created", spec });
      } finally {
        reserved--;
      }
      const job = new Job(spec);
      remember(job);
      logger.info({ job: spec.id, project: spec.project, model: spec.model, version: spec.version, images: spec.imageUris.length }, "job queued");
      enqueue(job);
      return job;
    },

    find: (jobId) => jobs.get(jobId),

    watch(jobId, listener) {
      return existing(jobId).watch(listener);
    },

    async cancel(jobId) {
      const job = existing(jobId);
      if (isTerminal(job.stage)) return job.stage;
      const queued = queue.indexOf(job);
      if (queued >= 0) {
        // Not started by a worker: end it now rather than when it reaches the front.
        queue.splice(queued, 1);
        job.cancelRequested = true;
        const at = new Date(now());
        try {
          await options.journal.append(jobId, { type: "ended", stage: "cancelled", message: "cancelled while queued", at: at.toISOString() });
        } catch (error) {
          // Not recorded: back in the queue, where a worker ends it (cancelRequested) or fails it.
          enqueue(job, true);
          throw error;
        }
        job.publish(job.update(JobStage.CANCELLED, { message: "cancelled while queued", time: at }));
        return job.ended;
      }
      if (!job.cancelRequested) {
        // A worker has it: it stops before its next image. Recorded first, so a restart in
        // between does not resume a job its owner cancelled.
        job.cancelRequested = true;
        const at = new Date(now());
        await options.journal.append(jobId, { type: "cancel", at: at.toISOString() });
        // Watchers learn it at once (same stage and image; no result fields).
        const { stage, imageUri, imageIndex } = job.current;
        job.publish(job.update(stage, { imageUri, imageIndex, time: at, message: "cancel requested: the job stops after the image in hand" }));
      }
      // Answer the job's real end, not the request: the image in hand may have been its last.
      return Promise.race([job.ended, stopped]);
    },

    list(project, pageSize, pageToken) {
      const page = index.page(project, pageSize, pageToken);
      return { jobs: page.jobs.map(info), nextPageToken: page.nextPageToken };
    },

    sweep,

    async stop() {
      stopping = true;
      clearInterval(sweepTimer);
      for (const wake of wakeups.splice(0)) wake();
      await Promise.all(running);
      markStopped();
    },
  };
}

export type { JobUpdate };
