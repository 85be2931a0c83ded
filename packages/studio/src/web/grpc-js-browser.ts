/**
 * Stands in for `@grpc/grpc-js` in the page's bundle. The generated modules build their
 * Node-only client classes at load time; the page never uses them (it calls over gRPC-Web),
 * so constructing one says so instead of failing deep inside an HTTP/2 import.
 */
export function makeGenericClientConstructor(): unknown {
  return class NativeGrpcClientUnavailable {
    constructor() {
      throw new Error("native gRPC clients do not run in a browser; use the gRPC-Web client");
    }
  };
}
