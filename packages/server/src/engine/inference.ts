import { quote } from "../quote";
import { createAdmission, type Admission } from "../inference/admission";
import { createDecodeBudget, type DecodeBudget } from "../inference/decode-budget";
import { DEFAULT_DECODE_BUDGET_MB, DEFAULT_INFER_CONCURRENCY, DEFAULT_INFER_QUEUE_SIZE, type InferenceOptions } from "../inference/options";
import { createInferencePipeline, type InferencePipeline } from "../inference/pipeline";
import { countPipeline } from "./counted-pipeline";
import type { ModelRegistry } from "./model-registry";

/** The image-inference parts every protocol shares: one decode budget, one admission, one pipeline. */
export interface EngineInference {
  /** Decode, preprocess, model, post-process; records each run in the registry's statistics. */
  readonly pipeline: InferencePipeline;
  /** Per-model-version bounds on Infer calls running and waiting (--infer-concurrency, --infer-queue-size). */
  readonly admission: Admission;
  /** Server-wide bound on decoded image bytes, Infer and Run together (--decode-budget-mb). */
  readonly decodeBudget: DecodeBudget;
}

/** Creates the shared inference parts from the server's options (each has a default). */
export function createEngineInference(options: InferenceOptions, models: Pick<ModelRegistry, "statistics" | "responseCache">): EngineInference {
  const decodeBudget = createDecodeBudget(options.decodeBudgetBytes ?? DEFAULT_DECODE_BUDGET_MB * 1024 * 1024);
  const pipeline = countPipeline(createInferencePipeline({ maxImagePixels: options.maxImagePixels, decodeBudget, responseCache: models.responseCache }), models.statistics);
  const admission = createAdmission(
    { maxInFlight: options.inferConcurrency ?? DEFAULT_INFER_CONCURRENCY, maxQueued: options.inferQueueSize ?? DEFAULT_INFER_QUEUE_SIZE },
    (key) => {
      const [name, version] = key.split("\u0000");
      return `model ${quote(name ?? "")} version ${version ?? ""}`;
    },
  );
  return { pipeline, admission, decodeBudget };
}
