import type { Server } from "@grpc/grpc-js";
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream, Settings } from "node:http2";

/** Limits on connections and what one connection may ask of the server. */
export interface ConnectionLimits {
  /** Most open TCP connections; further ones are closed on arrival. 0 = unlimited. */
  readonly maxConnections: number;
  /** Most concurrent streams (calls) per connection, advertised as SETTINGS_MAX_CONCURRENT_STREAMS. */
  readonly maxConcurrentStreams: number;
  /** Largest request header block (metadata), advertised as SETTINGS_MAX_HEADER_LIST_SIZE. */
  readonly maxHeaderListBytes: number;
}

/** The grpc-js Server internals this module reaches into (grpc-js 1.14; see flow-control.ts). */
interface ServerInternals {
  commonServerOptions?: { settings?: Settings };
  http2Servers?: Map<Http2Server, unknown>;
}

/**
 * Headers that HTTP/2 allows once but Node's header object silently collapses to the first
 * value. A duplicate must reach the auth check as a duplicate, not as "the first one wins".
 */
const SINGLE_VALUE_HEADERS = ["authorization"] as const;

/** Restores the duplicates of {@link SINGLE_VALUE_HEADERS} from the raw header list. */
function keepDuplicates(_stream: ServerHttp2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders?: string[]): void {
  if (!rawHeaders) return;
  for (const name of SINGLE_VALUE_HEADERS) {
    const values: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] ?? "");
    }
    // grpc-js turns an array into one metadata entry per value (Metadata.fromHttp2Headers).
    if (values.length > 1) (headers as Record<string, string | string[] | undefined>)[name] = values;
  }
}

/**
 * Applies {@link ConnectionLimits} to a grpc-js server. grpc-js has options for neither the
 * header list size nor the connection count, and without SETTINGS_MAX_HEADER_LIST_SIZE the
 * server advertises "unlimited" while Node refuses large header blocks with a stream reset,
 * which C-core clients retry until their deadline. Advertising the real limit lets clients fail
 * at once (grpc-js: RESOURCE_EXHAUSTED).
 *
 * Call before bindAsync (the settings go into every connection's SETTINGS frame); then call the
 * returned function after binding (the connection cap and the header check are per listener).
 * transport/connection-limits.test.ts checks these internals.
 */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits): () => void {
  const internals = server as unknown as ServerInternals;
  if (internals.commonServerOptions) {
    internals.commonServerOptions.settings = {
      ...internals.commonServerOptions.settings,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      maxHeaderListSize: limits.maxHeaderListBytes,
    };
  }
  return () => {
    for (const http2Server of internals.http2Servers?.keys() ?? []) {
      // net.Server's own cap: connections past it are destroyed before HTTP/2 starts.
      if (limits.maxConnections > 0) http2Server.maxConnections = limits.maxConnections;
      // Before grpc-js's own "stream" listener, which builds the call's metadata from `headers`.
      http2Server.prependListener("stream", keepDuplicates);
    }
  };
}
