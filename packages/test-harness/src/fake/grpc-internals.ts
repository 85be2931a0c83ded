import { Server, type ServerInterceptingCallInterface } from "@grpc/grpc-js";
import type { TransportSpec } from "../transport";

/**
 * The @grpc/grpc-js versions whose internals fake mode uses: the range the parity suite
 * (src/__tests__/parity) proves. Every package's dependency on grpc-js is pinned to it.
 */
export const SUPPORTED_GRPC_JS_RANGE = "~1.14.7";

/** A module loader (`require`), injectable so tests can play a grpc-js that lacks a file. */
export type ModuleLoader = (id: string) => unknown;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const defaultLoader: ModuleLoader = (id) => require(id);

/** The installed grpc-js version, or "unknown" when its package.json cannot be read. */
export function installedGrpcJsVersion(load: ModuleLoader = defaultLoader): string {
  try {
    const { version } = load("@grpc/grpc-js/package.json") as { version?: unknown };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Fake mode cannot run on the installed grpc-js: a private part it relies on is missing or has
 * changed. Real mode never touches these internals and is unaffected.
 */
export class GrpcInternalsError extends Error {
  override readonly name = "GrpcInternalsError";
  /** The grpc-js range fake mode is proven with. */
  readonly supportedRange = SUPPORTED_GRPC_JS_RANGE;
  constructor(
    /** What is missing, e.g. "build/src/orca (PerRequestMetricRecorder)". */
    readonly missing: string,
    options?: { cause?: unknown },
  ) {
    super(
      `fake mode relies on @grpc/grpc-js internals (${missing}) that the installed grpc-js ` +
        `${installedGrpcJsVersion()} lacks; use @grpc/grpc-js ${SUPPORTED_GRPC_JS_RANGE} (the range the parity ` +
        `suite proves) or run with mode: "real"`,
      options,
    );
  }
}

type MetricsRecorder = ReturnType<ServerInterceptingCallInterface["getMetricsRecorder"]>;

/**
 * grpc-js's PerRequestMetricRecorder (not exported from the package root; every grpc-js server
 * call carries one). Loaded on first use, in fake mode only, so a grpc-js that moved the file
 * breaks fake mode with a {@link GrpcInternalsError} and leaves real mode alone.
 */
export function loadPerRequestMetricRecorder(load: ModuleLoader = defaultLoader): new () => MetricsRecorder {
  const missing = "build/src/orca (PerRequestMetricRecorder)";
  let orca: unknown;
  try {
    orca = load("@grpc/grpc-js/build/src/orca");
  } catch (error) {
    throw new GrpcInternalsError(missing, { cause: error });
  }
  const recorder = (orca as { PerRequestMetricRecorder?: unknown } | null)?.PerRequestMetricRecorder;
  if (typeof recorder !== "function") throw new GrpcInternalsError(missing);
  return recorder as new () => MetricsRecorder;
}

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
    throw new GrpcInternalsError("Server.handlers and Server._runHandlerForCall");
  }
  // Checked here too, so that fake mode fails when the test server starts rather than inside
  // its first call (FakeServerCall loads the same class).
  loadPerRequestMetricRecorder();
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
