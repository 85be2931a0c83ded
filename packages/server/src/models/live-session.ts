import { InferdError } from "../errors";
import type { ModelSession, TensorSignature } from "./runtime";

/**
 * The session of one model version as callers see it, while the repository swaps what is
 * behind it: every run goes to the version's current onnxruntime session, counted on that
 * session, so that a reload (a new session for the same version) never touches a call already
 * running on the old one. A replaced or retired session is released once its last call ended.
 */
export interface LiveSession extends ModelSession {
  /** Makes `next` serve every run started from now on; the old session is drained, then released. */
  swap(next: ModelSession): Promise<void>;
  /**
   * Stops new runs (they fail UNAVAILABLE with `reason`), waits for the running ones, then
   * releases the session. Resolves once released.
   */
  retire(reason: string): Promise<void>;
  /** Runs in progress on any of this version's sessions. */
  inFlight(): number;
}

interface Counted {
  readonly session: ModelSession;
  running: number;
  idle: Array<() => void>;
}

function drained(entry: Counted): Promise<void> {
  if (entry.running === 0) return Promise.resolve();
  return new Promise((resolve) => entry.idle.push(resolve));
}

async function track<T>(entry: Counted, work: () => Promise<T>): Promise<T> {
  entry.running += 1;
  try {
    return await work();
  } finally {
    entry.running -= 1;
    if (entry.running === 0) for (const wake of entry.idle.splice(0)) wake();
  }
}

/** Wraps a freshly loaded session; see {@link LiveSession}. */
export function createLiveSession(first: ModelSession): LiveSession {
  let current: Counted | undefined = { session: first, running: 0, idle: [] };
  let retiredReason = "";
  const all = new Set<Counted>([current]);

  const active = (): Counted => {
    if (!current) throw new InferdError("unavailable", retiredReason);
    return current;
  };
  const release = async (entry: Counted): Promise<void> => {
    await drained(entry);
    all.delete(entry);
    await entry.session.release().catch(() => undefined);
  };

  return {
    get inputs(): readonly TensorSignature[] {
      return (current ?? { session: first }).session.inputs;
    },
    get outputs(): readonly TensorSignature[] {
      return (current ?? { session: first }).session.outputs;
    },
    run(inputName, input, outputNames, signal) {
      // Picked synchronously: a call that started is counted before anything can swap.
      const entry = active();
      return track(entry, () => entry.session.run(inputName, input, outputNames, signal));
    },
    runTensors(feeds, outputNames, signal) {
      const entry = active();
      const runTensors = entry.session.runTensors;
      if (!runTensors) return Promise.reject(new InferdError("unavailable", "this model's runtime does not take tensor inputs"));
      return track(entry, () => runTensors(feeds, outputNames, signal));
    },
    swap(next) {
      const old = current;
      current = { session: next, running: 0, idle: [] };
      all.add(current);
      return old ? release(old) : Promise.resolve();
    },
    retire(reason) {
      const old = current;
      current = undefined;
      retiredReason = reason;
      return old ? release(old) : Promise.resolve();
    },
    release() {
      return this.retire("the model was released");
    },
    inFlight: () => [...all].reduce((sum, entry) => sum + entry.running, 0),
    // The current session's own health (a supervised worker restarting after an exit).
    health: () => current?.session.health?.() ?? { state: "ready", message: "" },
  };
}
