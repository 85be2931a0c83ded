/**
 * gRPC-Web framing (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md): data frames
 * are gRPC's own length-prefixed frames; trailers travel as one last frame whose flag byte has
 * the 0x80 bit set and whose payload is HTTP/1-style header lines. The `-text` variants carry
 * the same bytes base64-encoded.
 */

/** Flag byte of the frame that carries the trailers. */
export const TRAILER_FLAG = 0x80;

/** One length-prefixed frame: flag byte, 4-byte big-endian length, payload. */
export function encodeFrame(flag: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt8(flag, 0);
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, 5);
  return frame;
}

/** The trailer frame for `trailers` (lower-case names, as gRPC-Web requires). */
export function encodeTrailerFrame(trailers: Readonly<Record<string, string>>): Buffer {
  const text = Object.entries(trailers)
    .map(([name, value]) => `${name.toLowerCase()}: ${value}\r\n`)
    .join("");
  return encodeFrame(TRAILER_FLAG, Buffer.from(text, "latin1"));
}

/**
 * Decodes a grpc-web-text request body. Clients may send several base64 chunks one after the
 * other, each with its own `=` padding, so each padded segment is decoded on its own.
 */
export function decodeTextBody(text: string): Buffer {
  const clean = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/=]*$/.test(clean)) throw new Error("not base64");
  const segments = clean.split(/(?<==)(?=[^=])/);
  return Buffer.concat(segments.map((segment) => Buffer.from(segment, "base64")));
}

/**
 * Base64-encodes a byte stream chunk by chunk without padding in the middle: each call encodes
 * the longest multiple of 3 bytes it has, `end()` encodes the rest with padding.
 */
export function createBase64Encoder(): { push(chunk: Buffer): string; end(): string } {
  let pending = Buffer.alloc(0);
  return {
    push(chunk) {
      const all = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      const whole = all.length - (all.length % 3);
      pending = Buffer.from(all.subarray(whole));
      return all.subarray(0, whole).toString("base64");
    },
    end() {
      const rest = pending.toString("base64");
      pending = Buffer.alloc(0);
      return rest;
    },
  };
}
