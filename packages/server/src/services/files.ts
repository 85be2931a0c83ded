import type { Metadata, sendUnaryData, ServerReadableStream, ServerWritableStream } from "@grpc/grpc-js";
import {
  type DownloadRequest,
  type DownloadResponse,
  type FileInfo,
  type FilesServer,
  type UploadRequest,
  type UploadResponse,
} from "@inferd/grpc-types/v1";
import { InferdError, invalidArgument, toServiceError } from "../errors";
import type { StoredFile, UploadOutcome, UploadSession } from "../files/file-store";
import { DEFAULT_UPLOAD_IDLE_TIMEOUT_MS } from "../files/options";
import { parseFileUri } from "../files/uri";
import { assertProject, assertProjectPath, validatePath, validatePrefix } from "../files/validate";
import type { Logger } from "../logger";
import { implementService } from "../implement-service";
import type { ServiceContext, ServiceModule } from "../service-module";
import { FilesServiceDefinition } from "./files-upload-codec";

/** What the Files service uses of the server context: everything but the engine (it serves no models). */
export type FilesContext = Omit<ServiceContext, "engine">;

/** Default and largest ListFiles page. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Converts a stored file to its wire form (no server path in it, only the opaque URI). */
export function toFileInfo(file: StoredFile): FileInfo {
  return { uri: file.uri, path: file.path, size: file.size, sha256: file.sha256, modifiedTime: file.modifiedTime };
}

function reportError(logger: Logger, method: string, error: unknown): ReturnType<typeof toServiceError> {
  const mapped = toServiceError(error);
  if (mapped.cause !== undefined) logger.error({ err: mapped.cause, method }, "internal error");
  return mapped;
}

function decodePageToken(token: string): string | undefined {
  if (token === "") return undefined;
  const path = Buffer.from(token, "base64url").toString("utf8");
  if (Buffer.from(path, "utf8").toString("base64url") !== token || validatePath(path) !== undefined) {
    throw invalidArgument("page_token is not one this server issued; pass next_page_token unchanged, or empty for the first page");
  }
  return token;
}

/**
 * Most chunk bytes an Upload call holds between receiving and writing them. Above it the call
 * is paused (grpc-js then stops reading, the HTTP/2 window closes and the client waits);
 * below half of it, it reads again. Keeps memory flat whatever the file size, while letting
 * the disk write one batch as the next arrives.
 */
export const UPLOAD_BUFFER_BYTES = 8 * 1024 * 1024;

