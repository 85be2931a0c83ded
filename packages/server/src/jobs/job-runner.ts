import { JobStage } from "@inferd/grpc-types/v1";
import type { FileStore } from "../files/file-store";
import type { InferencePipeline } from "../inference/pipeline";
import type { Logger } from "../logger";
import type { ModelRepository, ResolvedModel } from "../models/repository";
import type { Job } from "./job";
import type { JobJournal } from "./journal";
import { processImage, reason, resultPathsOf } from "./image-step";
import type { ResultPaths } from "./result-paths";

/** What running a job needs. */
export interface JobRunnerDeps {
  readonly store: FileStore;
  readonly repository: ModelRepository;
  readonly pipeline: InferencePipeline;
  readonly journal: JobJournal;
  readonly logger: Logger;
  /** Largest image file a job reads, in bytes. */
  readonly maxImageBytes: number;
}

/** Why runJob returned: the job ended, or the server is stopping (resume after restart). */
export type RunEnd = "ended" | "interrupted";

/**
 * Runs a job's unfinished images in order. Per image: PREPROCESS, INFER, then POSTPROCESS
 * once its result (and mask) is stored in the project and recorded in the journal, in that
 * order, so a crash can only cause an image to be redone, never a result to be lost. A bad
 * image is reported and skipped; a failure to store results fails the job. Cancellation and
 * shutdown are honoured between images.
 */
export async function runJob(job: Job, deps: JobRunnerDeps, stopping: () => boolean): Promise<RunEnd> {
  const { spec } = job;
  const end = async (stage: "done" | "failed" | "cancelled", message: string): Promise<RunEnd> => {
    const at = new Date();
    await deps.journal.append(spec.id, { type: "ended", stage, message, at: at.toISOString() });
    const jobStage = stage === "done" ? JobStage.DONE : stage === "failed" ? JobStage.FAILED : JobStage.CANCELLED;
    job.publish(job.update(jobStage, { message, time: at, progress: stage === "done" ? 100 : job.progress() }));
    deps.logger.info({ job: spec.id, stage, message, summary: job.summary() }, "job ended");
    return "ended";
  };

  if (job.cancelRequested) return end("cancelled", "cancelled before it started");
  let model: ResolvedModel;
  try {
    model = deps.repository.resolve(spec.model, spec.version);
  } catch (error) {
    return end("failed", `model ${spec.model} version ${spec.version} cannot run: ${reason(error)}`);
  }
  if (!job.startedAt) {
    job.startedAt = new Date();
    await deps.journal.append(spec.id, { type: "started", at: job.startedAt.toISOString() });
  }

  const allPaths = resultPathsOf(spec);
  for (let index = job.firstUnfinished(); index !== undefined; index = job.firstUnfinished(index + 1)) {
    if (job.cancelRequested) return end("cancelled", `cancelled after ${job.finishedCount} of ${spec.imageUris.length} images`);
    if (stopping()) return "interrupted";
    const imageUri = spec.imageUris[index] as string;
    const image = { imageUri, imageIndex: index };
    job.publish(job.update(JobStage.PREPROCESS, image));

    const step = await processImage(
      { spec, index, model, paths: allPaths[index] as ResultPaths, onInfer: () => job.publish(job.update(JobStage.INFER, { ...image, progress: job.progress(1 / 3) })) },
      deps,
    );
    if (step.kind === "store-failed") return end("failed", step.message);
    if (step.kind === "skipped") continue; // not asked for here: no mayStore
    const { outcome, stage } = step;
    await deps.journal.append(spec.id, { type: "image", index, outcome });
    job.images.set(index, outcome);
    const fields = outcome.ok
      ? { resultUri: outcome.resultUri, maskUri: outcome.maskUri, resultCount: outcome.resultCount }
      : { imageError: outcome.error };
    job.publish(job.update(outcome.ok ? JobStage.POSTPROCESS : stage, { ...image, ...fields }));
  }
  const { imagesFailed, imagesTotal } = job.summary();
  return end("done", imagesFailed === 0 ? `${imagesTotal} images processed` : `${imagesTotal} images processed, ${imagesFailed} failed`);
}
