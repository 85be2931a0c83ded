#!/usr/bin/env node
import { parseArgs } from "node:util";
import { createInferdServer } from "../server";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env["INFERD_HOST"] ?? "127.0.0.1" },
    port: { type: "string", default: process.env["INFERD_PORT"] ?? "50051" },
  },
});

async function main(): Promise<void> {
  const server = await createInferdServer({ host: values.host, port: Number(values.port) });
  console.log(`inferd listening on ${server.address}`);
  const stop = (): void => {
    void server.shutdown().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`inferd: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
