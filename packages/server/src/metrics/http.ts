import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "../logger";

/** The Prometheus endpoint: GET /metrics on its own HTTP port. */
export interface MetricsEndpoint {
  readonly port: number;
  /** "host:port" of the endpoint. */
  readonly address: string;
  close(): Promise<void>;
}

/** Serves `registry` as Prometheus text at `http://host:port/metrics` (port 0 picks one). */
export async function serveMetrics(registry: Registry, host: string, port: number, logger: Logger): Promise<MetricsEndpoint> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET" || path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found; metrics are at GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => {
        logger.error({ err: error }, "collecting metrics failed");
        response.writeHead(500, { "content-type": "text/plain" }).end("collecting metrics failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const address = host.includes(":") ? `[${host}]:${bound}` : `${host}:${bound}`;
  return {
    port: bound,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
