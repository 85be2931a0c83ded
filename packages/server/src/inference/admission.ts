import { InferdError } from "../errors";

/** Limits of {@link createAdmission}, per key (one model version). */
export interface AdmissionLimits {
  /** Calls that may run at once. */
  readonly maxInFlight: number;
  /** Calls that may wait for a slot; one more is refused with RESOURCE_EXHAUSTED. */
  readonly maxQueued: number;
}

/** What one key is doing now. */
export interface AdmissionStats {
  readonly inFlight: number;
  readonly queued: number;
}

/** Gives back an admitted call's slot; calling it again does nothing. */
export type Release = () => void;

/** Bounded in-flight calls plus a bounded FIFO queue, per key. */
export interface Admission {
  /**
   * Resolves with a release once the call may run. Throws InferdError resource-exhausted when
   * the key's slots and queue are full; rejects with the signal's reason when it aborts while
   * the call waits (the call then never runs).
   */
  admit(key: string, signal?: AbortSignal): Promise<Release>;
  stats(key: string): AdmissionStats;
}

interface Waiter {
  readonly admitted: (release: Release) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Lane {
  inFlight: number;
  readonly queue: Waiter[];
}

/** Creates an {@link Admission}; `describe(key)` names the key in refusals (e.g. `model "x" version 1`). */
export function createAdmission(limits: AdmissionLimits, describe: (key: string) => string = (key) => key): Admission {
  const lanes = new Map<string, Lane>();

  function lane(key: string): Lane {
    let found = lanes.get(key);
    if (!found) lanes.set(key, (found = { inFlight: 0, queue: [] }));
    return found;
  }

  function releaser(key: string, current: Lane): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next waiter: its in-flight count carries over.
      const next = current.queue.shift();
      if (next) {
        next.signal?.removeEventListener("abort", next.onAbort);
        next.admitted(releaser(key, current));
        return;
      }
      current.inFlight--;
      if (current.inFlight === 0) lanes.delete(key);
    };
  }

  return {
    // async: refusals reject rather than throw; the body still runs synchronously up to the queueing.
    async admit(key, signal) {
      signal?.throwIfAborted();
      const current = lane(key);
      if (current.inFlight < limits.maxInFlight) {
        current.inFlight++;
        return releaser(key, current);
      }
      if (current.queue.length >= limits.maxQueued) {
        if (current.inFlight === 0) lanes.delete(key);
        throw new InferdError(
          "resource-exhausted",
          `${describe(key)} is busy: ${current.inFlight} Infer calls running and ${current.queue.length} waiting, its limit ` +
            `(--infer-concurrency ${limits.maxInFlight}, --infer-queue-size ${limits.maxQueued}); retry with backoff, ` +
            `send batches as a Run job, or ask the operator to raise the limits`,
        );
      }
      return new Promise<Release>((resolve, reject) => {
        const waiter: Waiter = {
          admitted: resolve,
          signal,
          onAbort: () => {
            const index = current.queue.indexOf(waiter);
            if (index >= 0) current.queue.splice(index, 1);
            reject(signal?.reason);
          },
        };
        current.queue.push(waiter);
        signal?.addEventListener("abort", waiter.onAbort, { once: true });
      });
    },
    stats(key) {
      const current = lanes.get(key);
      return { inFlight: current?.inFlight ?? 0, queued: current?.queue.length ?? 0 };
    },
  };
}
