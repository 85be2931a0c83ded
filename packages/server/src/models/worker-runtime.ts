import { MessageChannel, Worker } from "node:worker_threads";
import type { FloatTensor, ModelLoader, ModelSession, RuntimeOptions, TensorSignature } from "./runtime";
import { createWorkerTensorRunner, TENSOR_WORKER_SOURCE } from "./tensor-run";

/**
 * onnxruntime-node's `session.run` is synchronous on the calling thread (1.30 wraps it in a
 * setImmediate; only its intra-op pool is parallel), so running it on the event loop freezes
 * health checks and every other call for the whole inference (measured: 150-550 ms for
 * PP-OCRv4 at 960 px on 2 cores). Each loaded model version therefore lives in its own worker
 * thread; tensors cross by transfer (no copy). The worker is plain CommonJS passed as source
 * text, so it runs the same from dist/ and under jest (which cannot load a .ts worker file).
 */
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
// Below the event loop's priority, before onnxruntime starts its pool (whose threads inherit
// it): see inference/thread-priority.ts.
if (workerData.nice) {
  try {
    const tid = Number(require("node:fs").readFileSync("/proc/thread-self/stat", "utf8").split(" ")[0]);
    require("node:os").setPriority(tid, workerData.nice);
  } catch {}
}
const ort = require(workerData.ortPath);
const port = workerData.port;
let session;
const signature = (m) => m.isTensor
  ? { name: m.name, dataType: m.type, shape: m.shape.map((d) => (typeof d === "number" && d >= 0 ? d : -1)) }
  : { name: m.name, dataType: "unknown", shape: [] };
