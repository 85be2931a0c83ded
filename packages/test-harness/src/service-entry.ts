import type {
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  ServiceDefinition,
} from "@grpc/grpc-js";
import type { ServiceImplementation } from "./handler-context";

/** One service a test server hosts: its definition and its (possibly partial) implementation. */
export type ServiceEntry = readonly [definition: ServiceDefinition, implementation: ServiceImplementation];

/** The grpc-js handler type of one method definition, read from its codecs and stream flags. */
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

/** A full implementation of a service definition, method by method (ts-proto `XServer` shape). */
export type ImplementationOf<S extends ServiceDefinition> = { [K in keyof S]: HandlerOf<S[K]> };

/**
 * Pairs a definition with an implementation, typing the handlers from the definition so that an
 * inline object literal needs no annotations. Methods left out answer UNIMPLEMENTED.
 *
 * @example services: [implement(DiagnosticsService, { ping(call, callback) { ... } })]
 */
export function implement<S extends ServiceDefinition>(
  definition: S,
  implementation: Partial<ImplementationOf<S>>,
): ServiceEntry {
  return [definition, implementation as ServiceImplementation];
}
