/**
 * One server per data directory. Two servers on one data dir would both resume the same jobs
 * and race on the same files, so the server takes `<data-dir>/inferd.lock` at start-up and
 * refuses to start while another live process holds it.
 *
 * The lock file names its holder: pid, host, and the process start time (Linux
 * /proc/<pid>/stat), so a pid reused by an unrelated process, or by inferd itself after a
 * container restart (pid 1 again), is not mistaken for the holder. A lock whose holder is gone
 * (crash, SIGKILL) is taken over. The file is created complete in one step (written aside,
 * then hard-linked into place), so nobody ever reads a half-written lock; a takeover renames
 * the stale file away first, so two servers taking over at once cannot both win.
 */
import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

/** The lock file's name inside the data directory. */
export const LOCK_FILE = "inferd.lock";

/** Who holds a data directory: the content of the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** /proc/<pid>/stat start time (clock ticks since boot); "" where /proc is not available. */
  readonly startTime: string;
  /** ISO time the lock was taken. */
  readonly since: string;
  /** Random id of this holding, so release() never deletes a lock someone else took since. */
  readonly token: string;
}

/** Another live process holds the data directory. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on host "${holder.host}"`;
    super(
      `the data directory is in use by another inferd server (${where}, since ${holder.since}); ` +
        `stop it, or give this server its own --data-dir. If that process is not an inferd server, delete ${lockFile}`,
    );
  }
}

/** A held data-directory lock. */
export interface DataDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Deletes the lock file if it is still this holding's; safe to call twice. */
  release(): Promise<void>;
}

async function startTimeOf(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may hold spaces, so count from its closing ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as Partial<LockHolder>;
    if (typeof value.pid !== "number" || typeof value.host !== "string") return undefined;
    return { pid: value.pid, host: value.host, startTime: String(value.startTime ?? ""), since: String(value.since ?? ""), token: String(value.token ?? "") };
  } catch {
    return undefined;
  }
}

/** Lock files this process holds: a second server in the same process is refused too. */
const heldHere = new Set<string>();

/** Whether the holder is a live process (assumed so when it cannot be checked: another host). */
async function isAlive(holder: LockHolder, file: string): Promise<boolean> {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: the process exists, owned by someone else.
  }
  // The pid is in use: by the holder only if it started at the recorded time.
  const startTime = await startTimeOf(holder.pid);
  return holder.startTime === "" || startTime === "" || startTime === holder.startTime;
}

async function unlinkQuietly(file: string): Promise<void> {
  await unlink(file).catch(() => undefined);
}

/**
 * Takes the lock of `dataDir` (created if missing). Throws {@link DataDirLockedError} naming
 * the holder when another live process has it; takes over the lock of a dead one.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, host: hostname(), startTime: await startTimeOf(process.pid), since: new Date().toISOString(), token: randomUUID() };
  for (let attempt = 0; attempt < 5; attempt++) {
    const aside = `${file}.${holder.token}.new`;
    await writeFile(aside, `${JSON.stringify(holder)}\n`, { flag: "wx" });
    try {
      await link(aside, file); // fails with EEXIST while a lock file exists
      heldHere.add(file);
      let released = false;
      return {
        file,
        holder,
        async release() {
          if (released) return;
          released = true;
          heldHere.delete(file);
          if ((await readHolder(file))?.token === holder.token) await unlinkQuietly(file);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      await unlinkQuietly(aside);
    }
    const current = await readHolder(file);
    if (current && (await isAlive(current, file))) throw new DataDirLockedError(file, current);
    // Stale (its holder is gone) or unreadable (torn by a crash): move it away, then check that
    // what was moved is the lock judged stale and not one another server took meanwhile.
    const moved = `${file}.${holder.token}.stale`;
    try {
      await rename(file, moved);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    const movedHolder = await readHolder(moved);
    if (movedHolder && movedHolder.token !== current?.token) {
      // Someone else's fresh lock: put it back (unless yet another appeared) and re-check.
      await link(moved, file).catch(() => undefined);
    }
    await unlinkQuietly(moved);
  }
  const current = await readHolder(file);
  throw current ? new DataDirLockedError(file, current) : new Error(`could not take the lock ${file}; another server keeps replacing it`);
}
