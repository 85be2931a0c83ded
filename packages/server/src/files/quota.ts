import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { quote } from "../quote";

/**
 * Bytes each project uses (published files + partial uploads), counted from disk on first use
 * and then kept up to date by the store, checked against a per-project limit.
 */
export interface QuotaTracker {
  /** Throws RESOURCE_EXHAUSTED when `bytes` more would not fit; otherwise counts them. */
  reserve(project: string, bytes: number, what: string): Promise<void>;
  /** Throws RESOURCE_EXHAUSTED when `bytes` more would not fit; counts nothing. */
  check(project: string, bytes: number, what: string): Promise<void>;
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
  } catch {
    return 0;
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
  const counting = new Map<string, Promise<number>>();

  async function used(project: string): Promise<number> {
    const known = usage.get(project);
    if (known !== undefined) return known;
    let pending = counting.get(project);
    if (!pending) {
      pending = Promise.all([diskUsage(join(root, project, "data")), diskUsage(join(root, project, "uploads"))]).then(
        ([data, uploads]) => data + uploads,
      );
      counting.set(project, pending);
    }
    const counted = await pending;
    counting.delete(project);
    if (!usage.has(project)) usage.set(project, counted);
    return usage.get(project) as number;
  }

  async function check(project: string, bytes: number, what: string): Promise<number> {
    const current = await used(project);
    if (limitBytes > 0 && current + bytes > limitBytes) {
      throw new InferdError(
        "resource-exhausted",
        `${what} needs ${bytes} more bytes but project ${quote(project)} uses ${current} of its ${limitBytes}-byte quota; delete files first`,
      );
    }
    return current;
  }

  return {
    async reserve(project, bytes, what) {
      await check(project, bytes, what);
      usage.set(project, (usage.get(project) ?? 0) + bytes);
    },
    async check(project, bytes, what) {
      await check(project, bytes, what);
    },
    adjust(project, bytes) {
      const current = usage.get(project);
      if (current !== undefined) usage.set(project, Math.max(0, current + bytes));
    },
    invalidate(project) {
      usage.delete(project);
    },
  };
}
