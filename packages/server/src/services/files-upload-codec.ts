import { FilesService, UploadRequest } from "@inferd/grpc-types/v1";

/** Protobuf key of UploadRequest.chunk: field 2, wire type 2 (length-delimited). */
const CHUNK_KEY = 0x12;

/** The length of a chunk-only message's bytes and where they start, or undefined. */
function chunkOnly(message: Buffer): number | undefined {
  if (message[0] !== CHUNK_KEY) return undefined;
  let length = 0;
  // A length below 2^35 takes at most 5 varint bytes; grpc-js caps messages far below that.
  for (let at = 1, scale = 1; at <= 5 && at < message.length; at++, scale *= 128) {
    const byte = message[at] as number;
    length += (byte & 0x7f) * scale;
    if (byte < 0x80) return at + 1 + length === message.length ? at + 1 : undefined;
  }
  return undefined;
}

/**
 * Decodes an UploadRequest. A message that is one `chunk` field and nothing else (every
 * message after the header, as any client sends them) becomes a view of the received buffer
 * instead of the copy the generated codec makes (`Buffer.from(reader.bytes())`): grpc-js hands
 * each message over in a buffer of its own, so the view stays valid. Anything else goes
 * through the generated codec, with the same result and the same errors.
 */
export function decodeUploadRequest(message: Buffer): UploadRequest {
  const start = chunkOnly(message);
  if (start !== undefined) return { content: { $case: "chunk", value: message.subarray(start) } };
  return UploadRequest.decode(message);
}

/** The Files service definition with {@link decodeUploadRequest} for Upload's messages. */
export const FilesServiceDefinition: typeof FilesService = {
  ...FilesService,
  upload: { ...FilesService.upload, requestDeserialize: decodeUploadRequest },
};
