import { InferdError } from "../errors";
import { silentLogger, type Logger } from "../logger";
import type { ModelLoader, ModelSession, RuntimeOptions, SessionHealth } from "./runtime";
import { loadWorkerSession, WorkerExitedError, type WorkerSession } from "./worker-runtime";

/** How a supervised worker is restarted; every field has a default. */
export interface SupervisorOptions {
  readonly logger?: Logger;
  /** Exits in a row after which the model is given up as failed. Default 5. */
  readonly maxRestarts?: number;
  /** Wait before the first restart; doubled for each further exit in a row. Default 100 ms. */
  readonly firstBackoffMs?: number;
  /** Longest wait between restarts. Default 10 s. */
  readonly maxBackoffMs?: number;
  /** A worker that ran this long before exiting starts the count afresh. Default 60 s. */
  readonly stableAfterMs?: number;
  /** Starts one worker; default onnxruntime-node in a worker thread. */
  readonly start?: (modelPath: string, options: RuntimeOptions) => Promise<WorkerSession>;
}

/** A model session whose worker thread is restarted when it exits. */
export interface SupervisedSession extends ModelSession {
  health(): SessionHealth;
  /** Calls listener on every change of health; returns the function that stops it. */
  onHealth(listener: (health: SessionHealth) => void): () => void;
  /** Makes the current worker exit as if it crashed (tests of recovery). */
  crash(code: number): void;
}

const READY: SessionHealth = { state: "ready", message: "" };

/**
 * Runs one model version in a worker thread and starts a new one when it exits (a crash, an
 * out-of-memory abort, process.exit in native code): after firstBackoffMs, doubling per exit
 * in a row up to maxBackoffMs, at most maxRestarts times in a row, then the model is failed.
 * Meanwhile health() says restarting (ListModels shows the version LOADING, Infer answers
 * UNAVAILABLE) instead of every call failing for good.
 */
export async function superviseWorker(modelPath: string, runtime: RuntimeOptions, options: SupervisorOptions = {}): Promise<SupervisedSession> {
  const logger = options.logger ?? silentLogger;
  const maxRestarts = options.maxRestarts ?? 5;
  const firstBackoffMs = options.firstBackoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const start = options.start ?? loadWorkerSession;

  let current = await start(modelPath, runtime); // a first load that fails is the repository's to report
  let startedAt = Date.now();
  let exitsInARow = 0;
  let health = READY;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const listeners = new Set<(health: SessionHealth) => void>();

  function setHealth(next: SessionHealth): void {
    health = next;
    for (const listener of listeners) listener(next);
  }

  function watch(session: WorkerSession): void {
    void session.exited.then((error) => {
      if (!closed && session === current) onExit(error);
    });
  }

  function onExit(error: Error): void {
    if (Date.now() - startedAt >= stableAfterMs) exitsInARow = 0;
    exitsInARow++;
    if (exitsInARow > maxRestarts) {
      logger.error({ model: modelPath, exits: exitsInARow, error: error.message }, "model worker keeps exiting: giving up; the model is failed until the server restarts");
      setHealth({ state: "failed", message: `its worker thread exited ${exitsInARow} times in a row (last: ${error.message}); restart the server` });
      return;
    }
    const delayMs = Math.min(firstBackoffMs * 2 ** (exitsInARow - 1), maxBackoffMs);
    logger.warn({ model: modelPath, attempt: exitsInARow, delayMs, error: error.message }, "model worker exited: restarting it");
    setHealth({ state: "restarting", message: `its worker thread exited (${error.message}); restarting, attempt ${exitsInARow} of ${maxRestarts}` });
    timer = setTimeout(() => void restart(), delayMs);
  }

  async function restart(): Promise<void> {
    timer = undefined;
    let next: WorkerSession;
    try {
      next = await start(modelPath, runtime);
    } catch (error) {
      if (!closed) onExit(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (closed) {
      await next.release();
      return;
    }
    current = next;
    startedAt = Date.now();
    watch(next);
    logger.info({ model: modelPath, attempt: exitsInARow }, "model worker restarted");
    setHealth(READY);
  }

  /** Runs one call on the current worker: UNAVAILABLE while it restarts or when it exits mid-call. */
  async function guarded<T>(work: () => Promise<T>): Promise<T> {
    if (health.state !== "ready") throw new InferdError("unavailable", `the model is not ready: ${health.message}; retry shortly`);
    try {
      return await work();
    } catch (error) {
      if (error instanceof WorkerExitedError) {
        throw new InferdError("unavailable", `the model's worker thread exited during this call; it is being restarted: retry shortly`, { cause: error });
      }
      throw error;
    }
  }

  watch(current);
  return {
    inputs: current.inputs,
    outputs: current.outputs,
    run: (inputName, input, outputNames) => guarded(() => current.run(inputName, input, outputNames)),
    // Tensor runs (OIP) go through the same checks; a session without them answers UNAVAILABLE.
    runTensors: (feeds, outputNames) =>
      guarded(() => {
        const runTensors = current.runTensors;
        if (!runTensors) throw new InferdError("unavailable", "this model's runtime does not take tensor inputs");
        return runTensors(feeds, outputNames);
      }),
    async release() {
      closed = true;
      clearTimeout(timer);
      listeners.clear();
      await current.release();
    },
    health: () => health,
    onHealth(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    crash: (code) => current.crash(code),
  };
}

/** A {@link ModelLoader} whose sessions are {@link superviseWorker}ed. */
export function createSupervisedLoader(options: SupervisorOptions = {}): ModelLoader {
  return (modelPath, runtime) => superviseWorker(modelPath, runtime, options);
}
