/** A minimal gRPC-Web client over fetch for tests: frames requests, splits the answer. */
import { decodeTextBody, encodeFrame } from "../frames";

/** The parsed answer of one gRPC-Web call. */
export interface GrpcWebReply {
  readonly httpStatus: number;
  readonly headers: Headers;
  /** Payloads of the data frames, in order. */
  readonly messages: Buffer[];
  /** grpc-status from the trailer frame, or from the headers of a trailers-only answer. */
  readonly grpcStatus: number | undefined;
  readonly trailers: Record<string, string>;
}

/** Calls `path` on `base` with the encoded request messages (several = whole-body client stream). */
export async function grpcWebCall(
  base: string,
  path: string,
  requests: readonly Uint8Array[],
  options: { text?: boolean; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<GrpcWebReply> {
  const framed = Buffer.concat(requests.map((r) => encodeFrame(0, r)));
  const response = await fetch(base + path, {
    method: "POST",
    headers: {
      "content-type": options.text ? "application/grpc-web-text" : "application/grpc-web+proto",
      "x-grpc-web": "1",
      ...(options.headers ?? {}),
    },
    body: options.text ? framed.toString("base64") : framed,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const raw = Buffer.from(await response.arrayBuffer());
  const bytes = options.text ? decodeTextBody(raw.toString("latin1")) : raw;
  const messages: Buffer[] = [];
  const trailers: Record<string, string> = {};
  for (let at = 0; at + 5 <= bytes.length; ) {
    const flag = bytes.readUInt8(at);
    const length = bytes.readUInt32BE(at + 1);
    const payload = bytes.subarray(at + 5, at + 5 + length);
    at += 5 + length;
    if ((flag & 0x80) === 0) {
      messages.push(Buffer.from(payload));
      continue;
    }
    for (const line of payload.toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) trailers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
  }
  const statusText = trailers["grpc-status"] ?? response.headers.get("grpc-status") ?? undefined;
  return { httpStatus: response.status, headers: response.headers, messages, grpcStatus: statusText === undefined ? undefined : Number(statusText), trailers };
}
