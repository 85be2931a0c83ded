import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { quote } from "../quote";

/**
 * Bytes an upload set aside when it began (its declared size still to come), so that two
 * uploads started at once cannot both fit a quota that has room for one. Writes draw on it;
 * what is left is given back when the upload closes.
 */
export interface QuotaHold {
  /** Bytes still set aside. */
  readonly left: number;
  /**
   * Counts `bytes` as stored: from the hold while it lasts, the rest checked against the quota
   * (throws RESOURCE_EXHAUSTED, counting nothing, when that does not fit).
   */
  consume(bytes: number, what: string): Promise<void>;
  /** Gives back what is left (idempotent). */
  release(): void;
}

/**
 * Bytes each project uses (published files + partial uploads), counted from disk on first use
 * and then kept up to date by the store, plus the bytes uploads set aside, checked against a
 * per-project limit. Every check-and-count is atomic: nothing else runs between the two.
 */
export interface QuotaTracker {
  /** Throws RESOURCE_EXHAUSTED when `bytes` more would not fit; otherwise counts them. */
  reserve(project: string, bytes: number, what: string): Promise<void>;
  /** Throws RESOURCE_EXHAUSTED when `bytes` more (may be negative) would not fit; counts nothing. */
  check(project: string, bytes: number, what: string): Promise<void>;
  /** Throws RESOURCE_EXHAUSTED when `bytes` more would not fit; otherwise sets them aside. */
  hold(project: string, bytes: number, what: string): Promise<QuotaHold>;
  /** Adds (or with a negative number, removes) bytes already on disk or already gone. */
  adjust(project: string, bytes: number): void;
  /** Forgets a project's count so the next use recounts it from disk (after an I/O error). */
  invalidate(project: string): void;
}

async function diskUsage(folder: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
  for (const entry of entries) {
    const full = join(folder, entry.name);
    if (entry.isDirectory()) total += await diskUsage(full);
    else if (entry.isFile()) total += (await stat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Creates a tracker over the projects under `root`; a limit of 0 means unlimited. */
export function createQuotaTracker(root: string, limitBytes: number): QuotaTracker {
  const usage = new Map<string, number>();
  const held = new Map<string, number>();
  const counting = new Map<string, Promise<number>>();

  async function ensureCounted(project: string): Promise<void> {
    if (usage.has(project)) return;
    let pending = counting.get(project);
    if (!pending) {
      pending = Promise.all([diskUsage(join(root, project, "data")), diskUsage(join(root, project, "uploads"))]).then(
        ([data, uploads]) => data + uploads,
      );
      counting.set(project, pending);
      void pending.then(
        () => counting.get(project) === pending && counting.delete(project),
        () => counting.get(project) === pending && counting.delete(project),
      );
    }
    const counted = await pending;
    if (!usage.has(project)) usage.set(project, counted);
  }

  /** Synchronous: call only right after {@link ensureCounted}, with no await in between. */
  function assertFits(project: string, bytes: number, what: string): void {
    if (limitBytes <= 0) return;
    const current = (usage.get(project) ?? 0) + (held.get(project) ?? 0);
    if (current + bytes > limitBytes) {
      throw new InferdError(
        "resource-exhausted",
        `${what} needs ${bytes} more bytes but project ${quote(project)} uses ${current} of its ${limitBytes}-byte quota; delete files first`,
      );
    }
  }

  const addHeld = (project: string, bytes: number): void => {
    const next = (held.get(project) ?? 0) + bytes;
    if (next > 0) held.set(project, next);
    else held.delete(project);
  };
  const addUsage = (project: string, bytes: number): void => {
    const current = usage.get(project);
    if (current !== undefined) usage.set(project, Math.max(0, current + bytes));
  };

  const tracker: QuotaTracker = {
    async reserve(project, bytes, what) {
      await ensureCounted(project);
      assertFits(project, bytes, what);
      addUsage(project, bytes);
    },
    async check(project, bytes, what) {
      await ensureCounted(project);
      assertFits(project, bytes, what);
    },
    async hold(project, bytes, what) {
      await ensureCounted(project);
      assertFits(project, bytes, what);
      addHeld(project, bytes);
      let left = bytes;
      return {
        get left() {
          return left;
        },
        async consume(count, consumeWhat) {
          const fromHold = Math.min(left, count);
          if (count > fromHold) await tracker.reserve(project, count - fromHold, consumeWhat);
          left -= fromHold;
          addHeld(project, -fromHold);
          addUsage(project, fromHold);
        },
        release() {
          addHeld(project, -left);
          left = 0;
        },
      };
    },
    adjust: addUsage,
    invalidate(project) {
      usage.delete(project);
    },
  };
  return tracker;
}
