import type { ModelControlMode } from "../models/model-control";
import type { ModelLoader } from "../models/runtime";

/** Tuning of the Inference service (flags --model-threads, --job-workers, ...); every field has a default. */
export interface InferenceOptions {
  /** onnxruntime intra-op threads per model; 0 lets onnxruntime choose (all cores). */
  readonly modelThreads?: number;
  /** Jobs run at the same time. Default 1. */
  readonly jobWorkers?: number;
  /** Jobs that may wait for a worker; Run beyond it is RESOURCE_EXHAUSTED. Default 100. */
  readonly jobQueueSize?: number;
  /** Finished jobs and their journals are dropped this long after they ended, in ms; 0 keeps them. Default 7 days. */
  readonly jobRetentionMs?: number;
  /** Redis of the job engine (--redis): jobs are shared by every replica on it. Default: the embedded engine. */
  readonly jobRedis?: { readonly url: string; readonly lockMs?: number };
  /** Largest decoded image, in pixels. Default 64 million. */
  readonly maxImagePixels?: number;
  /** How the shared model repository changes after start-up (--model-control-mode). Default none. */
  readonly modelControlMode?: ModelControlMode;
  /** Poll interval of model control mode poll, in ms (--repository-poll-secs). Default 5 s. */
  readonly repositoryPollMs?: number;
  /** Infer calls one model version runs at once (--infer-concurrency). Default 2. */
  readonly inferConcurrency?: number;
  /** Infer calls that may wait for one model version; one more is RESOURCE_EXHAUSTED (--infer-queue-size). Default 64. */
  readonly inferQueueSize?: number;
  /** Decoded image bytes held at once, server-wide, Infer and Run together (--decode-budget-mb). Default 512 MiB. */
  readonly decodeBudgetBytes?: number;
  /** Nice value of helper threads (decoding, models) so the event loop comes first; 0 leaves them alone. Default 10. */
  readonly helperThreadNice?: number;
  /** Server-wide bound of the response cache, in bytes (--response-cache-mb); 0 turns it off. Default 256 MiB. */
  readonly responseCacheBytes?: number;
  /** Median run time (µs, over windows of 16 runs) past which an `"execution": "inline"` model moves to a worker thread (--inline-max-run-us). Default 1000. */
  readonly inlineMaxRunUs?: number;
  /** Loads model files; default onnxruntime in a supervised worker thread per model version (tests wrap it). */
  readonly loader?: ModelLoader;
}

/** Default of {@link InferenceOptions.inferConcurrency}. */
export const DEFAULT_INFER_CONCURRENCY = 2;
/** Default of {@link InferenceOptions.inferQueueSize}. */
export const DEFAULT_INFER_QUEUE_SIZE = 64;
/** Default of {@link InferenceOptions.decodeBudgetBytes}, in MiB. */
export const DEFAULT_DECODE_BUDGET_MB = 512;
