/**
 * Model instances (Triton's instance_group count): several sessions of one version, each in
 * its own worker thread, serving at once. A run goes to the ready instance with the fewest runs
 * in progress (the first one on a tie), so with two instances on two cores one image is
 * pre- and post-processed while another one runs, and a restarting instance is skipped while
 * the others serve. With one instance this is that session unchanged.
 */
import { InferdError } from "../errors";
import type { ModelLoader, ModelSession, RuntimeOptions, SessionHealth } from "./runtime";

/** Several sessions of one version as one; see the file comment. */
export interface InstancePool extends ModelSession {
  /** How many instances serve. */
  readonly instanceCount: number;
  health(): SessionHealth;
}

interface Instance {
  readonly session: ModelSession;
  running: number;
}

const READY: SessionHealth = { state: "ready", message: "" };
const healthOf = (session: ModelSession): SessionHealth => session.health?.() ?? READY;

/**
 * Loads `count` instances of the model at `modelPath` (one after another: loading is
 * CPU-bound); releases the ones loaded when a later one fails.
 */
export async function loadInstances(loader: ModelLoader, modelPath: string, runtime: RuntimeOptions, count: number): Promise<ModelSession[]> {
  const sessions: ModelSession[] = [];
  try {
    for (let i = 0; i < count; i += 1) sessions.push(await loader(modelPath, runtime));
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
    throw error;
  }
  return sessions;
}

/** Wraps loaded sessions of one version (at least one) into a pool. */
export function createInstancePool(sessions: readonly ModelSession[]): InstancePool {
  const first = sessions[0];
  if (!first) throw new Error("a model needs at least one instance");
  const instances: Instance[] = sessions.map((session) => ({ session, running: 0 }));

  /** The least busy ready instance; when none is ready, the first (whose guard says why). */
  function pick(): Instance {
    let best: Instance | undefined;
    for (const instance of instances) {
      if (healthOf(instance.session).state !== "ready") continue;
      if (!best || instance.running < best.running) best = instance;
    }
    return best ?? (instances[0] as Instance);
  }

  async function on<T>(work: (session: ModelSession) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    signal?.throwIfAborted();
    const instance = pick();
    instance.running += 1;
    try {
      return await work(instance.session);
    } finally {
      instance.running -= 1;
    }
  }

  return {
    instanceCount: instances.length,
    inputs: first.inputs,
    outputs: first.outputs,
    run: (inputName, input, outputNames, signal) => on((s) => s.run(inputName, input, outputNames, signal), signal),
    runTensors: (feeds, outputNames, signal) =>
      on((s) => {
        if (!s.runTensors) throw new InferdError("unavailable", "this model's runtime does not take tensor inputs");
        return s.runTensors(feeds, outputNames, signal);
      }, signal),
    async release() {
      await Promise.all(instances.map((i) => i.session.release()));
    },
    // Ready while any instance is: the others restart in the background.
    health() {
      const states = instances.map((i) => healthOf(i.session));
      return states.find((h) => h.state === "ready") ?? states.find((h) => h.state === "restarting") ?? (states[0] as SessionHealth);
    },
  };
}
