import { join, resolve } from "node:path";

/** Default gRPC interface: loopback only. */
export const DEFAULT_HOST = "127.0.0.1";
/** Default interface of the metrics endpoint: loopback, whatever --host is (it has no auth). */
export const DEFAULT_METRICS_HOST = "127.0.0.1";
/** Default gRPC port. */
export const DEFAULT_PORT = 50051;
/** Default HTTP port of the binary (OIP REST, gRPC-Web, studio sessions): KServe's and Triton's 8000. */
export const DEFAULT_HTTP_PORT = 8000;
/** Default largest message, sent and received: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_MB = 64;
/** Default: ping a connection after 2 minutes without traffic, to find dead peers. */
export const DEFAULT_KEEPALIVE_TIME_MS = 120_000;
/** Default: drop a connection whose keepalive ping is unanswered for 20 s. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
/** Default: close a connection with no open call for 5 minutes (clients reconnect on demand). */
export const DEFAULT_MAX_CONNECTION_IDLE_MS = 300_000;
/** Default most concurrent calls per connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 256;
/** Default most open connections; further ones are closed on arrival. */
export const DEFAULT_MAX_CONNECTIONS = 1000;
/** Default largest request metadata (SETTINGS_MAX_HEADER_LIST_SIZE), in KiB. */
export const DEFAULT_MAX_METADATA_KB = 64;
/** Default grace period for in-flight calls on shutdown. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
/** Idle time after which a studio session (POST /studio/session) expires and its files are deleted. */
export const DEFAULT_STUDIO_SESSION_TTL_MS = 60 * 60 * 1000;
/** Most live studio sessions (--max-studio-sessions). */
export const DEFAULT_MAX_STUDIO_SESSIONS = 256;

/** The data directory when none is given: `./.inferd` under the working directory. */
export function defaultDataDir(): string {
  return resolve(".inferd");
}

/**
 * The model repository bundled with the package (`packages/server/models`); resolved from
 * this file's location, so it works from `dist/` and from an installed package alike.
 */
export function defaultModelsDir(): string {
  return join(__dirname, "..", "..", "models");
}

/** True for hosts that only accept connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
