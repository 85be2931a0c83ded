import { status } from "@grpc/grpc-js";
import type { FilesClient, GetUploadStatusResponse, UploadResponse } from "@inferd/grpc-types/v1";
import { createBackoff, DEFAULT_RETRY_POLICY, isTransient, type RetryListener, type RetryPolicy } from "./backoff";
import type { Connection } from "./connection";
import { InferdClientError, toClientError } from "./errors";
import { sendUploadAttempt } from "./upload-attempt";
import { openUploadSource, type UploadInput, type UploadSource } from "./upload-source";
import { callUnary } from "./unary";
import { formatFileUri } from "./uri";

/** Progress of a transfer, in bytes. */
export interface TransferProgress {
  /** Bytes transferred so far, counting any resumed part. */
  transferred: bigint;
  /** The whole size. */
  total: bigint;
}

/** Options of InferdClient.upload. */
export interface UploadOptions {
  /** Project to store the file in. */
  project: string;
  /** Path in the project, e.g. "images/cat.png". */
  path: string;
  /** Called as bytes are sent (several times a second at most once per chunk). */
  onProgress?: (progress: TransferProgress) => void;
  /** Called when the upload continues an unfinished one, with the offset it continues from. */
  onResume?: (offset: bigint) => void;
  /** Called before each retry after a transient failure. */
  onRetry?: RetryListener;
  /** Chunk size in bytes (default 256 KiB). */
  chunkSize?: number;
  /** Overrides of the retry policy. */
  retry?: Partial<RetryPolicy>;
  /** Aborts the upload; the bytes the server stored so far stay resumable. */
  signal?: AbortSignal;
}

/** What a finished upload did. */
export interface UploadResult {
  uri: string;
  size: bigint;
  sha256: string;
  /** The offset the upload continued from (0 for a fresh one). */
  resumedFrom: bigint;
  /** True when the same content (same SHA-256) was already published there: nothing sent. */
  unchanged: boolean;
  /** Transient failures retried on the way. */
  retries: number;
  /** Bytes sent over all attempts: `size - resumedFrom` when nothing had to be re-sent. */
  sentBytes: bigint;
}

const DEFAULT_CHUNK_SIZE = 256 * 1024;

/** What the next Upload call does: continue from the stored bytes, or replace them. */
interface AttemptPlan {
  offset: bigint;
  /** Discard the unfinished upload of the path and write from 0. */
  restart: boolean;
}

const RESTART: AttemptPlan = { offset: 0n, restart: true };

/**
 * Where to start: the stored bytes of an unfinished upload of this content, or a restart when
 * what is stored cannot be this content's prefix: another declared size, more bytes than this
 * file, or an offset the server already refused to continue at (`refusedAt`: the unfinished
 * upload declared another sha256).
 */
function planAttempt(state: GetUploadStatusResponse, source: UploadSource, refusedAt: bigint | undefined): AttemptPlan {
  // Nothing stored yet: a new upload at offset 0 may redeclare size and sha256.
  if (!state.inProgress || state.storedBytes === 0n) return { offset: 0n, restart: false };
  if (state.totalSize !== undefined && state.totalSize !== source.size) return RESTART;
  if (state.storedBytes > source.size) return RESTART;
  if (state.storedBytes === refusedAt) return RESTART;
  return { offset: state.storedBytes, restart: false };
}

/**
 * Uploads with automatic resume: asks the server how many bytes of this path it already
 * holds, sends the rest, and after a transient failure (server restart, broken connection,
 * stalled chunk) waits with exponential backoff and starts over from the stored bytes.
 * The header declares total_size and sha256, so the server publishes only verified content.
 * A stale unfinished upload of other content is replaced (`restart`); the published file
 * stays until this upload completes.
 */
export async function uploadResumable(
  connection: Connection,
  files: FilesClient,
  input: UploadInput,
  options: UploadOptions,
): Promise<UploadResult> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const uri = formatFileUri(options.project, options.path);
  const source = await openUploadSource(input);
  let retries = 0;
  const backoff = createBackoff(policy, (event) => {
    retries += 1;
    options.onRetry?.(event);
  });
  let firstOffset: bigint | undefined;
  let restartedAfterDataLoss = false;
  let restartNext = false;
  let refusedAt: bigint | undefined;
  let lastStored = -1n;
  let sentBytes = 0n;
  try {
    for (;;) {
      let offset = 0n;
      let sending = false;
      try {
        options.signal?.throwIfAborted();
        const state = await callUnary(connection, files.getUploadStatus.bind(files), {
          project: options.project,
          path: options.path,
        });
        if (!state.inProgress && state.published?.sha256 === source.sha256 && state.published.size === source.size) {
          options.onProgress?.({ transferred: source.size, total: source.size });
          return { uri: state.uri || uri, size: source.size, sha256: source.sha256, resumedFrom: source.size, unchanged: true, retries, sentBytes };
        }
        const plan = restartNext ? RESTART : planAttempt(state, source, refusedAt);
        restartNext = false;
        refusedAt = undefined;
        offset = plan.offset;
        if (offset > lastStored && lastStored >= 0n) backoff.progressed();
        lastStored = offset;
        if (firstOffset === undefined) {
          firstOffset = offset;
          if (offset > 0n) options.onResume?.(offset);
        }
        sending = true;
        const response: UploadResponse = await sendUploadAttempt(connection, files, {
          header: { project: options.project, path: options.path, offset, totalSize: source.size, sha256: source.sha256, restart: plan.restart },
          chunks: source.read(offset, options.chunkSize ?? DEFAULT_CHUNK_SIZE),
          onSent: (sent, chunk) => {
            sentBytes += chunk;
            options.onProgress?.({ transferred: offset + sent, total: source.size });
          },
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        if (response.complete) {
          if (response.sha256 !== "" && response.sha256 !== source.sha256) {
            throw new InferdClientError(status.DATA_LOSS, {
              details: `the server published ${response.uri} with sha256 ${response.sha256}, expected ${source.sha256}`,
            });
          }
          return { uri: response.uri || uri, size: source.size, sha256: source.sha256, resumedFrom: firstOffset, unchanged: false, retries, sentBytes };
        }
        // The call ended before every byte was stored: continue from what the server holds.
        throw new InferdClientError(status.UNAVAILABLE, {
          details: `upload ended with ${response.storedBytes} of ${source.size} bytes stored`,
        });
      } catch (raw) {
        const error = toClientError(raw, connection.address);
        if (options.signal?.aborted) throw error;
        if (error.code === status.DATA_LOSS && offset > 0n && !restartedAfterDataLoss) {
          // The stored part came from other content; the server discarded it. Start afresh once.
          restartedAfterDataLoss = true;
          restartNext = true;
          continue;
        }
        // FAILED_PRECONDITION from Upload: either the stored bytes moved (e.g. the server was
        // still saving the broken call's last chunk), or the unfinished upload declared other
        // content. Ask again where to resume; if the stored bytes are still where this call
        // started, it was the declaration, and the next call restarts.
        if (sending && error.code === status.FAILED_PRECONDITION) {
          if (offset > 0n) refusedAt = offset;
          await backoff.wait(error);
          continue;
        }
        if (isTransient(error)) {
          await backoff.wait(error);
          continue;
        }
        throw error;
      }
    }
  } finally {
    await source.dispose();
  }
}
