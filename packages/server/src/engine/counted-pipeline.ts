import type { InferencePipeline } from "../inference/pipeline";
import type { InferStatisticsTable } from "./statistics";

const msToNs = (ms: number): bigint => BigInt(Math.max(0, Math.round(ms * 1e6)));

/**
 * The pipeline that records every image it runs in the registry's statistics, so that inferd.v1
 * Infer and each image of a Run job count per model version just as OIP ModelInfer does:
 * decode + preprocess as compute_input, the model as compute_infer, post-processing as
 * compute_output. A run that fails (bad image, cancelled, model error) counts as a failure.
 */
export function countPipeline(pipeline: InferencePipeline, statistics: InferStatisticsTable): InferencePipeline {
  return {
    async infer(model, image, parameters, onStage, signal) {
      const started = process.hrtime.bigint();
      try {
        const outcome = await pipeline.infer(model, image, parameters, onStage, signal);
        if (outcome.cached) {
          // Answered from the response cache: a success, but no model run (Triton counts it apart).
          statistics.cached(model.name, model.version, process.hrtime.bigint() - started);
          return outcome;
        }
        const { decodeMs, preprocessMs, inferenceMs, postprocessMs } = outcome.timings;
        statistics.success(model.name, model.version, process.hrtime.bigint() - started, {
          inputNs: msToNs(decodeMs + preprocessMs),
          inferNs: msToNs(inferenceMs),
          outputNs: msToNs(postprocessMs),
        });
        return outcome;
      } catch (error) {
        statistics.fail(model.name, model.version, process.hrtime.bigint() - started);
        throw error;
      }
    },
  };
}
