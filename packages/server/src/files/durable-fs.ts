import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Flushes a directory's entries (a rename or a new file in it) to disk. Without it a power
 * loss can undo a rename whose file was synced: the name is in the directory, not the file.
 */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames `from` to `to` and syncs the target's directory (and the source's, when another). */
export async function renameDurably(from: string, to: string): Promise<void> {
  await rename(from, to);
  await syncDirectory(dirname(to));
  if (dirname(from) !== dirname(to)) await syncDirectory(dirname(from));
}

let sequence = 0;

/**
 * Writes a small file atomically and (unless `durable` is false) durably: a temp file in the
 * same folder, synced, then renamed over the target and the folder synced. After a crash the
 * target holds either the old or the new content, never an empty or half-written file. A
 * cache that is checked when read and can be recomputed passes `durable: false` and skips the
 * two syncs (the rename stays atomic). The temp file is removed on failure.
 */
export async function writeFileAtomic(file: string, text: string, durable = true): Promise<void> {
  const temp = `${file}.${process.pid}.${++sequence}.tmp`;
  try {
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(text);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    if (durable) await renameDurably(temp, file);
    else await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
