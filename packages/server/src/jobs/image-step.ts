import { JobStage } from "@inferd/grpc-types/v1";
import { quote } from "../quote";
import { InferdError } from "../errors";
import { formatFileUri, parseFileUri } from "../files/uri";
import type { ResolvedModel } from "../models/repository";
import type { JobRunnerDeps } from "./job-runner";
import type { ImageOutcome, JobSpec } from "./journal";
import { resultDocument } from "./result-document";
import { jobResultPaths, type ResultPaths } from "./result-paths";

/** Each image's result paths (see {@link jobResultPaths}); a URI that does not parse fails on its own turn. */
export function resultPathsOf(spec: JobSpec): ResultPaths[] {
  const imagePaths = spec.imageUris.map((uri) => {
    try {
      return parseFileUri(uri).path;
    } catch {
      return uri;
    }
  });
  return jobResultPaths(spec.id, imagePaths);
}

/** The message of an error that may be shown to a client. */
export function reason(error: unknown): string {
  return error instanceof InferdError ? error.message : "internal error; the server log has the details";
}

/** How one image ended: an outcome to record (with the stage it reached), or a job-level failure. */
export type ImageStepResult =
  | { readonly kind: "outcome"; readonly outcome: ImageOutcome; readonly stage: JobStage }
  | { readonly kind: "store-failed"; readonly message: string }
  | { readonly kind: "skipped" };

/** One image of a job to process. */
export interface ImageStep {
  readonly spec: JobSpec;
  readonly index: number;
  readonly model: ResolvedModel;
  readonly paths: ResultPaths;
  /** Called when inference proper starts (after decoding). */
  onInfer(): void;
  /** Asked before results are stored; false skips the image (e.g. its job was cancelled meanwhile). */
  mayStore?(): Promise<boolean>;
}

/**
 * Reads, infers and stores one image of a job: the per-image work shared by the embedded and
 * the Redis engines. A bad image is an error outcome; a failure to store results is a
 * job-level failure (the caller fails the job).
 */
export async function processImage(step: ImageStep, deps: Pick<JobRunnerDeps, "store" | "pipeline" | "logger" | "maxImageBytes">): Promise<ImageStepResult> {
  const { spec, index } = step;
  const imageUri = spec.imageUris[index] as string;
  let stage = JobStage.PREPROCESS;
  try {
    const { project, path } = parseFileUri(imageUri);
    const stat = await deps.store.stat(project, path);
    if (!stat) throw new InferdError("not-found", `${quote(imageUri)} does not exist`);
    if (stat.size > BigInt(deps.maxImageBytes)) {
      throw new InferdError("resource-exhausted", `${quote(imageUri)} is ${stat.size} bytes; images may be at most ${deps.maxImageBytes}`);
    }
    const bytes = await deps.store.readFile(project, path);
    const result = await deps.pipeline.infer(step.model, bytes, spec.parameters, (reached) => {
      if (reached !== "infer") return;
      stage = JobStage.INFER;
      step.onInfer();
    });
    stage = JobStage.POSTPROCESS;
    if (step.mayStore && !(await step.mayStore())) return { kind: "skipped" };
    let maskUri = "";
    try {
      if (result.maskPng) maskUri = (await deps.store.writeFile(spec.project, step.paths.mask, result.maskPng)).uri;
      const json = Buffer.from(JSON.stringify(resultDocument(spec.id, imageUri, result, maskUri), null, 2));
      const resultUri = (await deps.store.writeFile(spec.project, step.paths.json, json)).uri;
      const outcome: ImageOutcome = { ok: true, resultUri: resultUri || formatFileUri(spec.project, step.paths.json), maskUri, resultCount: result.results.length };
      return { kind: "outcome", outcome, stage };
    } catch (error) {
      deps.logger.error({ job: spec.id, image: imageUri, error }, "storing a job result failed");
      return { kind: "store-failed", message: `storing the result of ${imageUri} failed: ${reason(error)}` };
    }
  } catch (error) {
    if (!(error instanceof InferdError)) deps.logger.error({ job: spec.id, image: imageUri, error }, "job image failed");
    return { kind: "outcome", outcome: { ok: false, error: reason(error) }, stage };
  }
}
