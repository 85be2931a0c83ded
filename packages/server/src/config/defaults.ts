import { join, resolve } from "node:path";

/** Default gRPC interface: loopback only. */
export const DEFAULT_HOST = "127.0.0.1";
/** Default gRPC port. */
export const DEFAULT_PORT = 50051;
/** Default largest message, sent and received: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_MB = 64;
/** Default grace period for in-flight calls on shutdown. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

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