function upload(context: FilesContext, call: ServerReadableStream<UploadRequest, UploadResponse>, callback: sendUnaryData<UploadResponse>): void {
  const { fileStore, auth, metrics, logger } = context;
  const idleMs = context.files?.uploadIdleTimeoutMs ?? DEFAULT_UPLOAD_IDLE_TIMEOUT_MS;
  let session: UploadSession | undefined;
  let last: UploadOutcome | undefined;
  let done = false;
  let ended = false;
  let queue: Promise<void> = Promise.resolve();
  let headerSeen = false;
  let paused = false;
  let idleTimer: NodeJS.Timeout | undefined;
  // Chunks received and not yet handed to the store, written together by one flush step.
  let batch: Buffer[] = [];
  let buffered = 0;

  /**
   * Closes the session (bytes kept), now or once the header step that is opening it has ended.
   * With `keepBatch` (the client went away, or went quiet) the chunks received and not yet
   * written are stored first; after a failed write they are not, as they would follow a gap.
   */
  const closeSession = (keepBatch: boolean): void => {
    const close = (opened: UploadSession): void => {
      if (keepBatch && batch.length > 0) void opened.write(batch).catch(() => undefined);
      batch = [];
      void opened.abort(); // queued after that write; marks the session closing for GetUploadStatus
    };
    if (session) close(session);
    else void queue.then(() => session && close(session));
  };
  const stopIdle = (): void => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  const fail = (error: unknown, keepBatch = false): void => {
    if (done) return;
    done = true;
    stopIdle();
    closeSession(keepBatch);
    callback(reportError(logger, "Upload", error));
  };
  /**
   * (Re)starts the idle timer: a client that sends nothing for `idleMs` (a dead peer, or one
   * holding a file descriptor open on purpose) loses the call, not its bytes. It does not run
   * while the server itself paused reading, or after the client half-closed.
   */
  const armIdle = (): void => {
    stopIdle();
    if (done || ended || paused || idleMs <= 0) return;
    idleTimer = setTimeout(() => {
      const stored = last?.storedBytes;
      fail(
        new InferdError(
          "deadline-exceeded",
          `the Upload sent no message for ${idleMs} ms and was closed` +
            (stored !== undefined ? ` with ${stored} bytes stored` : "") +
            `; the bytes stored are kept: query GetUploadStatus and resume`,
        ),
        true,
      );
    }, idleMs);
  };
  const step = (work: () => Promise<void>): void => {
    queue = queue.then(async () => {
      if (done) return;
      try {
        await work();
      } catch (error) {
        fail(error);
      }
    });
  };
  /** Pauses the call while too many bytes wait to be written; resumes below half of that. */
  const flow = (): void => {
    if (done) return;
    const hold = buffered >= UPLOAD_BUFFER_BYTES || (paused && buffered > UPLOAD_BUFFER_BYTES / 2);
    if (hold !== paused) {
      paused = hold;
      if (hold) call.pause();
      else call.resume();
      armIdle();
    }
  };
  const flush = async (): Promise<void> => {
    const chunks = batch;
    batch = [];
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    try {
      if (!session) return; // unreachable: a failed header ends the call before any flush
      if (last?.complete) {
        throw invalidArgument(`the file is already complete at ${last.storedBytes} bytes; extra data is not accepted`);
      }
      last = await session.write(chunks);
      metrics.addUploadedBytes(bytes);
    } finally {
      buffered -= bytes;
      flow();
    }
  };

  armIdle();
  call.on("data", (request: UploadRequest) => {
    if (done) return;
    armIdle();
    const content = request.content;
    if (!headerSeen) {
      headerSeen = true;
      // Chunks that arrive while the upload opens wait in the batch (same bound), so a call
      // broken meanwhile still stores them.
      step(async () => {
        if (content?.$case !== "header") throw invalidArgument("the first Upload message must carry a header (project, path, offset)");
        const { project, path, offset, totalSize, restart } = content.value;
        assertProjectPath(project, path);
        const sha256 = content.value.sha256.toLowerCase();
        if (sha256 !== "" && !SHA256_HEX.test(sha256)) throw invalidArgument("sha256 must be 64 hexadecimal characters, or empty");
        if (restart && offset !== 0n) {
          throw invalidArgument(`restart discards the unfinished upload, so offset must be 0, not ${offset}`);
        }
        auth.authorizeProject(call.metadata, project);
        session = await fileStore.beginUpload(
          { project, path, offset, restart, ...(totalSize !== undefined ? { totalSize } : {}), ...(sha256 ? { sha256 } : {}) },
          { onSuperseded: (error) => fail(error) },
        );
      });
      return;
    }
    if (content?.$case !== "chunk") {
      step(() => Promise.reject(invalidArgument("only the first Upload message may carry a header; send data chunks after it")));
      return;
    }
    if (content.value.length === 0) return;
    batch.push(content.value);
    buffered += content.value.length;
    if (batch.length === 1) step(flush);
    flow();
  });
  call.on("end", () => {
    ended = true;
    stopIdle();
    step(async () => {
      if (!session) throw invalidArgument("the Upload stream ended before its header; send a header first");
      const outcome = last?.complete ? last : await session.finish();
      done = true;
      callback(null, { uri: outcome.uri, storedBytes: outcome.storedBytes, complete: outcome.complete, sha256: outcome.sha256 ?? "" });
    });
  });
  const broken = (): void => {
    if (done) return;
    done = true; // the client is gone: keep every byte received, answer nothing
    stopIdle();
    // Still opening: the header step ends first, then what arrived meanwhile is stored.
    closeSession(true);
  };
  call.on("cancelled", broken);
  call.on("error", broken);
}

