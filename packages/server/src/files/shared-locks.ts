import { randomUUID } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { lock } from "proper-lockfile";
import { InferdError } from "../errors";
import { writeFileAtomic } from "./durable-fs";
import { quote } from "../quote";

/** How long a lock of a replica that died (SIGKILL, lost machine) blocks the others, in ms. */
export const SHARED_LOCK_STALE_MS = 10_000;
/** How long a call waits for a path lock another replica holds before UNAVAILABLE, roughly, in ms. */
const SHARED_LOCK_WAIT_MS = 30_000;

/**
 * Locks of project paths that hold across processes (replicas sharing one files folder), and
 * the owner marks that let a newer upload of a path on one replica stop an older one on
 * another. The local store runs every change of a path (begin, each append, publish, write,
 * delete) holding the path's lock; without sharing both are no-ops.
 *
 * Built on `proper-lockfile`: a lock is a `mkdir` of `<locks>/<key>.lock` (atomic on local
 * disks and on NFS, unlike fcntl locks), refreshed every few seconds while held; one whose
 * holder died is taken over once it is {@link SHARED_LOCK_STALE_MS} old.
 */
export interface SharedLocks {
  /** True when several processes may share the folder (locks and owner marks are real). */
  readonly shared: boolean;
  /** Runs `fn` holding the cross-process lock of the path whose key is `key`. */
  withPath<T>(project: string, key: string, what: string, fn: () => Promise<T>): Promise<T>;
  /** Marks a new upload session of the path as its owner; returns the mark. Caller holds the lock. */
  claim(project: string, key: string): Promise<string>;
  /** True while `mark` still owns the path's upload. Caller holds the lock. */
  owns(project: string, key: string, mark: string): Promise<boolean>;
}

/** Locks for a store that only this process uses: nothing to do. */
export const processLocalLocks: SharedLocks = {
  shared: false,
  withPath: (_project, _key, _what, fn) => fn(),
  claim: async () => "",
  owns: async () => true,
};

/** Creates {@link SharedLocks} kept in `<locksDirOf(project)>`. */
export function createSharedLocks(locksDirOf: (project: string) => string): SharedLocks {
  const ownerFile = (project: string, key: string): string => join(locksDirOf(project), `${key}.owner`);
  return {
    shared: true,
    async withPath(project, key, what, fn) {
      const dir = locksDirOf(project);
      await mkdir(dir, { recursive: true });
      let release: () => Promise<void>;
      try {
        release = await lock(join(dir, key), {
          realpath: false,
          stale: SHARED_LOCK_STALE_MS,
          // Back off up to 250 ms between tries, for about SHARED_LOCK_WAIT_MS in all.
          retries: { retries: Math.ceil(SHARED_LOCK_WAIT_MS / 250), factor: 1.5, minTimeout: 5, maxTimeout: 250 },
          // A lock whose refresh failed (a stalled disk) may be taken by another replica; the
          // work under it finishes and the owner mark check of the next append catches a
          // takeover. The default would throw from a timer and stop the server.
          onCompromised: () => undefined,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ELOCKED") {
          throw new InferdError("unavailable", `another replica holds ${what} for too long; retry`, { cause: error });
        }
        throw error;
      }
      try {
        return await fn();
      } finally {
        await release().catch(() => undefined);
      }
    },
    async claim(project, key) {
      const mark = randomUUID();
      await mkdir(locksDirOf(project), { recursive: true });
      await writeFileAtomic(ownerFile(project, key), mark);
      return mark;
    },
    async owns(project, key, mark) {
      try {
        return (await readFile(ownerFile(project, key), "utf8")) === mark;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw error;
      }
    },
  };
}

/** The error an upload gets when another replica's newer upload of the path took it over. */
export function takenOverError(path: string, stored: bigint): InferdError {
  return new InferdError("aborted", `a newer Upload of ${quote(path)} on another replica took over; this call stopped at ${stored} bytes`);
}
