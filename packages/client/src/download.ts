import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { status } from "@grpc/grpc-js";
import type { DownloadResponse, FileInfo, FilesClient } from "@inferd/grpc-types/v1";
import { createBackoff, DEFAULT_RETRY_POLICY, isTransient, type RetryListener, type RetryPolicy } from "./backoff";
import type { Connection } from "./connection";
import { InferdClientError, localError, toClientError } from "./errors";
import { callUnary } from "./unary";
import type { TransferProgress } from "./upload";
import { parseFileUri } from "./uri";

/** Options of InferdClient.download. */
export interface DownloadOptions {
  /** Called as bytes arrive. */
  onProgress?: (progress: TransferProgress) => void;
  /** Called when a partial `<dest>.part` is continued, with its size. */
  onResume?: (offset: bigint) => void;
  /** Called before each retry after a transient failure. */
  onRetry?: RetryListener;
  /** Overrides of the retry policy. */
  retry?: Partial<RetryPolicy>;
  /** Aborts the download; `<dest>.part` stays for the next attempt. */
  signal?: AbortSignal;
}

/** What a finished download did. */
export interface DownloadResult {
  uri: string;
  /** The local file written. */
  path: string;
  size: bigint;
  sha256: string;
  /** Bytes taken over from an earlier partial download (0 for a fresh one). */
  resumedFrom: bigint;
  /** Transient failures retried on the way. */
  retries: number;
  /** True when the local file already had the stored content (same SHA-256): nothing was fetched. */
  unchanged: boolean;
}

async function sizeOf(path: string): Promise<bigint> {
  try {
    return BigInt((await stat(path)).size);
  } catch {
    return 0n;
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/**
 * Resolves the local destination: nothing, an existing folder, or a path ending in "/" means
 * "into that folder, under the file's own name". (The folder is created with the first
 * bytes, so a refused download leaves nothing behind.)
 */
async function destinationPath(uriPath: string, dest: string | undefined): Promise<string> {
  const name = basename(uriPath);
  let target = dest ?? name;
  if (dest !== undefined) {
    if (dest.endsWith("/") || dest.endsWith(sep)) target = join(dest, name);
    else if (await isDirectory(dest)) target = join(dest, name);
  }
  return target;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Runs a local file operation, turning its failure into a local error (not a call error). */
async function locally<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw localError(what, error);
  }
}

/** Looks the file up by listing its exact path, for its size and SHA-256. */
async function lookUp(connection: Connection, files: FilesClient, project: string, path: string): Promise<FileInfo | undefined> {
  const page = await callUnary(connection, files.listFiles.bind(files), { project, prefix: path, pageSize: 1, pageToken: "" });
  const first = page.files[0];
  return first?.path === path ? first : undefined;
}

/** Streams the file from `offset`, appending to `part`; resolves with the bytes appended. */
async function fetchInto(
  connection: Connection,
  files: FilesClient,
  uri: string,
  part: string,
  offset: bigint,
  onChunk: (end: bigint, total: bigint) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const call = files.download({ uri, offset }, connection.metadata(), {});
  let localReason: InferdClientError | undefined;
  const stop = (reason: InferdClientError): void => {
    localReason ??= reason;
    call.cancel();
  };
  let stall: NodeJS.Timeout | undefined;
  const armStall = (): void => {
    clearTimeout(stall);
    stall = setTimeout(
      () => stop(new InferdClientError(status.DEADLINE_EXCEEDED, { details: `no download progress for ${connection.deadlineMs} ms` })),
      connection.deadlineMs,
    );
  };
  const onAbort = (): void => stop(new InferdClientError(status.CANCELLED, { details: "download aborted" }));
  signal?.addEventListener("abort", onAbort, { once: true });
  // Opened with the first chunk, so a refused call (NOT_FOUND, ...) leaves no file behind.
  let handle: FileHandle | undefined;
  let expected = offset;
  try {
    armStall();
    for await (const message of call as AsyncIterable<DownloadResponse>) {
      if (message.offset !== expected) {
        throw new InferdClientError(status.DATA_LOSS, { details: `chunk at offset ${message.offset}, expected ${expected}` });
      }
      handle ??= await locally(`cannot write ${part}`, async () => {
        await mkdir(dirname(part), { recursive: true });
        return open(part, "a");
      });
      const chunk = message.chunk;
      const file = handle;
      await locally(`cannot write ${part}`, () => file.write(chunk));
      expected += BigInt(message.chunk.byteLength);
      armStall();
      onChunk(expected, message.totalSize);
    }
  } catch (error) {
    call.cancel();
    throw localReason ?? toClientError(error, connection.address);
  } finally {
    clearTimeout(stall);
    signal?.removeEventListener("abort", onAbort);
    await handle?.close();
  }
}

/**
 * Downloads a stored file to `dest` through `<dest>.part`: an existing partial file is
 * continued from its size, transient failures are retried with backoff from where they
 * stopped, and the result is checked against the stored SHA-256 before it is renamed into
 * place, so `dest` only ever appears complete.
 */
export async function downloadResumable(
  connection: Connection,
  files: FilesClient,
  uri: string,
  dest: string | undefined,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const { project, path } = parseFileUri(uri);
  const target = await destinationPath(path, dest);
  const part = `${target}.part`;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  let retries = 0;
  const backoff = createBackoff(policy, (event) => {
    retries += 1;
    options.onRetry?.(event);
  });
  let info = await lookUp(connection, files, project, path);
  if (info !== undefined && (await sizeOf(target)) === info.size && (await sha256Of(target).catch(() => "")) === info.sha256) {
    return { uri, path: target, size: info.size, sha256: info.sha256, resumedFrom: 0n, retries, unchanged: true };
  }
  let resumedFrom = await sizeOf(part);
  if (info !== undefined && resumedFrom > info.size) {
    await rm(part, { force: true });
    resumedFrom = 0n;
  }
  if (resumedFrom > 0n) options.onResume?.(resumedFrom);
  let restarted = false;
  for (;;) {
    const offset = await sizeOf(part);
    let total = info?.size ?? 0n;
    try {
      options.signal?.throwIfAborted();
      if (info === undefined || offset < info.size || info.size === 0n) {
        await fetchInto(connection, files, uri, part, offset, (end, size) => {
          total = size;
          options.onProgress?.({ transferred: end, total: size });
        }, options.signal);
      }
      const size = await sizeOf(part);
      const sha256 = await sha256Of(part);
      if (info !== undefined && (size !== info.size || sha256 !== info.sha256)) {
        // The file changed on the server since the partial download began: start again once.
        if (!restarted && offset > 0n) {
          restarted = true;
          await rm(part, { force: true });
          info = await lookUp(connection, files, project, path);
          continue;
        }
        throw new InferdClientError(status.DATA_LOSS, {
          details: `downloaded ${size} bytes with sha256 ${sha256}, but ${uri} has ${info.size} bytes with sha256 ${info.sha256}`,
        });
      }
      if (info === undefined && size !== total) {
        throw new InferdClientError(status.DATA_LOSS, { details: `downloaded ${size} of ${total} bytes` });
      }
      await locally(`cannot move ${part} to ${target}`, () => rename(part, target));
      return { uri, path: target, size, sha256, resumedFrom, retries, unchanged: false };
    } catch (raw) {
      const error = toClientError(raw, connection.address);
      if (options.signal?.aborted || error.local || !isTransient(error)) throw error;
      if ((await sizeOf(part)) > offset) backoff.progressed();
      await backoff.wait(error);
    }
  }
}
