import type { JobInfo, JobUpdate } from "@inferd/grpc-types/v1";
import type { ImageOutcome, JobSpec } from "../journal";

/** Every key and channel of the Redis job engine starts with this. */
export const PREFIX = "inferd";
/** The one pub/sub channel of job updates (each carries its job id and seq). */
export const CHANNEL = `${PREFIX}:job-updates`;
/** The BullMQ queue of images (one BullMQ job per image of an inferd job). */
export const IMAGE_QUEUE = `${PREFIX}-images`;
/** The set of job ids not yet ended, for the queue-size check. */
export const OPEN_JOBS = `${PREFIX}:open-jobs`;

export const jobKey = (id: string): string => `${PREFIX}:job:${id}`;
export const imagesKey = (id: string): string => `${PREFIX}:job:${id}:images`;
export const projectKey = (project: string): string => `${PREFIX}:project:${project}`;
/** A BullMQ job id (":" is not allowed in them). */
export const imageJobId = (id: string, index: number): string => `${id}-${index}`;
/** The member of a project's index: creation time, then id, so lexical order is creation order. */
export const indexMember = (createdAt: string, id: string): string => `${createdAt} ${id}`;

/** An update as stored and published: JSON, time in ms, with its sequence number. */
export interface StoredUpdate {
  readonly seq: number;
  readonly update: JobUpdate;
}

/** Parses a stored or published update. */
export function parseUpdate(json: string): StoredUpdate {
  const raw = JSON.parse(json) as Omit<JobUpdate, "time"> & { time: number; seq: number };
  const { seq, time, ...rest } = raw;
  return { seq, update: { ...rest, time: new Date(time) } };
}

/** The update fields a worker sends; Redis adds progress (unless given), summary, time and seq. */
export function partialUpdate(spec: JobSpec, fields: Partial<Omit<JobUpdate, "summary" | "time">> & Pick<JobUpdate, "stage">): string {
  return JSON.stringify({ jobId: spec.id, message: "", imageUri: "", imageIndex: 0, resultUri: "", maskUri: "", imageError: "", resultCount: 0, ...fields });
}

/** A job hash as read back. */
export interface StoredJob {
  readonly spec: JobSpec;
  readonly current: StoredUpdate;
  readonly startedAt: Date | undefined;
  readonly endedAt: Date | undefined;
  readonly cancelRequested: boolean;
}

const dateOf = (ms: string | undefined): Date | undefined => (ms && Number(ms) > 0 ? new Date(Number(ms)) : undefined);

/** Reads a job hash (HGETALL); undefined when it is gone. */
export function parseJob(hash: Record<string, string>): StoredJob | undefined {
  if (!hash.spec || !hash.update) return undefined;
  return {
    spec: JSON.parse(hash.spec) as JobSpec,
    current: parseUpdate(hash.update),
    startedAt: dateOf(hash.startedAt),
    endedAt: dateOf(hash.endedAt),
    cancelRequested: hash.cancel === "1",
  };
}

/** The result URIs of an images hash, in image order. */
export function resultUrisOf(images: Record<string, string>): string[] {
  return Object.entries(images)
    .filter(([, value]) => value !== "skip")
    .map(([index, value]) => [Number(index), JSON.parse(value) as ImageOutcome] as const)
    .sort((a, b) => a[0] - b[0])
    .flatMap(([, outcome]) => (outcome.ok ? [outcome.resultUri] : []));
}

/** ListJobs' view of a stored job. */
export function infoOf(job: StoredJob, retentionMs: number): JobInfo {
  const { update } = job.current;
  return {
    jobId: job.spec.id,
    model: job.spec.model,
    version: job.spec.version,
    stage: update.stage,
    progress: update.progress,
    summary: update.summary,
    message: update.message,
    createdTime: new Date(job.spec.createdAt),
    startedTime: job.startedAt,
    endedTime: job.endedAt,
    expireTime: job.endedAt && retentionMs > 0 ? new Date(job.endedAt.getTime() + retentionMs) : undefined,
  };
}
