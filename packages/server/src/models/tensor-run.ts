/**
 * Runs a model on several named tensors of any element type and returns every requested
 * output in its own type: the entry point of tensor protocols (OIP), next to the float32 image
 * path of {@link ModelSession.run}. Two implementations share this contract: in-process
 * ({@link runTensorsInProcess}) and in the model's worker thread ({@link TENSOR_WORKER_SOURCE}).
 */
import type * as ort from "onnxruntime-node";
import type { RuntimeTensor } from "../tensors/ort-bridge";

/** Named input tensors in, named output tensors out. */
export type RunTensors = (feeds: ReadonlyMap<string, RuntimeTensor>, outputNames: readonly string[], signal?: AbortSignal) => Promise<Map<string, RuntimeTensor>>;

/** Runs an onnxruntime session on the calling thread. */
export async function runTensorsInProcess(
  ortModule: typeof ort,
  session: ort.InferenceSession,
  feeds: ReadonlyMap<string, RuntimeTensor>,
  outputNames: readonly string[],
): Promise<Map<string, RuntimeTensor>> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of feeds) ortFeeds[name] = new ortModule.Tensor(t.type, t.data as never, [...t.dims]);
  const results = await session.run(ortFeeds, [...outputNames]);
  const outputs = new Map<string, RuntimeTensor>();
  for (const name of outputNames) {
    const tensor = results[name];
    if (!tensor) throw new Error(`the model produced no output "${name}"`);
    outputs.set(name, { type: tensor.type as RuntimeTensor["type"], data: tensor.data as RuntimeTensor["data"], dims: tensor.dims.map(Number) });
  }
  return outputs;
}

/**
 * Worker-side handler of "runTensors" messages, appended to the model worker's source (it
 * shares that script's `ort`, `port` and `session`). It listens next to the worker's own
 * handler, which ignores message types it does not know. Output buffers are transferred,
 * each once (two outputs may share one buffer).
 */
export const TENSOR_WORKER_SOURCE = `
port.on("message", async (message) => {
  if (message.type !== "runTensors") return;
  try {
    if (!session) throw new Error("the model is not loaded");
    const feeds = {};
    for (const f of message.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
    const results = await session.run(feeds, message.outputs);
    const tensors = [];
    const transfer = new Set();
    for (const name of message.outputs) {
      const tensor = results[name];
      if (!tensor) throw new Error("the model produced no output \\"" + name + "\\"");
      tensors.push({ name, type: tensor.type, data: tensor.data, dims: tensor.dims.map(Number) });
      if (ArrayBuffer.isView(tensor.data)) transfer.add(tensor.data.buffer);
    }
    port.postMessage({ id: message.id, ok: true, tensors }, [...transfer]);
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** Sends one message to a model worker (the caller adds the id) and resolves with its reply. */
export type WorkerCall = (message: { type: string; [field: string]: unknown }, transfer: ArrayBuffer[]) => Promise<unknown>;

/** The main-thread side of {@link TENSOR_WORKER_SOURCE}: inputs are transferred, not copied. */
export function createWorkerTensorRunner(call: WorkerCall): RunTensors {
  return async (feeds, outputNames) => {
    const message: { name: string; type: string; data: unknown; dims: number[] }[] = [];
    const transfer = new Set<ArrayBuffer>();
    for (const [name, t] of feeds) {
      let data = t.data;
      if (ArrayBuffer.isView(data)) {
        // Transfer only a buffer the tensor owns whole and alone: transferring detaches it.
        const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && !transfer.has(data.buffer as ArrayBuffer);
        if (!owned) data = data.slice();
        transfer.add((data as typeof t.data & ArrayBufferView).buffer as ArrayBuffer);
      }
      message.push({ name, type: t.type, data, dims: [...t.dims] });
    }
    const reply = (await call({ type: "runTensors", feeds: message, outputs: [...outputNames] }, [...transfer])) as {
      tensors: { name: string; type: RuntimeTensor["type"]; data: RuntimeTensor["data"]; dims: number[] }[];
    };
    return new Map(reply.tensors.map((t) => [t.name, { type: t.type, data: t.data, dims: t.dims }]));
  };
}
