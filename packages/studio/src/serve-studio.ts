/**
 * Serves the studio page on loopback: `/` (the HTML), `/app.js` (the bundle) and
 * `/config.json` (which inferd HTTP port the page calls over gRPC-Web).
 */
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bundlePage } from "./bundle-page";

/** What {@link createStudioServer} needs. */
export interface StudioServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** inferd's HTTP port as the browser reaches it, e.g. "http://127.0.0.1:8000"; may be set later. */
  readonly inferdUrl: () => string | undefined;
}

/** A listening studio page server. */
export interface StudioServer {
  /** "http://host:port/" to open in a browser. */
  readonly url: string;
  /** The page's origin, for inferd's --cors-origin. */
  readonly origin: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { "content-type": type, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  response.end(body);
}

/** Bundles the page and starts serving it. */
export async function createStudioServer(options: StudioServerOptions): Promise<StudioServer> {
  const page = await bundlePage();
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method !== "GET") return send(response, 405, "text/plain", "the studio only serves GET");
    if (path === "/" || path === "/index.html") return send(response, 200, "text/html; charset=utf-8", page.html);
    if (path === "/app.js") return send(response, 200, "text/javascript; charset=utf-8", page.script);
    if (path === "/config.json") {
      const inferdUrl = options.inferdUrl();
      if (!inferdUrl) return send(response, 503, "application/json", JSON.stringify({ error: "inferd is still starting" }));
      return send(response, 200, "application/json", JSON.stringify({ inferdUrl }));
    }
    return send(response, 404, "text/plain", `no ${path} here; open /`);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
