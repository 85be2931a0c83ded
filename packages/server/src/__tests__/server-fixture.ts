import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { credentials, makeGenericClientConstructor, type ChannelCredentials, type Client, type ServiceError } from "@grpc/grpc-js";
import { service as healthService } from "grpc-health-check";
import { DiagnosticsClient, FilesClient } from "@inferd/grpc-types/v1";
import { createInferdServer, type InferdServer, type InferdServerOptions } from "../server";
import { createTempDir } from "./files-fixture";

/** Health client (grpc.health.v1) built from grpc-health-check's own definition. */
export interface HealthClient extends Client {
  check(request: { service: string }, callback: (error: ServiceError | null, response: { status: string }) => void): void;
  watch(request: { service: string }): NodeJS.ReadableStream & { cancel(): void };
}

const HealthClientCtor = makeGenericClientConstructor(healthService as never, "grpc.health.v1.Health") as unknown as new (
  address: string,
  creds: ChannelCredentials,
) => HealthClient;

/** A real inferd server on 127.0.0.1:0 (HTTP API on a free port too) over a temp data dir, with clients. */
export interface ServerFixture {
  server: InferdServer;
  files: FilesClient;
  diagnostics: DiagnosticsClient;
  health: HealthClient;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts {@link ServerFixture}; `close()` stops it, closes the clients and removes the data. */
export async function startServer(options: InferdServerOptions = {}): Promise<ServerFixture> {
  const temp = await createTempDir("server");
  const modelsDir = join(temp.dir, "models"); // empty model repository
  await mkdir(modelsDir);
  // The HTTP API on a free port, as the binary serves it by default (tests bind no fixed port).
  const server = await createInferdServer({ host: "127.0.0.1", port: 0, httpPort: 0, dataDir: join(temp.dir, "data"), modelsDir, ...options });
  const creds = credentials.createInsecure();
  const files = new FilesClient(server.address, creds);
  const diagnostics = new DiagnosticsClient(server.address, creds);
  const health = new HealthClientCtor(server.address, creds);
  return {
    server,
    files,
    diagnostics,
    health,
    dataDir: temp.dir,
    async close() {
      for (const client of [files, diagnostics, health]) client.close();
      await server.shutdown(1000);
      await temp.cleanup();
    },
  };
}

/** Health.Check of one name. */
export function checkHealth(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) => client.check({ service }, (error, response) => (error ? reject(error) : resolve(response.status))));
}
