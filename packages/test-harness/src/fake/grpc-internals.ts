import { Server, type ServerInterceptingCallInterface } from "@grpc/grpc-js";
import type { TransportSpec } from "../transport";

/** A method handler as grpc-js's Server registers it (server.ts `Handler`). */
export interface RegisteredHandler {
  readonly path: string;
  readonly type: string;
  serialize(value: unknown): Buffer;
  deserialize(bytes: Buffer): unknown;
}

interface ServerInternals {
  readonly handlers: Map<string, RegisteredHandler>;
  _runHandlerForCall(call: ServerInterceptingCallInterface, handler: RegisteredHandler): boolean;
}

/** grpc-js's own method registry and dispatcher, driven without a network. */
export interface HandlerRegistry {
  /** The handler registered for `path`, if any. */
  lookup(path: string): RegisteredHandler | undefined;
  /** Runs `handler` on `call` exactly as grpc-js's server does for an HTTP/2 stream. */
  run(call: ServerInterceptingCallInterface, handler: RegisteredHandler): void;
  /** Releases the registry. */
  close(): void;
}

/**
 * Fake mode registers the services on a grpc-js `Server` that is never bound, and dispatches
 * through its `_runHandlerForCall`. Reusing grpc-js's dispatcher rather than a copy means the
 * handler-facing behaviour (call objects and their events, UNKNOWN for a throwing handler,
 * UNIMPLEMENTED for a missing method, cancellation) cannot drift from real mode; the price is a
 * reliance on two private members, checked here so that a grpc-js upgrade fails loudly.
 */
export function createHandlerRegistry(spec: TransportSpec): HandlerRegistry {
  const server = new Server({ ...spec.serverOptions, "grpc.enable_channelz": 0 });
  for (const [definition, implementation] of spec.services) server.addService(definition, implementation);
  const internals = server as unknown as Partial<ServerInternals>;
  const { handlers } = internals;
  const runHandlerForCall = internals._runHandlerForCall;
  if (!(handlers instanceof Map) || typeof runHandlerForCall !== "function") {
    throw new Error(
      "fake mode relies on @grpc/grpc-js Server internals (handlers, _runHandlerForCall) that this " +
        "grpc-js version lacks; pin @grpc/grpc-js 1.14 or run with mode: \"real\"",
    );
  }
  return {
    lookup: (path) => handlers.get(path),
    run(call, handler) {
      runHandlerForCall.call(server, call, handler);
    },
    close() {
      server.forceShutdown();
    },
  };
}
