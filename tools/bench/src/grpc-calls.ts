import { once } from "node:events";
import { createReadStream } from "node:fs";
import type { ClientWritableStream, Metadata, ServiceError } from "@grpc/grpc-js";
import { FilesService, type FilesClient, type UploadRequest, type UploadResponse } from "@inferd/grpc-types/v1";

/** The chunk size inferd's own client uploads with. */
export const UPLOAD_CHUNK_BYTES = 256 * 1024;

/** The varint encoding of n (n < 2^53). */
function varint(n: number): number[] {
  const bytes: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) bytes.push((n % 0x80) | 0x80);
  bytes.push(n);
  return bytes;
}

/**
 * Serialises an UploadRequest with one copy of a chunk's bytes: the generated codec copies a
 * chunk three times (into its writer, out of it, into a Buffer), which made the benchmark's
 * own client, not the server, the bottleneck of the upload scenario on two cores. Headers
 * still go through the generated codec.
 */
export function serializeUploadRequest(request: UploadRequest): Buffer {
  if (request.content?.$case !== "chunk") return FilesService.upload.requestSerialize(request);
  const chunk = request.content.value;
  // Field 2 (chunk), wire type 2 (length-delimited): tag 0x12, then the length, then the bytes.
  return Buffer.concat([Buffer.from([0x12, ...varint(chunk.length)]), chunk]);
}

/**
 * Uploads a local file through Files.Upload: a header, then the file's bytes in chunks,
 * honouring flow control (waits for "drain"), the way a well-behaved client streams.
 */
export async function uploadFile(
  client: FilesClient,
  metadata: Metadata,
  file: string,
  project: string,
  path: string,
  totalSize: number,
): Promise<UploadResponse> {
  let stream: ClientWritableStream<UploadRequest> | undefined;
  const response = new Promise<UploadResponse>((resolve, reject) => {
    stream = client.makeClientStreamRequest(
      FilesService.upload.path,
      serializeUploadRequest,
      FilesService.upload.responseDeserialize,
      metadata,
      {},
      (error: ServiceError | null, reply?: UploadResponse) => (error || !reply ? reject(error ?? new Error("no response")) : resolve(reply)),
    );
  });
  const call = stream!;
  call.write({ content: { $case: "header", value: { project, path, offset: 0n, totalSize: BigInt(totalSize), sha256: "", restart: false } } });
  for await (const chunk of createReadStream(file, { highWaterMark: UPLOAD_CHUNK_BYTES })) {
    if (!call.write({ content: { $case: "chunk", value: chunk as Buffer } })) await once(call, "drain");
  }
  call.end();
  return response;
}

/** Promisifies a grpc-js unary call made as `client.method(request, metadata, callback)`. */
export function unary<Request, Response>(
  method: (request: Request, metadata: Metadata, callback: (error: Error | null, response: Response) => void) => unknown,
  request: Request,
  metadata: Metadata,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    method(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Uploads bytes held in memory as one file (small files: one chunk after the header). */
export function uploadBuffer(client: FilesClient, metadata: Metadata, bytes: Buffer, project: string, path: string): Promise<UploadResponse> {
  return new Promise((resolve, reject) => {
    const call = client.upload(metadata, (error, reply) => (error ? reject(error) : resolve(reply)));
    call.write({ content: { $case: "header", value: { project, path, offset: 0n, totalSize: BigInt(bytes.length), sha256: "", restart: false } } });
    for (let start = 0; start < bytes.length; start += UPLOAD_CHUNK_BYTES) {
      call.write({ content: { $case: "chunk", value: bytes.subarray(start, start + UPLOAD_CHUNK_BYTES) } });
    }
    call.end();
  });
}
