/**
 * The HAProxy configuration the server README documents for replicas behind one address,
 * built here so the proxy test runs exactly what the README shows (the test compares them).
 *
 * HAProxy 2.6 (Debian 12) proxies gRPC over cleartext HTTP/2 (`proto h2` on both sides), but
 * its HTTP/2 health checks reset the connection before sending a request (tried: every
 * `http-check` variant with `check-proto h2` / `http-check connect proto h2` fails with
 * "Socket error"), and an `http-check send body` cannot hold the NUL bytes of a gRPC frame.
 * A `tcp-check` can: it sends one fixed HTTP/2 exchange, a grpc.health.v1 `Check` of the
 * whole server, and expects the bytes of the answer SERVING. A replica that is starting,
 * draining (shutdown grace) or unreachable fails the check and gets no new calls.
 */

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(stream, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK string literal (no Huffman), for strings under 127 bytes. */
const literal = (text: string): Buffer => Buffer.concat([Buffer.from([text.length]), Buffer.from(text, "latin1")]);

/**
 * The bytes of a grpc.health.v1.Health/Check call of service "" over cleartext HTTP/2: the
 * connection preface, an empty SETTINGS frame, the request HEADERS (HPACK: static-table
 * :method POST and :scheme http, literal :path, :authority, content-type and te) and one DATA
 * frame with the empty HealthCheckRequest, ending the stream.
 */
export function healthCheckRequestHex(): string {
  const headers = Buffer.concat([
    Buffer.from([0x83, 0x86]), // :method POST, :scheme http
    Buffer.from([0x04]), literal("/grpc.health.v1.Health/Check"), // :path (name index 4)
    Buffer.from([0x01]), literal("inferd"), // :authority (name index 1)
    Buffer.from([0x0f, 0x10]), literal("application/grpc"), // content-type (name index 31)
    Buffer.from([0x00]), literal("te"), literal("trailers"),
  ]);
  const emptyMessage = Buffer.alloc(5); // not compressed, length 0
  return Buffer.concat([
    Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1"),
    frame(0x4, 0x0, 0, Buffer.alloc(0)), // SETTINGS
    frame(0x1, 0x4, 1, headers), // HEADERS, END_HEADERS
    frame(0x0, 0x1, 1, emptyMessage), // DATA, END_STREAM
  ]).toString("hex");
}

/** The answer SERVING as it appears in the response's DATA frame: a 2-byte message `08 01`. */
export const SERVING_RESPONSE_HEX = "00000000020801";

/** What differs between deployments. */
export interface HaproxySettings {
  /** "host:port" the proxy listens on for gRPC clients. */
  readonly bind: string;
  /** "host:port" of each replica. */
  readonly replicas: readonly string[];
  /** Milliseconds between two health checks of a replica. */
  readonly checkIntervalMs: number;
  /** Where the pid file goes (a temp dir in tests, /run/haproxy in production). */
  readonly pidFile: string;
}

/** The documented haproxy.cfg for `settings`. */
export function haproxyConfig(settings: HaproxySettings): string {
  const servers = settings.replicas.map(
    (address, i) => `  server replica${i + 1} ${address} proto h2 check inter ${settings.checkIntervalMs} fall 1 rise 1`,
  );
  return [
    "global",
    `  pidfile ${settings.pidFile}`,
    "  log stderr format raw local0 info",
    "",
    "defaults",
    "  mode http",
    "  log global",
    "  option log-health-checks",
    "  timeout connect 5s",
    "  # gRPC streams (Run, WatchJob, transfers) stay open: no idle cut while they run.",
    "  timeout client 1h",
    "  timeout server 1h",
    "  timeout check 2s",
    "  # A replica that refuses the connection: try another one.",
    "  retries 2",
    "  option redispatch",
    "",
    "frontend inferd",
    `  bind ${settings.bind} proto h2`,
    "  default_backend replicas",
    "",
    "backend replicas",
    "  balance roundrobin",
    "  # grpc.health.v1 Check(\"\") over HTTP/2, sent as raw bytes; UP only while it answers SERVING.",
    "  option tcp-check",
    "  tcp-check connect",
    `  tcp-check send-binary ${healthCheckRequestHex()}`,
    `  tcp-check expect binary ${SERVING_RESPONSE_HEX}`,
    ...servers,
    "",
  ].join("\n");
}
