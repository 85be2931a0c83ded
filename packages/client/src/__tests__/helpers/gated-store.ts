import type { FileStore } from "@inferd/server";

/** A gate the test opens: until then, job reads of "held/..." images wait. */
export interface Gate {
  release(): void;
}

/**
 * Wraps a FileStore so that reading an image under "held/" waits for the gate: a job over
 * such an image stays running until the test releases it, which makes detach and cancel
 * tests deterministic without sleeps.
 */
export function gatedStore(inner: FileStore): { store: FileStore; gate: Gate } {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const store = Object.create(inner) as FileStore;
  store.readFile = async (project, path) => {
    if (path.startsWith("held/")) await opened;
    return inner.readFile(project, path);
  };
  return { store, gate: { release: () => release() } };
}
