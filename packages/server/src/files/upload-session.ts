import type { Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { lstat, rm } from "node:fs/promises";
import { InferdError } from "../errors";
import { prepareTarget } from "./disk-layout";
import { renameDurably } from "./durable-fs";
import { recordChecksum } from "./file-meta";
import type { UploadOutcome, UploadSession } from "./file-store";
import type { QuotaHold, QuotaTracker } from "./quota";
import { takenOverError, type SharedLocks } from "./shared-locks";
import { quote } from "../quote";

/** Everything a session needs from its store. */
export interface SessionContext {
  readonly project: string;
  readonly path: string;
  readonly uri: string;
  readonly key: string;
  readonly partFile: string;
  readonly headerFile: string;
  readonly dataDir: string;
  readonly metaDir: string;
  readonly quota: QuotaTracker;
  /** The declared bytes still to come, set aside when the upload began (none without total_size). */
  readonly hold: QuotaHold | undefined;
  /** Called once when the session closed, whatever the reason. */
  readonly onClosed: () => void;
  /** Called once the file is published at its path; the publish completes when it resolves. */
  readonly onPublished: () => Promise<void>;
  /** Cross-process locks of the path (no-ops unless replicas share the folder). */
  readonly locks: SharedLocks;
  /** This session's owner mark (see {@link SharedLocks.claim}). */
  readonly mark: string;
}

/** Writes every byte of `chunks` (`bytes` in all), continuing after short writes. */
async function writeFully(file: FileHandle, chunks: readonly Uint8Array[], bytes: number): Promise<void> {
  let pending = chunks;
  let left = bytes;
  while (left > 0) {
    const { bytesWritten } = await file.writev(pending as Uint8Array[]);
    left -= bytesWritten;
    if (left === 0) return;
    // Short write (rare: signals, full disks report errors instead): drop what was written.
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const chunk of pending) {
      if (skip >= chunk.length) skip -= chunk.length;
      else {
        rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
        skip = 0;
      }
    }
    pending = rest;
  }
}

/**
 * One Upload call's writer over an append-only `.part` file. Operations run one at a time in
 * call order; the stored byte count is the part file's length, so a killed server resumes
 * from exactly what reached the disk.
 */
export class DiskUploadSession implements UploadSession {
  /** False once the session is closing: a status query then waits for {@link closed}. */
  live = true;
  /** Resolves when the part file is closed. */
  readonly closed: Promise<void>;
  /** Bytes handed to {@link write} and not yet stored or refused. */
  queuedBytes = 0;
  private open = true;
  private chain: Promise<unknown> = Promise.resolve();
  private markClosed!: () => void;

  constructor(
    private readonly context: SessionContext,
    private readonly file: FileHandle,
    /** SHA-256 of the `stored` bytes so far, fed as bytes are appended. */
    private readonly hash: Hash,
    private stored: bigint,
    private readonly totalSize: bigint | undefined,
    private readonly sha256: string | undefined,
    private readonly onSuperseded: ((error: Error) => void) | undefined,
  ) {
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
  }

  /** Bytes stored in the part file by this session so far (its resume point). */
  get storedBytes(): bigint {
    return this.stored;
  }

  /** Quota bytes this upload still sets aside for its declared size (given back when it closes). */
  get heldBytes(): number {
    return this.context.hold?.left ?? 0;
  }

  /** What this upload declared (kept for a newer Upload of the path to be checked against). */
  get declaration(): { totalSize?: bigint; sha256?: string } {
    return { ...(this.totalSize !== undefined ? { totalSize: this.totalSize } : {}), ...(this.sha256 !== undefined ? { sha256: this.sha256 } : {}) };
  }

  write(chunks: readonly Uint8Array[]): Promise<UploadOutcome> {
    let queued = 0;
    for (const chunk of chunks) queued += chunk.length;
    this.queuedBytes += queued;
    return this.enqueue(async () => {
      this.assertOpen();
      const { path } = this.context;
      // Whole chunks up to the declared size are stored (and may complete the file); a chunk
      // that goes past it is refused.
      let fit = chunks.length;
      let bytes = 0;
      if (this.totalSize !== undefined) {
        const room = this.totalSize - this.stored;
        for (fit = 0; fit < chunks.length && BigInt(bytes + (chunks[fit] as Uint8Array).length) <= room; fit++) {
          bytes += (chunks[fit] as Uint8Array).length;
        }
      } else {
        for (const chunk of chunks) bytes += chunk.length;
      }
      const outcome = bytes === 0 ? this.outcome(false) : await this.append(fit === chunks.length ? chunks : chunks.slice(0, fit), bytes);
      const over = chunks[fit];
      if (over !== undefined) {
        throw new InferdError(
          "invalid-argument",
          outcome.complete
            ? `the file is already complete at ${outcome.storedBytes} bytes; extra data is not accepted`
            : `chunk of ${over.length} bytes at offset ${this.stored} goes past the declared total_size ${this.totalSize} of ${quote(path)}`,
        );
      }
      return outcome;
    }).finally(() => {
      this.queuedBytes -= queued;
    });
  }