function download(context: FilesContext, call: ServerWritableStream<DownloadRequest, DownloadResponse>): void {
  const { fileStore, auth, metrics, logger, maxMessageBytes } = context;
  const chunkBytes = Math.max(1024, Math.min(256 * 1024, maxMessageBytes - 1024));
  (async () => {
    const { project, path } = parseFileUri(call.request.uri);
    auth.authorizeProject(call.metadata, project);
    const { file, stream } = await fileStore.openRead(project, path, call.request.offset);
    let offset = call.request.offset;
    let sent = 0;
    const buffered: Buffer[] = [];
    let pending = 0;
    const flush = (force: boolean): boolean => {
      if (pending === 0 || (!force && pending < chunkBytes)) return true;
      const chunk = Buffer.concat(buffered, pending);
      buffered.length = 0;
      const message = { chunk, offset, totalSize: file.size };
      offset += BigInt(chunk.length);
      pending = 0;
      sent++;
      metrics.addDownloadedBytes(chunk.length);
      return call.write(message);
    };
    call.on("cancelled", () => stream.destroy());
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (data: Buffer | string) => {
        const bytes = typeof data === "string" ? Buffer.from(data) : data;
        buffered.push(bytes);
        pending += bytes.length;
        if (!flush(false)) {
          stream.pause();
          call.once("drain", () => stream.resume());
        }
      });
      stream.on("error", reject);
      stream.on("close", () => resolve());
      stream.on("end", () => resolve());
    });
    if (call.cancelled) return;
    flush(true);
    if (sent === 0) call.write({ chunk: Buffer.alloc(0), offset, totalSize: file.size });
    call.end();
  })().catch((error: unknown) => {
    if (!call.cancelled) call.emit("error", reportError(logger, "Download", error));
  });
}

/** The Files service over the context's file store; every request names a project it authorizes. */
export function createFilesService(context: FilesContext): FilesServer {
  const { fileStore, auth, logger } = context;
  const unary =
    <Req, Res>(method: string, handler: (request: Req, call: { metadata: Metadata }) => Promise<Res>) =>
    (call: { request: Req; metadata: Metadata }, callback: sendUnaryData<Res>): void => {
      handler(call.request, call).then(
        (response) => callback(null, response),
        (error: unknown) => callback(reportError(logger, method, error)),
      );
    };
  return {
    upload: (call, callback) => upload(context, call, callback),
    download: (call) => download(context, call),

    getUploadStatus: unary("GetUploadStatus", async ({ project, path }, call) => {
      assertProjectPath(project, path);
      auth.authorizeProject(call.metadata, project);
      const status = await fileStore.uploadStatus(project, path);
      return {
        uri: status.uri,
        storedBytes: status.storedBytes,
        totalSize: status.totalSize,
        inProgress: status.inProgress,
        published: status.published ? toFileInfo(status.published) : undefined,
      };
    }),

    listFiles: unary("ListFiles", async ({ project, prefix, pageSize, pageToken }, call) => {
      assertProject(project);
      const problem = validatePrefix(prefix);
      if (problem) throw invalidArgument(problem);
      if (pageSize > MAX_PAGE_SIZE) throw invalidArgument(`page_size ${pageSize} is over the limit of ${MAX_PAGE_SIZE}`);
      decodePageToken(pageToken);
      auth.authorizeProject(call.metadata, project);
      const page = await fileStore.list(project, prefix, pageSize === 0 ? DEFAULT_PAGE_SIZE : pageSize, pageToken);
      return { files: page.files.map(toFileInfo), nextPageToken: page.nextPageToken };
    }),

    deleteFile: unary("DeleteFile", async ({ uri }, call) => {
      const { project, path } = parseFileUri(uri);
      auth.authorizeProject(call.metadata, project);
      return fileStore.delete(project, path);
    }),
  };
}

/** The Files module: the service and its shutdown (open uploads are closed, bytes kept). */
export function createFilesModule(context: ServiceContext): ServiceModule {
  return {
    name: "inferd.v1.Files",
    ...implementService(FilesServiceDefinition, createFilesService(context)),
    stop: () => context.fileStore.close(),
  };
}
