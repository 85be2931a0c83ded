import type { JobState, JobStatus } from "@inferd/grpc-types/avro";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import type { Job } from "../../jobs/job";

/** The pipeline's state of a job stage: queued is PENDING, a worker's stages are PROCESSING. */
export function jobState(stage: JobStage): JobState {
  switch (stage) {
    case JobStage.DONE:
      return "SUCCESS";
    case JobStage.FAILED:
      return "ERROR";
    case JobStage.CANCELLED:
      return "CANCELLED";
    case JobStage.PREPROCESS:
    case JobStage.INFER:
    case JobStage.POSTPROCESS:
      return "PROCESSING";
    default:
      return "PENDING";
  }
}

/** The pipeline status of a job at one of its updates (result URIs: every finished image so far). */
export function toJobStatus(job: Job, update: JobUpdate): JobStatus {
  const summary = job.summary();
  const resultUris: string[] = [];
  const indexes = [...job.images.keys()].sort((a, b) => a - b);
  for (const index of indexes) {
    const outcome = job.images.get(index);
    if (outcome?.ok) resultUris.push(outcome.resultUri);
  }
  return {
    jobId: job.spec.id,
    state: jobState(update.stage),
    progress: update.progress,
    message: update.message,
    imagesTotal: summary.imagesTotal,
    imagesDone: summary.imagesSucceeded + summary.imagesFailed,
    imagesFailed: summary.imagesFailed,
    createdAtMillis: Date.parse(job.spec.createdAt),
    updatedAtMillis: (update.time ?? new Date()).getTime(),
    resultUris,
  };
}

/** The first message of Init: the job as submitted, PENDING. */
export function pendingStatus(job: Job): JobStatus {
  return { ...toJobStatus(job, job.update(JobStage.QUEUED, { time: new Date(job.spec.createdAt) })), state: "PENDING" };
}
