import type { IncomingMessage } from "node:http";

/** Request headers a browser gRPC-Web client sends (connect-web, grpc-web, protobuf-ts). */
const ALLOWED_HEADERS = "authorization, content-type, x-grpc-web, x-user-agent, grpc-timeout";
/** Response headers the page may read: the status of a trailers-only response is in them. */
const EXPOSED_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin";

/**
 * CORS for the configured origins only: a page from any other origin gets no
 * Access-Control-Allow-Origin header, so the browser does not let it read the answer.
 * `*` in the list allows every origin (only sensible with auth on).
 */
export function corsHeaders(request: IncomingMessage, origins: readonly string[]): Record<string, string> {
  const origin = request.headers.origin;
  if (origin === undefined || !(origins.includes(origin) || origins.includes("*"))) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "POST, OPTIONS",
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-expose-headers": EXPOSED_HEADERS,
    "access-control-max-age": "600",
    vary: "origin",
  };
}
