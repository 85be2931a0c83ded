/**
 * `pnpm studio`: the page server plus, when no inferd address is given, an embedded inferd on
 * the bundled model (loopback, HTTP port on, CORS for the page's origin only).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInferdServer, type InferdServer, type Logger } from "@inferd/server";
import { createStudioServer, type StudioServer } from "./serve-studio";

/** Options of {@link startStudio}. */
export interface StudioOptions {
  /** inferd's HTTP port URL (its --http-port, with this page's origin in --cors-origin); embedded inferd when unset. */
  readonly inferdUrl?: string;
  /** Port of the page; 0 picks one. */
  readonly port?: number;
  /** Models of the embedded server; default the bundled ones. */
  readonly modelsDir?: string;
  readonly logger?: Logger;
}

/** A running studio. */
export interface Studio {
  readonly url: string;
  readonly inferdUrl: string;
  /** The embedded server, when one was started. */
  readonly embedded: InferdServer | undefined;
  close(): Promise<void>;
}

/** Starts the page server and, without `inferdUrl`, an embedded inferd. */
export async function startStudio(options: StudioOptions = {}): Promise<Studio> {
  let inferdUrl = options.inferdUrl?.replace(/\/+$/, "");
  const page: StudioServer = await createStudioServer({ port: options.port ?? 0, inferdUrl: () => inferdUrl });
  if (inferdUrl !== undefined) {
    return { url: page.url, inferdUrl, embedded: undefined, close: () => page.close() };
  }
  const dataDir = await mkdtemp(join(tmpdir(), "inferd-studio-"));
  let embedded: InferdServer;
  try {
    embedded = await createInferdServer({
      host: "127.0.0.1",
      port: 0,
      httpPort: 0,
      corsOrigins: [page.origin],
      dataDir,
      ...(options.modelsDir ? { modelsDir: options.modelsDir } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    await embedded.ready;
  } catch (error) {
    await page.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  inferdUrl = `http://${embedded.httpAddress ?? ""}`;
  return {
    url: page.url,
    inferdUrl,
    embedded,
    async close() {
      await page.close();
      await embedded.shutdown(1000);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
