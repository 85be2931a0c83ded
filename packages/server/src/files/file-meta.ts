import { createHash, type Hash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { mkdir, readFile, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./durable-fs";

/** The checksum sidecar of a published file, tied to the file's identity. */
interface Sidecar {
  readonly sha256: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** Streams a file through SHA-256 (never the whole file in memory). */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * A SHA-256 already fed with the first `bytes` bytes of an open file: the state a resumed
 * upload continues from, so its hash is complete at publish without reading the file again.
 * Read through the same handle the session appends to, so the hash covers exactly the bytes
 * that will be published.
 */
export async function sha256OfPrefix(file: FileHandle, bytes: bigint): Promise<Hash> {
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1 << 20);
  for (let position = 0; position < Number(bytes); ) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, Number(bytes) - position), position);
    if (bytesRead === 0) throw new Error(`partial upload ended at ${position} of ${bytes} bytes while being hashed`);
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash;
}

function matches(sidecar: Sidecar, stats: Stats): boolean {
  return sidecar.size === stats.size && sidecar.mtimeMs === stats.mtimeMs && sidecar.ino === stats.ino;
}

/**
 * Records the checksum of a file that is about to be published. The sidecar names the
 * file's inode, size and mtime (which a rename keeps), so a sidecar that does not describe
 * the current file (e.g. after a crash between the two renames) is ignored and recomputed.
 */
export async function recordChecksum(metaDir: string, key: string, file: string, sha256: string): Promise<void> {
  const stats = await stat(file);
  const sidecar: Sidecar = { sha256, size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
  await mkdir(metaDir, { recursive: true });
  // Not synced: a checksum sidecar is a cache tied to the file's identity and checked when
  // read; one lost or torn by a crash is recomputed from the file.
  await writeFileAtomic(join(metaDir, `${key}.json`), JSON.stringify(sidecar), false);
}

/** The checksum of a published file: from its sidecar when current, else computed and recorded. */
export async function checksumOf(metaDir: string, key: string, file: string, stats: Stats): Promise<string> {
  try {
    const sidecar = JSON.parse(await readFile(join(metaDir, `${key}.json`), "utf8")) as Sidecar;
    if (matches(sidecar, stats) && typeof sidecar.sha256 === "string") return sidecar.sha256;
  } catch {
    // missing or unreadable sidecar: recompute below
  }
  const sha256 = await sha256OfFile(file);
  await recordChecksum(metaDir, key, file, sha256).catch(() => undefined);
  return sha256;
}
