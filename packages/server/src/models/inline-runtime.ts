import { InferdError } from "../errors";
import { silentLogger, type Logger } from "../logger";
import { loadOnnxModel, type ModelLoader, type ModelSession, type RuntimeOptions, type SessionHealth } from "./runtime";

/** Options of {@link createExecutionLoader}. */
export interface ExecutionLoaderOptions {
  /** Loads a session in a worker thread: "worker" models, and inline models that proved slow. */
  readonly worker: ModelLoader;
  /** Loads a session on the calling (main) thread; default onnxruntime-node in-process. */
  readonly inline?: ModelLoader;
  /**
   * Typical run time (µs) above which an inline model moves to a worker thread: the median of
   * each window of {@link RUN_WINDOW} runs is checked against it. A median, not a mean: on a
   * busy host a 10 µs run is now and then measured at 10 ms (the thread was preempted), and
   * the first run includes a one-off set-up; neither says the model is slow.
   */
  readonly maxRunUs: number;
  readonly logger?: Logger;
}

/** Default of {@link ExecutionLoaderOptions.maxRunUs} (flag --inline-max-run-us). */
export const DEFAULT_INLINE_MAX_RUN_US = 1000;

/** Runs per measurement window; the window's median decides. */
export const RUN_WINDOW = 16;
const READY: SessionHealth = { state: "ready", message: "" };

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** A model session that runs on the main thread until its measured run time moves it to a worker. */
export interface InlineSession extends ModelSession {
  /** Where the session's runs go now. */
  placement(): "inline" | "worker";
  /** Median run time (µs) of the last full window of {@link RUN_WINDOW} runs; 0 before the first. */
  medianRunUs(): number;
  /** Resolves once no move to a worker is in progress. */
  settled(): Promise<void>;
}

/**
 * The default {@link ModelLoader}: a model whose config says `"execution": "inline"` runs on the
 * main thread ({@link loadInlineSession}); every other model goes to `worker`.
 */
export function createExecutionLoader(options: ExecutionLoaderOptions): ModelLoader {
  return (modelPath, runtime) => (runtime.execution === "inline" ? loadInlineSession(modelPath, runtime, options) : options.worker(modelPath, runtime));
}

/**
 * Loads a model to run on the main thread, where a tiny model's run (~10-20 µs for a one-node
 * graph) costs less than the worker hand-off it saves (two thread wake-ups, ~100 µs of CPU per
 * call on a 2-vCPU VM). onnxruntime's `session.run` blocks the thread it runs on, so the
 * session uses one intra-op and one inter-op thread (no pool to wait for) and its run time is
 * measured: once the median of a window of runs exceeds `maxRunUs` the model is loaded into a worker thread and every
 * later run goes there (the inline session is released when its last run ended). The
 * measurement includes the wait for onnxruntime's setImmediate hop, so a busy event loop makes
 * a model look slower, never faster: the bound errs towards the worker.
 *
 * Trade-off: an inline model has no worker supervision. A native crash or abort inside
 * onnxruntime takes the whole server down instead of one restartable worker thread.
 */
export async function loadInlineSession(modelPath: string, runtime: RuntimeOptions, options: ExecutionLoaderOptions): Promise<InlineSession> {
  const logger = options.logger ?? silentLogger;
  const inlineLoader = options.inline ?? loadOnnxModel;
  const inline = await inlineLoader(modelPath, { ...runtime, intraOpThreads: 1, interOpThreads: 1 });
  let current: ModelSession = inline;
  let placement: "inline" | "worker" = "inline";
  const window: number[] = [];
  let typical = 0;
  let running = 0;
  let moving: Promise<void> | undefined;
  let released = false;
  let drained: (() => void) | undefined;

  async function moveToWorker(): Promise<void> {
    logger.warn({ model: modelPath, medianRunUs: Math.round(typical), maxRunUs: options.maxRunUs }, "inline model runs too long for the main thread: moving it to a worker thread");
    try {
      const worker = await options.worker(modelPath, { ...runtime, execution: "worker" });
      if (released) {
        await worker.release();
        return;
      }
      current = worker;
      placement = "worker";
      if (running > 0) await new Promise<void>((resolve) => (drained = resolve));
      await inline.release().catch(() => undefined);
      logger.info({ model: modelPath }, "model moved to a worker thread");
    } catch (error) {
      // The model keeps serving inline; the next measurement past the bound tries again.
      logger.error({ model: modelPath, error: error instanceof Error ? error.message : String(error) }, "moving the inline model to a worker thread failed");
      moving = undefined;
    }
  }

  /** Runs on the inline session, timing it; the first window median past the bound starts the move. */
  async function timed<T>(work: (session: ModelSession) => Promise<T>): Promise<T> {
    if (placement === "worker") return work(current);
    running += 1;
    const started = process.hrtime.bigint();
    try {
      return await work(inline);
    } finally {
      running -= 1;
      const us = Number(process.hrtime.bigint() - started) / 1000;
      window.push(us);
      if (window.length === RUN_WINDOW) {
        typical = median(window);
        window.length = 0;
        if (!moving && typical > options.maxRunUs) moving = moveToWorker();
      }
      if (running === 0 && drained) drained();
    }
  }

  return {
    inputs: inline.inputs,
    outputs: inline.outputs,
    run: (inputName, input, outputNames) => timed((session) => session.run(inputName, input, outputNames)),
    runTensors: (feeds, outputNames) =>
      timed((session) => {
        if (!session.runTensors) throw new InferdError("unavailable", "this model's runtime does not take tensor inputs");
        return session.runTensors(feeds, outputNames);
      }),
    async release() {
      released = true;
      await moving;
      await current.release();
    },
    health: () => (placement === "worker" ? (current.health?.() ?? READY) : READY),
    placement: () => placement,
    medianRunUs: () => typical,
    settled: async () => {
      await moving;
    },
  };
}
