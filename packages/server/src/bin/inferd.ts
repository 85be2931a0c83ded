#!/usr/bin/env node
import pino from "pino";
import { ConfigError, helpText, parseBinaryConfig } from "../config/flags";
import { createInferdServer, ServerConfigError } from "../server";
import { SERVER_VERSION } from "../version";

/**
 * The inferd binary: parses flags and environment, logs JSON lines with pino to stderr, and
 * prints one line to stdout once bound: "inferd listening on <host:port>".
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
  const server = await createInferdServer({ ...config.server, logger });
  console.log(`inferd listening on ${server.address}`);
  if (server.metricsAddress) console.log(`inferd metrics on http://${server.metricsAddress}/metrics`);

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
