/**
 * gRPC-Web on the HTTP port: each browser call is replayed as a native gRPC call over one
 * loopback HTTP/2 connection to the server's own gRPC port, so it runs through the very same
 * grpc-js handlers, call interceptor (drain gate, metrics), auth check and message-size limits
 * as any other client; nothing is implemented twice. The answer's data frames pass through
 * untouched (gRPC and gRPC-Web share the framing) and the HTTP/2 trailers become the gRPC-Web
 * trailer frame. Unary, server-streaming and "whole-body" client-streaming calls work (a browser
 * sends every message of the request in one body; see the server README).
 */
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http2";
import type { IncomingMessage, ServerResponse } from "node:http";
import { status } from "@grpc/grpc-js";
import type { Logger } from "../../logger";
import { corsHeaders } from "./cors";
import { createBase64Encoder, decodeTextBody, encodeTrailerFrame } from "./frames";

/** Where the bridge dials the server's gRPC port. */
export interface GrpcWebTarget {
  /** "host:port" of the gRPC port as bound; wildcard hosts are dialled on loopback. */
  readonly address: string;
  /** TLS material when the gRPC port serves TLS (its own cert is presented for mTLS). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer } | undefined;
}

/** What {@link createGrpcWebBridge} needs. */
export interface GrpcWebBridgeOptions {
  /** Called on the first call, once the gRPC port is bound. */
  readonly target: () => GrpcWebTarget | undefined;
  /** Origins whose pages may call (CORS); empty = same-origin pages only. */
  readonly corsOrigins: readonly string[];
  /** Largest request body, in bytes (the same limit as a native message). */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

/** The browser protocol, plugged into an HTTP server's request handler. */
export interface GrpcWebBridge {
  /** Serves the request and returns true when it is a gRPC-Web call or its CORS preflight. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
  /** Closes the loopback connection (calls still running are cut). */
  close(): void;
}

const METHOD_PATH = /^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/;
/** Browser and hop-by-hop headers that are not gRPC metadata. */
const NOT_METADATA = new Set([
  "host", "connection", "content-length", "content-type", "accept", "accept-encoding", "accept-language",
  "te", "transfer-encoding", "upgrade", "keep-alive", "origin", "referer", "user-agent", "cookie",
  "x-grpc-web", "x-user-agent", "grpc-accept-encoding", "grpc-encoding", "pragma", "cache-control", "priority",
]);

function isGrpcWeb(request: IncomingMessage): boolean {
  const type = request.headers["content-type"] ?? "";
  return type.startsWith("application/grpc-web");
}

function dialHost(address: string): string {
  const hostPort = address.replace(/^0\.0\.0\.0:/, "127.0.0.1:").replace(/^\[::\]:/, "[::1]:");
  return hostPort;
}

function metadataHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_METADATA.has(name) || name.startsWith("sec-") || name.startsWith("access-control-") || name.startsWith(":")) continue;
    out[name] = value;
  }
  return out;
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        request.pause();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** Creates the gRPC-Web bridge (see the file comment). */
export function createGrpcWebBridge(options: GrpcWebBridgeOptions): GrpcWebBridge {
  let session: ClientHttp2Session | undefined;
  let closed = false;

  function dial(): ClientHttp2Session | undefined {
    if (session && !session.closed && !session.destroyed) return session;
    const target = options.target();
    if (!target || closed) return undefined;
    const authority = `${target.tls ? "https" : "http"}://${dialHost(target.address)}`;
    // The peer is this very process's own port, so its certificate is not checked.
    const fresh = connect(authority, target.tls ? { cert: target.tls.cert, key: target.tls.key, rejectUnauthorized: false } : {});
    fresh.on("error", (error) => options.logger.warn({ err: error }, "gRPC-Web bridge: loopback connection failed"));
    fresh.unref();
    session = fresh;
    return fresh;
  }

  async function call(request: IncomingMessage, response: ServerResponse, cors: Record<string, string>): Promise<void> {
    const text = (request.headers["content-type"] ?? "").startsWith("application/grpc-web-text");
    const contentType = text ? "application/grpc-web-text+proto" : "application/grpc-web+proto";
    const trailersOnly = (code: status, message: string, extra: Record<string, string> = {}): void => {
      if (response.headersSent) return;
      response.writeHead(200, { ...cors, ...extra, "content-type": contentType, "grpc-status": String(code), "grpc-message": encodeURIComponent(message), "content-length": "0" });
      response.end();
    };
    const raw = await readBody(request, options.maxBodyBytes + 5);
    if (raw === undefined) {
      // The rest of the body is not read: the connection cannot be reused.
      trailersOnly(status.RESOURCE_EXHAUSTED, `the request body exceeds ${options.maxBodyBytes} bytes (--max-message-mb); upload large files in several Files.Upload calls`, { connection: "close" });
      request.resume();
      return;
    }
    let body: Buffer;
    try {
      body = text ? decodeTextBody(raw.toString("latin1")) : raw;
    } catch {
      trailersOnly(status.INVALID_ARGUMENT, "the grpc-web-text request body is not base64");
      return;
    }
    const h2 = dial();
    if (!h2) {
      trailersOnly(status.UNAVAILABLE, "the server is not accepting calls yet (or is shutting down); retry shortly");
      return;
    }
    const stream = h2.request({
      ...metadataHeaders(request.headers),
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: request.url ?? "/",
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc+proto",
      te: "trailers",
    });
    // The browser went away (navigation, AbortController): cancel the native call too.
    response.on("close", () => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    });
    const encoder = createBase64Encoder();
    const write = (bytes: Buffer): void => {
      if (text) {
        const chunk = encoder.push(bytes);
        if (chunk.length > 0) response.write(chunk);
      } else {
        response.write(bytes);
      }
    };
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) {
        // Trailers-only answer (usually an error): the status goes in the HTTP headers.
        trailersOnly(Number(headers["grpc-status"]) as status, decodeURIComponent(String(headers["grpc-message"] ?? "")));
        return;
      }
      response.writeHead(200, { ...cors, "content-type": contentType });
    });
    stream.on("data", (chunk: Buffer) => {
      if (!response.headersSent) response.writeHead(200, { ...cors, "content-type": contentType });
      write(chunk);
    });
    stream.on("trailers", (trailers) => {
      if (response.writableEnded) return;
      if (!response.headersSent) response.writeHead(200, { ...cors, "content-type": contentType });
      const fields: Record<string, string> = {};
      for (const [name, value] of Object.entries(trailers)) {
        if (value !== undefined && !name.startsWith(":")) fields[name] = Array.isArray(value) ? value.join(", ") : String(value);
      }
      write(encodeTrailerFrame(fields));
    });
    stream.on("close", () => {
      if (response.writableEnded) return;
      if (!response.headersSent) {
        trailersOnly(status.UNAVAILABLE, "the call ended without an answer; retry");
        return;
      }
      if (text) response.write(encoder.end());
      response.end();
    });
    stream.on("error", (error) => options.logger.debug({ err: error }, "gRPC-Web bridge: call stream error"));
    stream.end(body);
  }

  return {
    handle(request, response) {
      const path = (request.url ?? "").split("?")[0] ?? "";
      if (!METHOD_PATH.test(path)) return false;
      const cors = corsHeaders(request, options.corsOrigins);
      if (request.method === "OPTIONS") {
        response.writeHead(204, cors);
        response.end();
        return true;
      }
      if (request.method !== "POST" || !isGrpcWeb(request)) return false;
      call(request, response, cors).catch((error: unknown) => {
        options.logger.error({ err: error }, "gRPC-Web bridge failed");
        if (!response.headersSent) {
          response.writeHead(200, { ...cors, "content-type": "application/grpc-web+proto", "grpc-status": String(status.INTERNAL), "grpc-message": "internal error" });
        }
        response.end();
      });
      return true;
    },
    close() {
      closed = true;
      session?.destroy();
      session = undefined;
    },
  };
}
