import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { addModel } from "./__tests__/tensor-models";
import { tempDir } from "./__tests__/tiny-models";
import { createExecutionLoader, loadInlineSession, RUN_WINDOW, type InlineSession } from "./inline-runtime";
import type { ModelLoader, ModelSession } from "./runtime";
import type { RuntimeTensor } from "../tensors/ort-bridge";
import { loadOnnxModelInWorker } from "./worker-runtime";

let dir: string;
let model: string;
beforeAll(async () => {
  dir = await tempDir("inline-runtime");
  model = join(dir, "add.onnx");
  await writeFile(model, addModel("FP32"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const RUNTIME = { intraOpThreads: 0, interOpThreads: 0 };

/** A real worker-thread loader that counts how often it was asked to load. */
function countingWorker(): { loader: ModelLoader; loads: () => number } {
  let loads = 0;
  return {
    loader: (path, options) => {
      loads += 1;
      return loadOnnxModelInWorker(path, options);
    },
    loads: () => loads,
  };
}

/** a + b on [1, 3] FP32 tensors; resolves with the sum's elements. */
async function add(session: ModelSession, a: number[], b: number[]): Promise<number[]> {
  const feeds = new Map<string, RuntimeTensor>([
    ["a", { type: "float32", data: Float32Array.from(a), dims: [1, a.length] }],
    ["b", { type: "float32", data: Float32Array.from(b), dims: [1, b.length] }],
  ]);
  const outputs = await session.runTensors!(feeds, ["sum"]);
  return [...(outputs.get("sum")?.data as Float32Array)];
}

async function runWindow(session: ModelSession, count = RUN_WINDOW): Promise<void> {
  for (let i = 0; i < count; i++) expect(await add(session, [i, 1, 0], [1, i, 0])).toEqual([i + 1, i + 1, 0]);
}

test("an inline model runs on the calling thread while its runs stay under the bound", async () => {
  const worker = countingWorker();
  const session = await loadInlineSession(model, RUNTIME, { worker: worker.loader, maxRunUs: 1_000_000 });
  try {
    await runWindow(session, 3 * RUN_WINDOW);
    await session.settled();
    expect(session.placement()).toBe("inline");
    expect(worker.loads()).toBe(0);
    expect(session.medianRunUs()).toBeGreaterThan(0);
    expect(session.health?.().state).toBe("ready");
  } finally {
    await session.release();
  }
});

test("a model whose median run exceeds the bound moves to a worker thread and keeps answering", async () => {
  const worker = countingWorker();
  // A bound no real run can stay under: the first full window moves the model.
  const session = await loadInlineSession(model, RUNTIME, { worker: worker.loader, maxRunUs: 0.001 });
  try {
    await runWindow(session, RUN_WINDOW - 1);
    expect(worker.loads()).toBe(0);
    await runWindow(session, 1);
    // Calls made while the worker loads still answer (inline).
    const during = add(session, [5, 5, 5], [1, 2, 3]);
    await session.settled();
    await expect(during).resolves.toEqual([6, 7, 8]);
    expect(session.placement()).toBe("worker");
    expect(worker.loads()).toBe(1);
    await runWindow(session, 2 * RUN_WINDOW);
    expect(worker.loads()).toBe(1);
  } finally {
    await session.release();
  }
});

test("a failed move leaves the model serving inline, and the next slow window tries again", async () => {
  let attempts = 0;
  const failing: ModelLoader = () => {
    attempts += 1;
    return Promise.reject(new Error("no worker threads left"));
  };
  const session = await loadInlineSession(model, RUNTIME, { worker: failing, maxRunUs: 0.001 });
  try {
    await runWindow(session);
    await session.settled();
    expect(session.placement()).toBe("inline");
    expect(attempts).toBe(1);
    await runWindow(session);
    await session.settled();
    expect(attempts).toBe(2);
    expect(await add(session, [1, 2, 3], [3, 4, 5])).toEqual([4, 6, 8]);
  } finally {
    await session.release();
  }
});

test("the execution loader sends inline models inline and every other model to the worker loader", async () => {
  const worker = countingWorker();
  const loader = createExecutionLoader({ worker: worker.loader, maxRunUs: 1_000_000 });
  const inline = (await loader(model, { ...RUNTIME, execution: "inline" })) as InlineSession;
  const plain = await loader(model, RUNTIME);
  const explicit = await loader(model, { ...RUNTIME, execution: "worker" });
  try {
    expect(inline.placement()).toBe("inline");
    expect(worker.loads()).toBe(2);
    expect(await add(inline, [1, 1, 1], [2, 2, 2])).toEqual([3, 3, 3]);
    expect(await add(plain, [1, 1, 1], [2, 2, 2])).toEqual([3, 3, 3]);
    expect(await add(explicit, [1, 1, 1], [2, 2, 2])).toEqual([3, 3, 3]);
  } finally {
    await Promise.all([inline.release(), plain.release(), explicit.release()]);
  }
});

test("release during a move releases the worker that was being loaded", async () => {
  let released = 0;
  const tracked: ModelLoader = async (path, options) => {
    const session = await loadOnnxModelInWorker(path, options);
    return { ...session, runTensors: session.runTensors, release: () => ((released += 1), session.release()) };
  };
  const session = await loadInlineSession(model, RUNTIME, { worker: tracked, maxRunUs: 0.001 });
  await runWindow(session);
  await session.release();
  expect(released).toBe(1);
});
