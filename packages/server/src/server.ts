import { Server, ServerCredentials } from "@grpc/grpc-js";
import { DiagnosticsService } from "@inferd/grpc-types/v1";
import { silentLogger, type Logger } from "./logger";
import { createDiagnosticsService } from "./services/diagnostics";

/** Options of {@link createInferdServer}. */
export interface InferdServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 picks a free one (see {@link InferdServer.port}). Default 50051. */
  port?: number;
  /** Largest message accepted and sent, in bytes; default 64 MiB. */
  maxMessageBytes?: number;
  /** Where to log; default silent. */
  logger?: Logger;
}

/** A running inferd server. */
export interface InferdServer {
  /** "host:port" clients can dial. */
  readonly address: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** Stops accepting calls, lets in-flight ones finish for up to graceMs, then closes. */
  shutdown(graceMs?: number): Promise<void>;
}

const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Creates, wires and binds an inferd server. */
export async function createInferdServer(options: InferdServerOptions = {}): Promise<InferdServer> {
  const host = options.host ?? "127.0.0.1";
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const logger = options.logger ?? silentLogger;
  const server = new Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  server.addService(DiagnosticsService, createDiagnosticsService());

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(formatAddress(host, options.port ?? 50051), ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  const address = formatAddress(host, port);
  logger.info({ address }, "inferd listening");

  return {
    address,
    port,
    shutdown(graceMs = 10_000) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
