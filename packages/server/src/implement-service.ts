import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServiceDefinition,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";

/**
 * The grpc-js handler type of one method definition, read from its codecs and stream flags.
 * The same idea as @inferd/test-harness's `implement()`; kept here because the server must not
 * depend on a test package at run time.
 */
export type HandlerOf<M> = M extends {
  readonly requestStream: infer ClientStreams;
  readonly responseStream: infer ServerStreams;
  readonly requestDeserialize: (bytes: Buffer) => infer Req;
  readonly responseSerialize: (value: infer Res) => Buffer;
}
  ? ClientStreams extends true
    ? ServerStreams extends true
      ? handleBidiStreamingCall<Req, Res>
      : handleClientStreamingCall<Req, Res>
    : ServerStreams extends true
      ? handleServerStreamingCall<Req, Res>
      : handleUnaryCall<Req, Res>
  : never;

/** Every method of a service definition, implemented (the shape of ts-proto's `XServer`). */
export type ImplementationOf<S extends ServiceDefinition> = { [K in keyof S]: HandlerOf<S[K]> };

/** A definition and its implementation, checked against each other; spread into a {@link ServiceModule}. */
export interface ImplementedService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/**
 * Pairs a service definition with its implementation, type-checking every handler against the
 * definition's request and response types and stream kinds (a missing method, a wrong
 * message type or a unary handler for a streaming method does not compile). This replaces the
 * `as never` casts modules used to hand grpc-js their implementations.
 *
 * @example { name: "inferd.v1.Diagnostics", ...implementService(DiagnosticsService, createDiagnosticsService()) }
 */
export function implementService<S extends ServiceDefinition>(definition: S, implementation: ImplementationOf<S>): ImplementedService {
  return { definition, implementation };
}
