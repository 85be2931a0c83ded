import { InferdError } from "../errors";
import { createKeyedMutex } from "./keyed-mutex";
import type { DiskUploadSession } from "./upload-session";
import { quote } from "../quote";

/** Default most uploads one project may have open at once. */
export const DEFAULT_MAX_OPEN_UPLOADS_PER_PROJECT = 64;

/**
 * The locking of the file store: one lock per project path (uploads, writes and deletes of a
 * path run one at a time), the live upload session of each path, and the per-project cap on
 * open uploads (each holds a file descriptor until it closes).
 */
export interface UploadRegistry {
  /** Runs `fn` holding the lock of the path. */
  withPath<T>(project: string, path: string, fn: () => Promise<T>): Promise<T>;
  /** The session writing the path right now, if any. */
  live(project: string, path: string): DiskUploadSession | undefined;
  /**
   * With `supersede`, closes the path's session (a newer call took over); otherwise waits for
   * a session that is already closing. Resolves once it is closed.
   */
  settle(project: string, path: string, supersede: boolean): Promise<void>;
  /**
   * Takes one of the project's open-upload slots for the path (a path that already holds one,
   * being superseded, takes none more); throws RESOURCE_EXHAUSTED when all are taken. Returns
   * the release, to call once when the upload is closed or failed to open.
   */
  acquireSlot(project: string, path: string): () => void;
  /** Records the path's new session; it leaves the registry when it closes. */
  register(project: string, path: string, session: DiskUploadSession): void;
  /** Called by a session when it closed. */
  closed(project: string, path: string, session: DiskUploadSession): void;
  /** Every open session (server shutdown). */
  sessions(): DiskUploadSession[];
}

/** Creates an {@link UploadRegistry}; `maxOpenPerProject` 0 means no cap. */
export function createUploadRegistry(maxOpenPerProject: number): UploadRegistry {
  const mutex = createKeyedMutex();
  const active = new Map<string, DiskUploadSession>();
  /** Per project: path → slots held (2 while a session is being superseded). */
  const slots = new Map<string, Map<string, number>>();
  const lockKey = (project: string, path: string): string => `${project}\n${path}`;

  return {
    withPath: (project, path, fn) => mutex.run(lockKey(project, path), fn),
    live(project, path) {
      const session = active.get(lockKey(project, path));
      return session?.live ? session : undefined;
    },
    async settle(project, path, supersede) {
      const session = active.get(lockKey(project, path));
      if (!session) return;
      if (supersede) await session.supersede();
      else if (!session.live) await session.closed;
    },
    acquireSlot(project, path) {
      let held = slots.get(project);
      if (!held) slots.set(project, (held = new Map()));
      const count = held.get(path) ?? 0;
      if (count === 0 && maxOpenPerProject > 0 && held.size >= maxOpenPerProject) {
        throw new InferdError(
          "resource-exhausted",
          `project ${quote(project)} already has ${held.size} uploads open, the most allowed at once (--max-open-uploads); ` +
            `finish or cancel one, then retry`,
        );
      }
      held.set(path, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.get(path) ?? 1) - 1;
        if (left > 0) held.set(path, left);
        else held.delete(path);
        if (held.size === 0 && slots.get(project) === held) slots.delete(project);
      };
    },
    register(project, path, session) {
      active.set(lockKey(project, path), session);
    },
    closed(project, path, session) {
      const key = lockKey(project, path);
      if (active.get(key) === session) active.delete(key);
    },
    sessions: () => [...active.values()],
  };
}
