import type { ModelControlMode } from "../models/model-control";

/** Tuning of the Inference service (flags --model-threads, --job-workers, --job-queue-size); every field has a default. */
export interface InferenceOptions {
  /** onnxruntime intra-op threads per model; 0 lets onnxruntime choose (all cores). */
  readonly modelThreads?: number;
  /** Jobs run at the same time. Default 1. */
  readonly jobWorkers?: number;
  /** Jobs that may wait for a worker; Run beyond it is RESOURCE_EXHAUSTED. Default 100. */
  readonly jobQueueSize?: number;
  /** Finished jobs and their journals are dropped this long after they ended, in ms; 0 keeps them. Default 7 days. */
  readonly jobRetentionMs?: number;
  /** Largest decoded image, in pixels. Default 64 million. */
  readonly maxImagePixels?: number;
  /** How the shared model repository changes after start-up (--model-control-mode). Default none. */
  readonly modelControlMode?: ModelControlMode;
  /** Poll interval of model control mode poll, in ms (--repository-poll-secs). Default 5 s. */
  readonly repositoryPollMs?: number;
}
