import { Metadata, type ChannelOptions } from "@grpc/grpc-js";
import { installedGrpcJsVersion } from "./grpc-internals";

/**
 * What an HTTP/2 peer would see of a header block: the fake transport passes metadata through
 * the same `toHttp2Headers` / `fromHttp2Headers` conversions grpc-js applies on the wire, plus
 * what node's http2 does in between, so keys, binary values and repeated values come out the same.
 */
export type HeaderBlock = Record<string, string | string[]>;

/** Headers node's http2 keeps once when repeated (node docs, "Headers object"); others join. */
const SINGLE_VALUE_HEADERS = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** Header block -> headers as the receiving http2 peer reports them. */
export function receiveHeaders(block: HeaderBlock): Record<string, string | string[]> {
  const received: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(block)) {
    const values = (Array.isArray(value) ? value : [value]).map(String);
    if (key === "set-cookie") received[key] = values;
    else if (SINGLE_VALUE_HEADERS.has(key)) received[key] = values[0] ?? "";
    else received[key] = values.join(", ");
  }
  return received;
}

/** Header block -> grpc-js Metadata, as grpc-js builds it from received headers. */
export function metadataFromBlock(block: HeaderBlock): Metadata {
  return Metadata.fromHttp2Headers(receiveHeaders(block));
}

/** Metadata -> header block (as grpc-js sends it). */
export function blockFromMetadata(metadata: Metadata | null | undefined): HeaderBlock {
  const block: HeaderBlock = {};
  if (!metadata) return block;
  for (const [key, value] of Object.entries(metadata.toHttp2Headers())) {
    if (value !== undefined) block[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return block;
}

/** Headers grpc-js's server starts every response with, trailers-only ones included. */
export const RESPONSE_HEADERS: HeaderBlock = {
  ":status": "200",
  "content-type": "application/grpc+proto",
};

/** Headers grpc-js's server adds when it sends response headers ahead of messages. */
export const COMPRESSION_HEADERS: HeaderBlock = {
  "grpc-accept-encoding": "identity,deflate,gzip",
  "grpc-encoding": "identity",
};

/** node's http2 server adds a Date header to every response header block. */
export function withDate(block: HeaderBlock): HeaderBlock {
  return { ...block, date: new Date().toUTCString() };
}

/** grpc-js's user agent, as its transport sets it. */
export function userAgent(options: ChannelOptions): string {
  return [options["grpc.primary_user_agent"], `grpc-node-js/${GRPC_JS_VERSION}`, options["grpc.secondary_user_agent"]]
    .filter((part) => part)
    .join(" ");
}

const GRPC_JS_VERSION = installedGrpcJsVersion();

/** grpc-js's defaults for message size limits (constants.ts). */
export const DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;
/** -1: unlimited. */
export const DEFAULT_MAX_SEND_BYTES = -1;

/** An HTTP/2 stream's default flow-control window: how much a sender may run ahead of reads. */
export const FLOW_CONTROL_WINDOW_BYTES = 65_535;
