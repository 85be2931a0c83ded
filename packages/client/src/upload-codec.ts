import { FilesService, type UploadRequest } from "@inferd/grpc-types/v1";

/** Protobuf key of UploadRequest.chunk: field 2, wire type 2 (length-delimited). */
const CHUNK_KEY = 0x12;

/**
 * Serialises an UploadRequest. A chunk is framed by hand, key + varint length + the bytes, in
 * one copy: the generated codec copies a chunk's bytes three times (into its writer, out of
 * it, into a Buffer), a cost a client pays for every byte of a large upload. Headers go
 * through the generated codec. The bytes are the same the generated codec writes.
 */
export function encodeUploadRequest(request: UploadRequest): Buffer {
  if (request.content?.$case !== "chunk") return FilesService.upload.requestSerialize(request);
  const chunk = request.content.value;
  let prefix = 2;
  for (let rest = chunk.length; rest >= 0x80; rest = Math.floor(rest / 0x80)) prefix++;
  const message = Buffer.allocUnsafe(prefix + chunk.length);
  message[0] = CHUNK_KEY;
  let at = 1;
  let rest = chunk.length;
  for (; rest >= 0x80; rest = Math.floor(rest / 0x80)) message[at++] = (rest % 0x80) | 0x80;
  message[at] = rest;
  message.set(chunk, prefix);
  return message;
}
