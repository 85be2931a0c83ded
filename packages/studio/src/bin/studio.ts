#!/usr/bin/env node
/**
 * `inferd-studio [--server http://host:port] [--port N]`: serves the studio page on loopback
 * and prints its URL. Without --server it starts an embedded inferd on the bundled model.
 */
import { parseArgs } from "node:util";
import { startStudio } from "../start-studio";

const HELP = `usage: pnpm studio [--server URL] [--port N]

  --server URL   inferd's HTTP port (started with --http-port and --cors-origin <this page's origin>);
                 default: start an embedded inferd on the bundled model
  --port N       port of the page (default 0: a free one)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { server: { type: "string" }, port: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port} is not a port number (0-65535)`);
  const studio = await startStudio({ port, ...(values.server ? { inferdUrl: values.server } : {}) });
  process.stdout.write(`inferd studio: ${studio.url}\n  calling inferd at ${studio.inferdUrl}${studio.embedded ? " (embedded, bundled model)" : ""}\n`);
  const stop = (): void => {
    studio.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`inferd studio: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
