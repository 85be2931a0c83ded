import { status, type ClientWritableStream, type ServiceError } from "@grpc/grpc-js";
import { FilesService, type FilesClient, type UploadHeader, type UploadRequest, type UploadResponse } from "@inferd/grpc-types/v1";
import type { Connection } from "./connection";
import { InferdClientError, toClientError } from "./errors";
import { encodeUploadRequest } from "./upload-codec";

/** One Upload call: a header, then chunks from a given offset. */
export interface UploadAttempt {
  header: UploadHeader;
  chunks: AsyncIterable<Uint8Array>;
  /** Called after each chunk with the bytes of this call handed to the transport so far. */
  onSent: (sent: bigint, chunk: bigint) => void;
  signal?: AbortSignal;
}

/**
 * Runs one Upload call and resolves with the server's answer. A chunk that the transport
 * does not accept within the connection's deadline cancels the call and rejects with
 * DEADLINE_EXCEEDED (retryable); an abort signal cancels it with CANCELLED.
 */
export function sendUploadAttempt(connection: Connection, files: FilesClient, attempt: UploadAttempt): Promise<UploadResponse> {
  let call!: ClientWritableStream<UploadRequest>;
  let localReason: InferdClientError | undefined;
  const answered = new Promise<UploadResponse>((resolve, reject) => {
    // The generated `files.upload`, with a serialiser that copies each chunk once, not thrice.
    call = files.makeClientStreamRequest(
      FilesService.upload.path,
      encodeUploadRequest,
      FilesService.upload.responseDeserialize,
      connection.metadata(),
      {},
      (error: ServiceError | null, response?: UploadResponse) => {
        if (error) reject(localReason ?? toClientError(error, connection.address));
        else if (response) resolve(response);
        else reject(new InferdClientError(status.INTERNAL, { details: "Upload ended without a response" }));
      },
    );
  });
  // Reject early (with the call's own error) so the write loop stops at once.
  let settled = false;
  answered.then(
    () => (settled = true),
    () => (settled = true),
  );
  const stop = (reason: InferdClientError): void => {
    localReason ??= reason;
    call.cancel();
  };
  const onAbort = (): void => stop(new InferdClientError(status.CANCELLED, { details: "upload aborted" }));
  attempt.signal?.addEventListener("abort", onAbort, { once: true });

  let stall: NodeJS.Timeout | undefined;
  const armStall = (): void => {
    clearTimeout(stall);
    if (settled) return;
    stall = setTimeout(
      () => stop(new InferdClientError(status.DEADLINE_EXCEEDED, { details: `no upload progress for ${connection.deadlineMs} ms` })),
      connection.deadlineMs,
    );
  };

  const writeAll = async (): Promise<void> => {
    armStall();
    call.write({ content: { $case: "header", value: attempt.header } });
    let sent = 0n;
    for await (const chunk of attempt.chunks) {
      if (settled) return;
      const accepted = call.write({ content: { $case: "chunk", value: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) } });
      if (!accepted) {
        await Promise.race([new Promise((resolve) => call.once("drain", resolve)), answered.catch(() => undefined)]);
      }
      sent += BigInt(chunk.byteLength);
      armStall();
      attempt.onSent(sent, BigInt(chunk.byteLength));
    }
    if (!settled) call.end();
  };

  const written = writeAll().catch((error: unknown) => {
    // A local read failure: end the call and report it.
    stop(toClientError(error));
  });
  // Wait for the writer too, so the source is closed before a retry reopens it.
  return Promise.allSettled([answered, written]).then(([outcome]) => {
    clearTimeout(stall);
    attempt.signal?.removeEventListener("abort", onAbort);
    if (outcome.status === "rejected") throw outcome.reason;
    return outcome.value;
  });
}
