#!/usr/bin/env node
import { setLogger } from "@grpc/grpc-js";
import pino from "pino";
import { ConfigError, helpText, parseBinaryConfig } from "../config/flags";
import { createInferdServer, ServerConfigError } from "../server";
import { SERVER_VERSION } from "../version";

/** The message that replaces grpc-js's bind failure when the port is taken (EADDRINUSE). */
class PortInUseError extends Error {
  override readonly name = "PortInUseError";
}

function portInUse(error: unknown, port: number | undefined): PortInUseError | undefined {
  if (!(error instanceof Error) || !error.message.includes("EADDRINUSE")) return undefined;
  return new PortInUseError(`port ${port ?? "?"} is already in use (another inferd?); pick another with --port`, { cause: error });
}

/** The same for the HTTP port, which starts listening once the server runs (see `ready`). */
function httpPortInUse(error: unknown, port: number | undefined): PortInUseError | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") return undefined;
  return new PortInUseError(
    `HTTP port ${port ?? "?"} is already in use (another inferd?); pick another with --http-port, or turn the HTTP API off with --http-port off`,
    { cause: error },
  );
}

/**
 * The inferd binary: parses flags and environment, logs JSON lines with pino to stderr, and
 * prints one line to stdout once bound: "inferd listening on <host:port>", and, once ready, where
 * the HTTP API (on by default at 8000; --http-port off turns it off) listens.
 * SIGINT/SIGTERM drain and exit 0; a second signal exits at once with 130.
 */
async function main(): Promise<void> {
  const config = parseBinaryConfig(process.argv.slice(2), process.env);
  if (config.help) {
    console.log(helpText());
    return;
  }
  if (config.version) {
    console.log(SERVER_VERSION);
    return;
  }
  const logger = pino({ level: config.logLevel, base: { service: "inferd", pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  // grpc-js writes its own errors (e.g. a failed bind) with console.error: keep stderr to
  // JSON lines and the one-line message below.
  const grpcLine = (...args: unknown[]): string => args.map(String).join(" ");
  setLogger({
    error: (...args: unknown[]) => logger.warn({ source: "grpc-js" }, grpcLine(...args)),
    info: (...args: unknown[]) => logger.debug({ source: "grpc-js" }, grpcLine(...args)),
    debug: (...args: unknown[]) => logger.trace({ source: "grpc-js" }, grpcLine(...args)),
  });
  const server = await createInferdServer({ ...config.server, logger }).catch((error: unknown) => {
    throw portInUse(error, config.server.port) ?? error;
  });
  console.log(`inferd listening on ${server.address}`);
  if (server.metricsAddress) console.log(`inferd metrics on http://${server.metricsAddress}/metrics`);
  server.ready.then(
    () => {
      console.log(server.httpAddress ? `inferd HTTP API (OIP REST /v2, gRPC-Web) on http://${server.httpAddress}` : "inferd HTTP API off (--http-port off)");
    },
    (error: unknown) => {
      // A model that fails to start is logged and the rest serves; a taken HTTP port is the
      // user's to fix, like a taken gRPC port.
      const inUse = httpPortInUse(error, config.server.httpPort);
      if (!inUse) return;
      console.error(`inferd: ${inUse.message}`);
      void server.shutdown(0).finally(() => process.exit(1));
    },
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, "signal received");
    server.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  const configProblem = error instanceof ConfigError || error instanceof ServerConfigError;
  console.error(`inferd: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(configProblem ? 2 : 1);
});