function toFloat32(name, tensor) {
  const data = tensor.data;
  if (data instanceof Float32Array) return data;
  if (data instanceof BigInt64Array) return Float32Array.from(data, Number);
  if (ArrayBuffer.isView(data) && typeof data[0] !== "bigint" && !(data instanceof DataView)) return Float32Array.from(data);
  throw new Error("output \\"" + name + "\\" is " + tensor.type + "; inferd reads float and integer outputs");
}
port.on("message", async (message) => {
  try {
    if (message.type === "load") {
      session = await ort.InferenceSession.create(message.path, message.options);
      port.postMessage({ id: message.id, ok: true, inputs: session.inputMetadata.map(signature), outputs: session.outputMetadata.map(signature) });
    } else if (message.type === "run") {
      const feeds = { [message.input]: new ort.Tensor("float32", message.data, message.dims) };
      const results = await session.run(feeds, message.outputs);
      const outputs = [];
      const transfer = [];
      for (const name of message.outputs) {
        const tensor = results[name];
        if (!tensor) throw new Error("the model produced no output \\"" + name + "\\"");
        const data = toFloat32(name, tensor);
        outputs.push({ name, data, dims: tensor.dims.map(Number) });
        transfer.push(data.buffer);
      }
      port.postMessage({ id: message.id, ok: true, outputs }, transfer);
    } else if (message.type === "exit") {
      process.exit(message.code); // a crash on request (tests of the supervisor)
    } else if (message.type === "release") {
      if (session) await session.release();
      session = undefined;
      port.postMessage({ id: message.id, ok: true });
    }
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
`;

/**
 * onnxruntime's intra-op pool threads spin-wait for work between runs by default. On a small
 * machine that spin competes with gRPC, sharp and the other models for the same cores:
 * `pnpm bench infer-throughput` (PP-OCRv4, 2 cores) measured 4-5.5 images/s and ~210 ms CPU per
 * image with spinning, 11-14 images/s and ~125 ms without, served and in-process alike.
 */
export const NO_SPINNING = { session: { intra_op: { allow_spinning: "0" } } } as const;

/** A call failed because the model's worker thread is gone (not because the model failed). */
export class WorkerExitedError extends Error {
  override readonly name = "WorkerExitedError";
}

interface Reply {
  id: number;
  ok: boolean;
  message?: string;
  inputs?: TensorSignature[];
  outputs?: (TensorSignature[] | { name: string; data: Float32Array; dims: number[] }[]);
}

/**
 * A model session in one worker thread. `exited` resolves (with why) when the thread ends
 * without being released: a crash, an out-of-memory abort, process.exit in native code.
 */
export interface WorkerSession extends ModelSession {
  readonly exited: Promise<Error>;
  /** Makes the worker thread exit with `code` as if it crashed (for tests of recovery). */
  crash(code: number): void;
}

/** Loads each model into onnxruntime-node inside its own worker thread (see above for why). */
export const loadOnnxModelInWorker: ModelLoader = (modelPath, options) => loadWorkerSession(modelPath, options);

/** {@link loadOnnxModelInWorker}, with the thread's exit visible to a supervisor. */
export async function loadWorkerSession(modelPath: string, options: RuntimeOptions): Promise<WorkerSession> {
  // Requests and replies go over a MessageChannel of their own rather than the worker's
  // parentPort (a shorter path through Node's messaging; the worker object keeps only the
  // error and exit events).
  const { port1: port, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE + TENSOR_WORKER_SOURCE, {
    eval: true,
    workerData: { ortPath: require.resolve("onnxruntime-node"), port: port2, nice: options.threadNice ?? 0 },
    transferList: [port2],
  });
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let dead: Error | undefined;
  let released = false;
  let reportExit!: (error: Error) => void;
  const exited = new Promise<Error>((resolve) => (reportExit = resolve));
  const failAll = (error: Error): void => {
    dead ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  port.on("message", (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply);
    else waiter.reject(new Error(reply.message ?? "onnxruntime failed"));
  });
  worker.on("error", (error) => failAll(new WorkerExitedError(`the model's worker thread failed: ${error.message}`)));
  worker.on("exit", (code) => {
    const error = new WorkerExitedError(`the model's worker thread exited (code ${code})`);
    failAll(error);
    port.close();
    if (!released) reportExit(dead ?? error);
  });

  /** Sends `message` (which carries its `id`) and resolves with the worker's reply. */
  const call = (message: { id: number; type: string; [field: string]: unknown }, transfer: ArrayBuffer[] = []): Promise<Reply> => {
    if (dead) return Promise.reject(dead);
    return new Promise<Reply>((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      port.postMessage(message, transfer);
    });
  };

  const sessionOptions = {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    extra: NO_SPINNING,
    ...(options.intraOpThreads > 0 ? { intraOpNumThreads: options.intraOpThreads } : {}),
    ...(options.interOpThreads > 0 ? { interOpNumThreads: options.interOpThreads } : {}),
  };
  let loaded: Reply;
  try {
    loaded = await call({ id: nextId++, type: "load", path: modelPath, options: sessionOptions });
  } catch (error) {
    released = true;
    port.close();
    await worker.terminate();
    throw error;
  }
  return {
    inputs: loaded.inputs ?? [],
    outputs: (loaded.outputs ?? []) as TensorSignature[],
    async run(inputName: string, input: FloatTensor, outputNames: readonly string[]) {
      // Copy unless the tensor owns its whole buffer: transferring detaches the buffer.
      const data = input.data.byteOffset === 0 && input.data.byteLength === input.data.buffer.byteLength ? input.data : input.data.slice();
      const reply = await call({ id: nextId++, type: "run", input: inputName, data, dims: input.dims, outputs: outputNames }, [data.buffer as ArrayBuffer]);
      const outputs = new Map<string, FloatTensor>();
      for (const o of reply.outputs as { name: string; data: Float32Array; dims: number[] }[]) outputs.set(o.name, { data: o.data, dims: o.dims });
      return outputs;
    },
    runTensors: createWorkerTensorRunner((message, transfer) => call({ id: nextId++, ...message }, transfer)),
    async release() {
      released = true;
      if (!dead) await call({ id: nextId++, type: "release" }).catch(() => undefined);
      port.close();
      await worker.terminate();
    },
    exited,
    crash(code) {
      if (!dead) port.postMessage({ id: nextId++, type: "exit", code });
    },
  };
}
