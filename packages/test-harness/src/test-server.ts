import {
  makeGenericClientConstructor,
  type Client,
  type ClientOptions,
  type ServerInterceptor,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { createFakeTransport } from "./fake/fake-transport";
import { createFaultInjector, type InjectedFailure } from "./faults";
import { noteHandlerThrows } from "./handler-context";
import { createMethodResolver, type MethodRef } from "./method-ref";
import { defaultTestMode, type TestMode } from "./mode";
import { startRealTransport } from "./real-transport";
import { createCallRecorder, type RecordedCall } from "./recorder";
import type { ServiceEntry } from "./service-entry";
import type { ClientConstructor, TestServerChannelOptions, Transport, TransportSpec } from "./transport";

/** Options of {@link createTestServer}. */
export interface TestServerOptions {
  /** The services to host: `[definition, implementation]` pairs (see also `implement`). */
  services: readonly ServiceEntry[];
  /**
   * grpc-js server interceptors, exactly as `new Server({ interceptors })` takes them; the first
   * is outermost. They run in both modes, so auth and logging interceptors can be tested.
   */
  interceptors?: readonly ServerInterceptor[];
  /** "real" (HTTP/2 on 127.0.0.1:0) or "fake" (in-process); default `INFERD_TEST_MODE` or "real". */
  mode?: TestMode;
  /** grpc-js server options, e.g. `"grpc.max_receive_message_length"`; honoured in both modes. */
  serverOptions?: TestServerChannelOptions;
  /** How long {@link TestServer.close} waits for running calls before cancelling them; default 5 s. */
  closeGraceMs?: number;
}

/** Options of {@link TestServer.close}. */
export interface CloseOptions {
  /** Overrides {@link TestServerOptions.closeGraceMs} for this close. */
  graceMs?: number;
}

/** A server for one test (or one suite), with typed clients, call records and fault injection. */
export interface TestServer extends AsyncDisposable {
  /** The mode this server runs in. */
  readonly mode: TestMode;
  /** Where clients connect: "127.0.0.1:<port>" in real mode, an in-process name in fake mode. */
  readonly address: string;
  /** Every call received so far, oldest first (a live array). */
  readonly calls: readonly RecordedCall[];
  /**
   * A client of this server, typed from the generated client class
   * (`server.client(DiagnosticsClient)`). Closed by {@link TestServer.close}.
   */
  client<C>(ctor: ClientConstructor<C>, options?: Partial<ClientOptions>): C;
  /** An untyped client for a bare service definition. */
  client(definition: ServiceDefinition, options?: Partial<ClientOptions>): Client & Record<string, unknown>;
  /**
   * The next call of `method` that reaches its handler fails with `failure` instead (calls queue
   * up: two failNext calls fail the next two calls). Interceptors still see the call.
   */
  failNext(method: MethodRef, failure: InjectedFailure): void;
  /** Holds every later call of `method` for `ms` before its handler runs; 0 removes the delay. */
  delay(method: MethodRef, ms: number): void;
  /** Resolves once no call is running on the server (handy after a client cancels). */
  settled(): Promise<void>;
  /** Forgets recorded calls and pending failures and delays. */
  reset(): void;
  /**
   * Refuses new calls, waits for running calls to finish (cancelling them after the grace
   * period), then closes every client made by {@link TestServer.client}. Idempotent.
   */
  close(options?: CloseOptions): Promise<void>;
}

const DEFAULT_CLOSE_GRACE_MS = 5_000;

// In a jest realm without the harness environment Symbol.asyncDispose may be missing; swc's
// `await using` helper then falls back to the registered symbol, so offer that one.
const ASYNC_DISPOSE: symbol = Symbol.asyncDispose ?? Symbol.for("Symbol.asyncDispose");

/**
 * Starts a test server hosting `services`. In "real" mode it is a grpc-js server on
 * 127.0.0.1:0; in "fake" mode calls go from the same generated clients straight to the handlers
 * in-process (no HTTP/2), with the same codecs, interceptors, metadata, deadlines, cancellation
 * and statuses, so a handler's stack shows up in the failing test.
 */
export async function createTestServer(options: TestServerOptions): Promise<TestServer> {
  if (options.services.length === 0) throw new Error("createTestServer needs at least one service");
  const mode = options.mode ?? defaultTestMode();
  const recorder = createCallRecorder();
  const faults = createFaultInjector();
  const resolveMethod = createMethodResolver(options.services.map(([definition]) => definition));
  const spec: TransportSpec = {
    services: options.services.map(([definition, implementation]) => [
      definition,
      noteHandlerThrows(definition, implementation),
    ]),
    interceptors: [recorder.interceptor, ...(options.interceptors ?? []), faults.interceptor],
    serverOptions: options.serverOptions ?? {},
  };
  const transport: Transport = mode === "fake" ? createFakeTransport(spec) : await startRealTransport(spec);
  const clients = new Set<Client>();
  let closing: Promise<void> | undefined;

  function client(target: ClientConstructor<unknown> | ServiceDefinition, clientOptions: Partial<ClientOptions> = {}) {
    if (closing) throw new Error("this test server is closed; create clients before close()");
    const ctor: ClientConstructor<unknown> =
      typeof target === "function" ? target : (makeGenericClientConstructor(target, "") as ServiceClientConstructor);
    const created = transport.connect(ctor, clientOptions) as Client;
    clients.add(created);
    return created;
  }

  const server = {
    mode,
    address: transport.address,
    calls: recorder.calls,
    client: client as TestServer["client"],
    failNext(method: MethodRef, failure: InjectedFailure) {
      faults.failNext(resolveMethod(method), failure);
    },
    delay(method: MethodRef, ms: number) {
      faults.delay(resolveMethod(method), ms);
    },
    settled: () => recorder.settled(),
    reset() {
      recorder.clear();
      faults.clear();
    },
    close(closeOptions: CloseOptions = {}) {
      closing ??= (async () => {
        await transport.shutdown(closeOptions.graceMs ?? options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
        for (const created of clients) created.close();
        clients.clear();
      })();
      return closing;
    },
  } satisfies Omit<TestServer, typeof Symbol.asyncDispose>;
  Object.defineProperty(server, ASYNC_DISPOSE, { value: () => server.close() });
  return server as TestServer;
}
