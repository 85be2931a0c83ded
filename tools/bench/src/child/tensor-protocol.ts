/** Messages between the bench and child/tensor-runner (the in-process baseline of OIP scenarios). */
import type { RunnerReply } from "./pipeline-protocol";

/** Load one model file into onnxruntime, with the server's session settings. */
export interface TensorLoadCommand {
  readonly op: "load";
  readonly modelFile: string;
  readonly intraOpThreads: number;
}

/** Run the tiny add model on `batch` rows in a closed loop. */
export interface TensorRunCommand {
  readonly op: "run";
  readonly batch: number;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly minRequests: number;
}

export type { RunnerReply };
