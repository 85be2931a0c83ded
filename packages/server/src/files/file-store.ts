import type { Readable } from "node:stream";

/** A published (complete) file of a project. */
export interface StoredFile {
  readonly project: string;
  /** Path relative to the project, "/"-separated. */
  readonly path: string;
  /** "inferd://<project>/<path>" */
  readonly uri: string;
  readonly size: bigint;
  /** Lowercase hex SHA-256 of the content. */
  readonly sha256: string;
  readonly modifiedTime: Date;
}

/** Where an upload of a project path stands: the resume point. */
export interface UploadStatus {
  readonly uri: string;
  /** Bytes stored for the unfinished upload (0 when none): the next Upload's offset. */
  readonly storedBytes: bigint;
  /** Total size the unfinished upload declared, if any. */
  readonly totalSize?: bigint;
  readonly inProgress: boolean;
  /** The currently published file of that path, if any. */
  readonly published?: StoredFile;
}

/** The first message of an Upload, validated by the service before it reaches the store. */
export interface UploadRequestHeader {
  readonly project: string;
  readonly path: string;
  readonly offset: bigint;
  readonly totalSize?: bigint;
  /** Expected lowercase hex SHA-256 of the whole file, if the client gave one. */
  readonly sha256?: string;
  /** Discard any unfinished upload of the path first and write from 0 (offset is then 0). */
  readonly restart?: boolean;
}

/** What an upload call achieved. */
export interface UploadOutcome {
  readonly uri: string;
  readonly storedBytes: bigint;
  readonly complete: boolean;
  /** Set when complete. */
  readonly sha256?: string;
}

/** One Upload call's writer: appends chunks to the staged partial file. */
export interface UploadSession {
  /**
   * Appends chunks, in order, in one write where possible; resolves once they are in the
   * partial file (and the file is published, if they complete it). Chunks past the declared
   * total size are refused (INVALID_ARGUMENT) after the ones that fit are stored.
   */
  write(chunks: readonly Uint8Array[]): Promise<UploadOutcome>;
  /** The client half-closed: publish if complete (or if no total size was declared). */
  finish(): Promise<UploadOutcome>;
  /** The call broke (cancel, disconnect, error): keep every byte written so far. */
  abort(): Promise<void>;
}

/** Options of {@link FileStore.beginUpload}. */
export interface BeginUploadOptions {
  /**
   * Called when a newer Upload of the same path took this session over (a client that
   * reconnected before the server noticed the old connection died). The session is then
   * closed, its bytes kept; the caller should end its call with the given error (ABORTED).
   */
  readonly onSuperseded?: (error: Error) => void;
}

/** A page of ListFiles. */
export interface FilePage {
  readonly files: readonly StoredFile[];
  readonly nextPageToken: string;
}

/**
 * Per-project file storage behind the Files service and the inference jobs. The local-disk
 * implementation lives beside this file; a shared store can replace it.
 *
 * Every method takes an already validated project id and relative path, and throws an
 * InferdError (see ../errors) for domain failures (not found, offset mismatch, quota, ...).
 */
export interface FileStore {
  uploadStatus(project: string, path: string): Promise<UploadStatus>;
  /**
   * Starts (offset 0) or resumes an upload, or with `header.restart` discards the unfinished
   * upload of the path and starts afresh. Throws FAILED_PRECONDITION when `header.offset`
   * differs from the stored bytes (the message names the resume point) or when a resume
   * declares another total size or sha256 than the unfinished upload did (restart instead),
   * RESOURCE_EXHAUSTED when the declared size does not fit the project's quota. A live
   * session of the same path is superseded (see {@link BeginUploadOptions.onSuperseded}).
   */
  beginUpload(header: UploadRequestHeader, options?: BeginUploadOptions): Promise<UploadSession>;
  stat(project: string, path: string): Promise<StoredFile | undefined>;
  /** Streams a published file from an offset. */
  openRead(project: string, path: string, offset: bigint): Promise<{ file: StoredFile; stream: Readable }>;
  /** Reads a whole published file (for images and other small files). */
  readFile(project: string, path: string): Promise<Buffer>;
  /** Writes and publishes a whole file atomically (job results). */
  writeFile(project: string, path: string, data: Uint8Array): Promise<StoredFile>;
  list(project: string, prefix: string, pageSize: number, pageToken: string): Promise<FilePage>;
  /** Removes the published file and any partial upload of the path. */
  delete(project: string, path: string): Promise<{ deleted: boolean; discardedPartial: boolean }>;
  /** Closes every open upload session, keeping the bytes stored so far (server shutdown). */
  close(): Promise<void>;
}
