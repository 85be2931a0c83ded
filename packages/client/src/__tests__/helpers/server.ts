import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInferdServer, type InferdServer, type InferdServerOptions } from "@inferd/server";

/** A real inferd server on 127.0.0.1:0 with its own temporary data directory. */
export interface ServerFixture {
  readonly server: InferdServer;
  readonly address: string;
  /** A scratch directory for the test's local files (removed by close). */
  readonly scratch: string;
  close(): Promise<void>;
}

/** Starts a real server (waiting until it is ready) with a fresh data directory. */
export async function startServer(options: InferdServerOptions = {}): Promise<ServerFixture> {
  const root = await mkdtemp(join(tmpdir(), "inferd-client-test-"));
  const scratch = join(root, "scratch");
  await mkdir(scratch);
  const server = await createInferdServer({ host: "127.0.0.1", port: 0, dataDir: join(root, "data"), shutdownGraceMs: 2_000, ...options });
  await server.ready;
  return {
    server,
    address: server.address,
    scratch,
    async close() {
      await server.shutdown();
      await rm(root, { recursive: true, force: true });
    },
  };
}
