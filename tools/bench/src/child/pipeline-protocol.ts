/** Messages between the bench and child/pipeline-runner (the in-process baseline). */

/** Load a models dir, as the server would, with the same onnxruntime thread counts. */
export interface LoadCommand {
  readonly op: "load";
  readonly modelsDir: string;
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
}

/** Run the pipeline in a closed loop over images (files, used in turn). */
export interface RunCommand {
  readonly op: "run";
  readonly model: string;
  readonly imagePaths: readonly string[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly minRequests: number;
  readonly maxRequests?: number;
}

/** What the runner answers to either command (numbers are zero after a load). */
export interface RunnerReply {
  readonly error?: string;
  readonly requests: number;
  readonly elapsedMs: number;
  readonly perSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** The runner process's CPU time per request (user+system, all threads), in µs. */
  readonly cpuUsPerRequest: number;
}
