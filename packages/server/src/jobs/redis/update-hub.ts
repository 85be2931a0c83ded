import { isTerminal } from "../job";
import type { JobUpdateListener } from "../job-engine";
import { jobNotFound } from "../job-manager";
import type { StoredUpdate } from "./redis-keys";

interface Watcher {
  readonly jobId: string;
  /** Updates that arrived while the current state was being read. */
  buffer: StoredUpdate[] | undefined;
  lastSeq: number;
  readonly listener: JobUpdateListener;
}

/** Dispatches published job updates to this replica's watchers. */
export interface UpdateHub {
  /** Current update first, then every later one (by seq, none twice) until the job ends. */
  subscribe(jobId: string, listener: JobUpdateListener): Promise<() => void>;
  /** A published update. */
  receive(update: StoredUpdate): void;
  /** Re-reads every watched job's current update (after the subscriber reconnected). */
  resync(): Promise<void>;
  close(): void;
}

/**
 * One subscription per replica, fanned out here: a watcher subscribes before it reads the
 * job's current state, so nothing published in between is missed, and updates at or below
 * the seq it already has are dropped, so none is delivered twice or out of order.
 */
export function createUpdateHub(readCurrent: (jobId: string) => Promise<StoredUpdate | undefined>): UpdateHub {
  const watchers = new Map<string, Set<Watcher>>();

  function detach(watcher: Watcher): void {
    const set = watchers.get(watcher.jobId);
    set?.delete(watcher);
    if (set?.size === 0) watchers.delete(watcher.jobId);
  }

  function deliver(watcher: Watcher, stored: StoredUpdate): void {
    if (stored.seq <= watcher.lastSeq) return;
    watcher.lastSeq = stored.seq;
    if (isTerminal(stored.update.stage)) detach(watcher);
    watcher.listener(stored.update);
  }

  function offer(watcher: Watcher, stored: StoredUpdate): void {
    if (watcher.buffer) watcher.buffer.push(stored);
    else deliver(watcher, stored);
  }

  return {
    async subscribe(jobId, listener) {
      const watcher: Watcher = { jobId, buffer: [], lastSeq: 0, listener };
      const set = watchers.get(jobId) ?? new Set<Watcher>();
      watchers.set(jobId, set);
      set.add(watcher);
      let current: StoredUpdate | undefined;
      try {
        current = await readCurrent(jobId);
      } catch (error) {
        detach(watcher);
        throw error;
      }
      if (!current) {
        detach(watcher);
        throw jobNotFound(jobId);
      }
      const buffered = watcher.buffer ?? [];
      watcher.buffer = undefined;
      deliver(watcher, current);
      for (const stored of buffered) deliver(watcher, stored);
      return () => detach(watcher);
    },

    receive(stored) {
      for (const watcher of [...(watchers.get(stored.update.jobId) ?? [])]) offer(watcher, stored);
    },

    async resync() {
      for (const jobId of [...watchers.keys()]) {
        const current = await readCurrent(jobId);
        if (current) for (const watcher of [...(watchers.get(jobId) ?? [])]) offer(watcher, current);
      }
    },

    close() {
      watchers.clear();
    },
  };
}
