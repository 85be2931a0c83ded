import * as ort from "onnxruntime-node";
import { runTensorsInProcess, type RunTensors } from "./tensor-run";
import { NO_SPINNING } from "./worker-runtime";

/** A float32 tensor: row-major data and its dimensions. */
export interface FloatTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** One declared input or output of a loaded model. */
export interface TensorSignature {
  readonly name: string;
  /** e.g. "float32"; "unknown" for non-tensor values. */
  readonly dataType: string;
  /** -1 for a dynamic dimension; empty when the model does not say. */
  readonly shape: readonly number[];
}

/**
 * A loaded model that can run. The server only sees this interface, so handler tests can use
 * a tiny real model and a different runtime can replace onnxruntime.
 */
export interface ModelSession {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /**
   * Runs the model on one float32 input; resolves with the named float outputs. `signal`: a
   * run that waits (for a batch, for an instance) and is aborted meanwhile never starts.
   */
  run(inputName: string, input: FloatTensor, outputNames: readonly string[], signal?: AbortSignal): Promise<Map<string, FloatTensor>>;
  /**
   * Runs the model on named inputs of any element type; resolves with each requested output in
   * its own type (tensor protocols such as OIP). Optional so that a runtime without it still
   * serves image tasks; OIP answers UNAVAILABLE for such a model.
   */
  runTensors?: RunTensors;
  release(): Promise<void>;
  /** Whether the session can run now; absent means always (an in-process session). */
  health?(): SessionHealth;
}

/** A session's state: ready, restarting after its worker exited, or failed for good. */
export interface SessionHealth {
  readonly state: "ready" | "restarting" | "failed";
  /** Why it is not ready; empty when it is. */
  readonly message: string;
}

/** Thread counts for onnxruntime's CPU execution provider; 0 lets onnxruntime choose. */
export interface RuntimeOptions {
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  /** Nice value of the model's threads (Linux; 0 or absent: unchanged). */
  readonly threadNice?: number;
  /**
   * Where the session runs (the model's config.json `execution`); absent means "worker".
   * Only the default loader (`createExecutionLoader` in inline-runtime.ts) reads it.
   */
  readonly execution?: "worker" | "inline";
}

/** Loads a model into a {@link ModelSession}. */
export type ModelLoader = (modelPath: string, options: RuntimeOptions) => Promise<ModelSession>;

function signature(meta: ort.InferenceSession.ValueMetadata): TensorSignature {
  if (!meta.isTensor) return { name: meta.name, dataType: "unknown", shape: [] };
  return { name: meta.name, dataType: meta.type, shape: meta.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) };
}

// Class-id outputs (segmentation "classes") often come as int64 or int32: read them as floats.
function toFloat32(name: string, tensor: ort.Tensor): Float32Array {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, Number);
  if (data instanceof Int32Array || data instanceof Uint8Array || data instanceof Float64Array || data instanceof Int8Array) {
    return Float32Array.from(data);
  }
  throw new Error(`output "${name}" is ${tensor.type}; inferd reads float and integer outputs`);
}

/**
 * Loads a model with onnxruntime-node on the CPU. session.run executes on onnxruntime's own
 * thread pool, so the event loop stays free while a model runs.
 */
export const loadOnnxModel: ModelLoader = async (modelPath, options) => {
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    extra: NO_SPINNING,
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads > 0 ? { interOpNumThreads: options.interOpThreads } : {}),
  });
  return {
    inputs: session.inputMetadata.map(signature),
    outputs: session.outputMetadata.map(signature),
    async run(inputName, input, outputNames) {
      const feeds = { [inputName]: new ort.Tensor("float32", input.data, [...input.dims]) };
      const results = await session.run(feeds, [...outputNames]);
      const outputs = new Map<string, FloatTensor>();
      for (const name of outputNames) {
        const tensor = results[name];
        if (!tensor) throw new Error(`the model produced no output "${name}"`);
        outputs.set(name, { data: toFloat32(name, tensor), dims: tensor.dims.map(Number) });
      }
      return outputs;
    },
    runTensors: (feeds, outputNames) => runTensorsInProcess(ort, session, feeds, outputNames),
    release: () => session.release(),
  };
};
