import type { ClientOptions } from "@grpc/grpc-js";
import { DiagnosticsClient, FilesClient, InferenceClient } from "@inferd/grpc-types/v1";
import type { TestServer } from "./test-server";

/** Typed clients for every inferd v1 service, all connected to one test server. */
export interface InferdClients {
  readonly files: FilesClient;
  readonly inference: InferenceClient;
  readonly diagnostics: DiagnosticsClient;
}

/**
 * Typed `Files`, `Inference` and `Diagnostics` clients of `server` (whichever of those services it
 * hosts; a call to one it does not host answers UNIMPLEMENTED). Closed with the server.
 */
export function inferdClients(server: Pick<TestServer, "client">, options: Partial<ClientOptions> = {}): InferdClients {
  return {
    files: server.client(FilesClient, options),
    inference: server.client(InferenceClient, options),
    diagnostics: server.client(DiagnosticsClient, options),
  };
}
