import type { JobInfo, JobStage, JobUpdate } from "@inferd/grpc-types/v1";
import type { JobSpec } from "./journal";

/** Receives a job's updates; the last one a listener gets has a terminal stage. */
export type JobUpdateListener = (update: JobUpdate) => void;

/**
 * A read-only snapshot of one job: what it was asked to do and where it stood when the
 * snapshot was taken. Engines hand these out; the mutable job state never leaves them.
 */
export interface JobView {
  readonly spec: JobSpec;
  /** The latest update (stage, progress, summary) at the time of the snapshot. */
  readonly current: JobUpdate;
  readonly startedAt: Date | undefined;
  readonly endedAt: Date | undefined;
  /** Result URIs of the images finished with a result so far, in image order. */
  readonly resultUris: readonly string[];
}

/** One page of {@link JobEngine.list}. */
export interface JobListPage {
  readonly jobs: JobInfo[];
  readonly nextPageToken: string;
}

/** What a job is asked to do; the engine adds its id and creation time. */
export type JobRequest = Omit<JobSpec, "id" | "createdAt">;

/**
 * Queues, runs and reports inference jobs. Two implementations: the embedded one (one
 * process, journal on disk) and the Redis one (BullMQ; every replica runs and answers for
 * every job). Every method is async because the state may live in another process.
 */
export interface JobEngine {
  /** Restores persisted jobs and starts the workers. */
  start(): Promise<void>;
  /** Records and queues a job; throws InferdError("resource-exhausted") when the queue is full. */
  submit(request: JobRequest): Promise<JobView>;
  /** A snapshot of the job, or undefined when it is unknown (never existed, or dropped by retention). */
  get(jobId: string): Promise<JobView | undefined>;
  /**
   * Sends the job's current update to `listener`, then every later one until the job ends.
   * Resolves with the function that detaches the listener; NOT_FOUND for an unknown job.
   */
  subscribe(jobId: string, listener: JobUpdateListener): Promise<() => void>;
  /** Cancels a job; resolves with the stage it really ended in (DONE when its last image was in hand). */
  cancel(jobId: string): Promise<JobStage>;
  /** One page of a project's jobs, newest first (INVALID_ARGUMENT for a bad size or token). */
  list(project: string, pageSize: number, pageToken: string): Promise<JobListPage>;
  /**
   * Reports the engine's own dependencies to health (e.g. "redis"); returns the function
   * that stops reporting. The embedded engine has none.
   */
  watchHealth?(set: (name: string, status: "SERVING" | "NOT_SERVING") => void): () => void;
  /** Stops taking work, lets each worker finish its current image, and waits for them. */
  stop(): Promise<void>;
}
