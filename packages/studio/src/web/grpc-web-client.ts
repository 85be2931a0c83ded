/**
 * A small gRPC-Web client over `fetch` for the ts-proto codecs of @inferd/grpc-types: unary and
 * server-streaming calls (messages are yielded as they arrive), errors as {@link RpcError} with
 * the gRPC status code. Any other gRPC-Web client would do; this one keeps the page free of a
 * second code generator.
 */

/** The part of a ts-proto message codec the client needs. */
export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** gRPC status codes the page explains to the user. */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A failed call: its gRPC status code and the server's message. */
export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where the client sends its calls. */
export interface GrpcWebClientOptions {
  /** inferd's HTTP port, e.g. "http://127.0.0.1:8000". */
  readonly baseUrl: string;
  /** Bearer token, when the server has auth on. */
  readonly token?: () => string | undefined;
}

/** Typed calls to any service of the server. */
export interface GrpcWebClient {
  unary<Req, Res>(method: string, request: Req, requestCodec: Codec<Req>, responseCodec: Codec<Res>, signal?: AbortSignal): Promise<Res>;
  serverStream<Req, Res>(method: string, request: Req, requestCodec: Codec<Req>, responseCodec: Codec<Res>, signal?: AbortSignal): AsyncGenerator<Res>;
  /**
   * A client-streaming call whose messages are all known up front, sent in one request body
   * (a browser cannot stream a request); e.g. Files.Upload with its header and chunks.
   */
  clientStream<Req, Res>(method: string, requests: readonly Req[], requestCodec: Codec<Req>, responseCodec: Codec<Res>, signal?: AbortSignal): Promise<Res>;
}

function frame(payloads: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(payloads.reduce((sum, p) => sum + 5 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const payload of payloads) {
    view.setUint32(at + 1, payload.length);
    out.set(payload, at + 5);
    at += 5 + payload.length;
  }
  return out;
}

function parseTrailers(bytes: Uint8Array): Map<string, string> {
  const trailers = new Map<string, string>();
  for (const line of new TextDecoder().decode(bytes).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return trailers;
}

function statusError(code: string | null | undefined, message: string | null | undefined): RpcError | undefined {
  if (code === null || code === undefined || code === "0") return undefined;
  let text = message ?? "";
  try {
    text = decodeURIComponent(text);
  } catch {
    // keep the raw text
  }
  return new RpcError(Number(code), text || `the call failed with gRPC status ${code}`);
}

/** Creates the client (see the file comment). */
export function createGrpcWebClient(options: GrpcWebClientOptions): GrpcWebClient {
  async function* frames(method: string, bodies: readonly Uint8Array[], signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const headers: Record<string, string> = { "content-type": "application/grpc-web+proto", "x-grpc-web": "1" };
    const token = options.token?.();
    if (token) headers["authorization"] = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}/${method}`, { method: "POST", headers, body: frame(bodies), ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) throw new RpcError(Code.CANCELLED, "cancelled");
      throw new RpcError(Code.UNAVAILABLE, `cannot reach inferd at ${options.baseUrl} (${error instanceof Error ? error.message : String(error)}); is the server running with --http-port, and does --cors-origin allow this page?`);
    }
    if (!response.ok) throw new RpcError(Code.UNKNOWN, `inferd answered HTTP ${response.status} at ${options.baseUrl}/${method}`);
    const headerError = statusError(response.headers.get("grpc-status"), response.headers.get("grpc-message"));
    if (headerError) throw headerError;
    if (!response.body) throw new RpcError(Code.INTERNAL, "the answer has no body");
    const reader = response.body.getReader();
    let buffer = new Uint8Array(0);
    let trailers: Map<string, string> | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (value) {
        const joined = new Uint8Array(buffer.length + value.length);
        joined.set(buffer);
        joined.set(value, buffer.length);
        buffer = joined;
      }
      while (buffer.length >= 5) {
        const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
        if (buffer.length < 5 + length) break;
        const flag = buffer[0] ?? 0;
        const payload = buffer.slice(5, 5 + length);
        buffer = buffer.slice(5 + length);
        if ((flag & 0x80) !== 0) trailers = parseTrailers(payload);
        else yield payload;
      }
      if (done) break;
    }
    if (!trailers) throw new RpcError(Code.UNAVAILABLE, "the answer ended without a status; the server may have stopped");
    const trailerError = statusError(trailers.get("grpc-status"), trailers.get("grpc-message"));
    if (trailerError) throw trailerError;
  }

  async function single<Res>(method: string, bodies: readonly Uint8Array[], responseCodec: Codec<Res>, signal?: AbortSignal): Promise<Res> {
    let answer: Res | undefined;
    for await (const payload of frames(method, bodies, signal)) answer = responseCodec.decode(payload);
    if (answer === undefined) throw new RpcError(Code.INTERNAL, "the answer carried no message");
    return answer;
  }

  return {
    unary: (method, request, requestCodec, responseCodec, signal) => single(method, [requestCodec.encode(request).finish()], responseCodec, signal),
    clientStream: (method, requests, requestCodec, responseCodec, signal) =>
      single(method, requests.map((r) => requestCodec.encode(r).finish()), responseCodec, signal),
    async *serverStream(method, request, requestCodec, responseCodec, signal) {
      for await (const payload of frames(method, [requestCodec.encode(request).finish()], signal)) yield responseCodec.decode(payload);
    },
  };
}
