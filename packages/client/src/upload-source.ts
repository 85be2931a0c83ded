import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { localError } from "./errors";

/** What an upload reads from: a local file path, bytes in memory, or a stream. */
export type UploadInput = string | Uint8Array | Readable;

/**
 * An upload's data, re-readable from any offset (which resuming needs), with its size and
 * SHA-256 known up front (which the header declares so the server can verify).
 */
export interface UploadSource {
  readonly size: bigint;
  /** Lowercase hex SHA-256 of the whole content. */
  readonly sha256: string;
  /** Reads the content from `offset` to the end in chunks of at most `chunkSize` bytes. */
  read(offset: bigint, chunkSize: number): AsyncIterable<Uint8Array>;
  /** Releases anything the source holds (the spool file of a stream). */
  dispose(): Promise<void>;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function fileSource(path: string, dispose: () => Promise<void>): Promise<UploadSource> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw localError(`cannot read ${path}`, error);
  }
  if (!info.isFile()) throw localError(`${path} is not a regular file`);
  const sha256 = await hashFile(path);
  return {
    size: BigInt(info.size),
    sha256,
    read: (offset, chunkSize) => createReadStream(path, { start: Number(offset), highWaterMark: chunkSize }),
    dispose,
  };
}

function bytesSource(bytes: Uint8Array): UploadSource {
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return {
    size: BigInt(bytes.byteLength),
    sha256,
    async *read(offset, chunkSize) {
      for (let start = Number(offset); start < bytes.byteLength; start += chunkSize) {
        yield bytes.subarray(start, Math.min(start + chunkSize, bytes.byteLength));
      }
    },
    dispose: async () => undefined,
  };
}

/**
 * A stream cannot be re-read after a broken call, and its size and hash are unknown until
 * it ends, so it is spooled to a temporary file first (hashed on the way) and uploaded from
 * there; the file is removed by dispose().
 */
async function streamSource(stream: Readable): Promise<UploadSource> {
  const dir = await mkdtemp(join(tmpdir(), "inferd-upload-"));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  const spool = join(dir, "spool");
  try {
    await pipeline(stream, createWriteStream(spool));
    return await fileSource(spool, remove);
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Prepares an upload input: measures and hashes it and makes it re-readable. */
export function openUploadSource(input: UploadInput): Promise<UploadSource> {
  if (typeof input === "string") return fileSource(input, async () => undefined);
  if (input instanceof Uint8Array) return Promise.resolve(bytesSource(input));
  return streamSource(input);
}
