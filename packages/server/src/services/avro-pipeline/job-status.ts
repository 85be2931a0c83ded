import type { JobState, JobStatus } from "@inferd/grpc-types/avro";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import type { JobView } from "../../jobs/job-engine";

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

/**
 * The pipeline status of a job at one of its updates. `resultUris`: every image finished with
 * a result so far, in image order (default: the view's own, as of its snapshot).
 */
export function toJobStatus(job: JobView, update: JobUpdate, resultUris: readonly string[] = job.resultUris): JobStatus {
  const summary = update.summary ?? { imagesTotal: job.spec.imageUris.length, imagesSucceeded: 0, imagesFailed: 0, elapsedMs: 0 };
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
    resultUris: [...resultUris],
  };
}

/** The first message of Init: the job as submitted, PENDING. */
export function pendingStatus(job: JobView): JobStatus {
  const update = { ...job.current, stage: JobStage.QUEUED, time: new Date(job.spec.createdAt) };
  return { ...toJobStatus(job, update), state: "PENDING" };
}
