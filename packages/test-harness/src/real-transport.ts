import { Server, ServerCredentials, credentials } from "@grpc/grpc-js";
import type { Transport, TransportSpec } from "./transport";

/** Real mode: a grpc-js server bound to 127.0.0.1 on a free port, clients over real HTTP/2. */
export async function startRealTransport(spec: TransportSpec): Promise<Transport> {
  const server = new Server({ ...spec.serverOptions, interceptors: [...spec.interceptors] });
  for (const [definition, implementation] of spec.services) server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  const address = `127.0.0.1:${port}`;

  return {
    address,
    connect(ctor, options) {
      return new ctor(address, credentials.createInsecure(), options);
    },
    shutdown(graceMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        // tryShutdown stops accepting calls and calls back once every running call has ended.
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
