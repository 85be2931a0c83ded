import { JobStage, type JobSummary, type JobUpdate } from "@inferd/grpc-types/v1";
import type { EndStage, ImageOutcome, JobSpec } from "./journal";

/** Receives a job's updates; the last one a listener gets has a terminal stage. */
export type JobListener = (update: JobUpdate) => void;

const TERMINAL: ReadonlySet<JobStage> = new Set([JobStage.DONE, JobStage.FAILED, JobStage.CANCELLED]);

/** True for DONE, FAILED and CANCELLED. */
export function isTerminal(stage: JobStage): boolean {
  return TERMINAL.has(stage);
}

/** The JobStage of a journal end stage. */
export function endStage(stage: EndStage): JobStage {
  return stage === "done" ? JobStage.DONE : stage === "failed" ? JobStage.FAILED : JobStage.CANCELLED;
}

/**
 * One job in memory: its spec, which images are finished, its latest update, and the
 * listeners (Run and WatchJob streams) that receive every new update.
 */
export class Job {
  readonly images = new Map<number, ImageOutcome>();
  cancelRequested = false;
  startedAt: Date | undefined;
  private endedAtTime: Date | undefined;
  private latest: JobUpdate;
  private readonly listeners = new Set<JobListener>();
  private markEnded!: (stage: JobStage) => void;
  /** Resolves with the terminal stage once the job has ended (DONE, FAILED or CANCELLED). */
  readonly ended: Promise<JobStage> = new Promise((resolve) => (this.markEnded = resolve));

  constructor(readonly spec: JobSpec) {
    this.latest = this.update(JobStage.QUEUED, {});
  }

  /** When the job ended; undefined while it is queued or running. */
  get endedAt(): Date | undefined {
    return this.endedAtTime;
  }

  /** The latest update: what WatchJob sends first. */
  get current(): JobUpdate {
    return this.latest;
  }

  get stage(): JobStage {
    return this.latest.stage;
  }

  /** Images finished (with a result or an error). */
  get finishedCount(): number {
    return this.images.size;
  }

  /** The index of the first image without an outcome, or undefined when all are finished. */
  firstUnfinished(from = 0): number | undefined {
    for (let i = from; i < this.spec.imageUris.length; i++) if (!this.images.has(i)) return i;
    return undefined;
  }

  summary(): JobSummary {
    let failed = 0;
    for (const outcome of this.images.values()) if (!outcome.ok) failed++;
    const end = this.endedAtTime ?? new Date();
    return {
      imagesTotal: this.spec.imageUris.length,
      imagesSucceeded: this.images.size - failed,
      imagesFailed: failed,
      elapsedMs: this.startedAt ? Math.max(0, end.getTime() - this.startedAt.getTime()) : 0,
    };
  }

  /** Overall progress 0-100, counting `extra` (0-1) of the image in hand. */
  progress(extra = 0): number {
    const total = this.spec.imageUris.length;
    return total === 0 ? 100 : Math.min(100, ((this.images.size + extra) / total) * 100);
  }

  /** Builds an update of this job (not yet published). */
  update(stage: JobStage, fields: Partial<JobUpdate>): JobUpdate {
    return {
      jobId: this.spec.id,
      stage,
      progress: this.progress(),
      message: "",
      imageUri: "",
      imageIndex: 0,
      resultUri: "",
      maskUri: "",
      imageError: "",
      summary: this.summary(),
      time: new Date(),
      resultCount: 0,
      ...fields,
    };
  }

  /** Publishes an update to every listener and keeps it as the current state. */
  publish(update: JobUpdate): void {
    if (isTerminal(this.latest.stage)) return; // an ended job never changes again
    if (isTerminal(update.stage)) {
      this.endedAtTime = update.time ?? new Date();
      update = { ...update, summary: this.summary() };
    }
    this.latest = update;
    for (const listener of [...this.listeners]) listener(update);
    if (isTerminal(update.stage)) {
      this.listeners.clear();
      this.markEnded(update.stage);
    }
  }

  /** Marks the job ended as the journal recorded it (replay); publishes nothing. */
  restoreEnd(stage: EndStage, message: string, at: Date): void {
    this.endedAtTime = at;
    this.latest = this.update(endStage(stage), { message, progress: stage === "done" ? 100 : this.progress(), time: at });
    this.markEnded(this.latest.stage);
  }

  /**
   * Sends the current state to the listener, then every later update until the job ends.
   * Returns the function that detaches it.
   */
  watch(listener: JobListener): () => void {
    listener(this.latest);
    if (isTerminal(this.latest.stage)) return () => undefined;
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