  /**
   * Runs a change of the part file holding the path's cross-process lock, once it is checked
   * that no newer upload of the path (on another replica) took this one over: it then closes,
   * ABORTED, and writes nothing. Without sharing it just runs `fn`.
   */
  private guarded<T>(fn: () => Promise<T>): Promise<T> {
    const { locks, project, key, path, mark } = this.context;
    if (!locks.shared) return fn();
    return locks.withPath(project, key, `the upload of ${quote(path)}`, async () => {
      if (!(await locks.owns(project, key, mark))) {
        await this.close();
        throw takenOverError(path, this.stored);
      }
      return fn();
    });
  }

  /** Appends `bytes` bytes (the sum of `chunks`) with one vectored write where the OS allows. */
  private append(chunks: readonly Uint8Array[], bytes: number): Promise<UploadOutcome> {
    return this.guarded(() => this.appendOwned(chunks, bytes));
  }

  private async appendOwned(chunks: readonly Uint8Array[], bytes: number): Promise<UploadOutcome> {
    const { project, path } = this.context;
    const what = `uploading ${quote(path)}`;
    if (this.context.hold) await this.context.hold.consume(bytes, what);
    else await this.context.quota.reserve(project, bytes, what);
    // Hashed here, on the event loop, while nothing else of this session runs; if the write
    // fails the session closes and a resume hashes what reached the disk again.
    for (const chunk of chunks) this.hash.update(chunk);
    try {
      await writeFully(this.file, chunks, bytes);
    } catch (error) {
      this.context.quota.invalidate(project);
      await this.close();
      throw error;
    }
    this.stored += BigInt(bytes);
    if (this.totalSize !== undefined && this.stored === this.totalSize) return this.publish();
    return this.outcome(false);
  }

  finish(): Promise<UploadOutcome> {
    return this.enqueue(async () => {
      this.assertOpen();
      if (this.totalSize !== undefined && this.stored < this.totalSize) {
        await this.close();
        return this.outcome(false);
      }
      return this.guarded(() => this.publish());
    });
  }

  abort(): Promise<void> {
    this.live = false;
    return this.enqueue(() => this.close()).catch(() => undefined);
  }

  /** Closes this session because a newer Upload of the same path took over. */
  supersede(): Promise<void> {
    if (this.open && this.live) {
      this.onSuperseded?.(
        new InferdError("aborted", `a newer Upload of ${quote(this.context.path)} took over; this call stopped at ${this.stored} bytes`),
      );
    }
    return this.abort();
  }

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.chain.then(operation);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private assertOpen(): void {
    if (!this.open) {
      throw new InferdError("aborted", `the upload of ${quote(this.context.path)} is closed; query GetUploadStatus and resume`);
    }
  }

  private outcome(complete: boolean, sha256 = ""): UploadOutcome {
    return { uri: this.context.uri, storedBytes: this.stored, complete, ...(complete ? { sha256 } : {}) };
  }

  private async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.live = false;
    this.context.hold?.release();
    try {
      await this.file.close();
    } finally {
      this.context.onClosed();
      this.markClosed();
    }
  }

  private async publish(): Promise<UploadOutcome> {
    const { context } = this;
    await this.file.sync();
    // The hash covers `stored` bytes written through this handle; publish only that file.
    const onDisk = BigInt((await this.file.stat()).size);
    await this.close();
    if (onDisk !== this.stored) {
      throw new InferdError(
        "aborted",
        `the partial upload of ${quote(context.path)} holds ${onDisk} bytes, not the ${this.stored} this call wrote; nothing was published; ` +
          `query GetUploadStatus and resume`,
      );
    }
    const actual = this.hash.digest("hex");
    if (this.sha256 !== undefined && actual !== this.sha256) {
      await rm(context.partFile, { force: true });
      await rm(context.headerFile, { force: true });
      context.quota.adjust(context.project, -Number(this.stored));
      throw new InferdError(
        "data-loss",
        `${quote(context.path)}: the ${this.stored} bytes received hash to ${actual}, not the declared sha256 ${this.sha256}; ` +
          `nothing was published and the partial upload was discarded; upload again from offset 0`,
      );
    }
    const target = await prepareTarget(context.dataDir, context.path);
    const previous = await lstat(target).catch(() => undefined);
    await recordChecksum(context.metaDir, context.key, context.partFile, actual);
    await renameDurably(context.partFile, target);
    await rm(context.headerFile, { force: true });
    if (previous?.isFile()) context.quota.adjust(context.project, -previous.size);
    await context.onPublished();
    return this.outcome(true, actual);
  }
}
