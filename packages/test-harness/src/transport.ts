import type {
  ChannelCredentials,
  ClientOptions,
  ServerInterceptor,
  ServerOptions,
  ServiceDefinition,
  UntypedHandleCall,
} from "@grpc/grpc-js";

/** A generated client class (ts-proto `XClient`, or grpc-js `makeGenericClientConstructor`). */
export type ClientConstructor<C> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

/** grpc-js server options, less `interceptors` (those are a test server option of their own). */
export type TestServerChannelOptions = Omit<ServerOptions, "interceptors">;

/** What a transport needs to host services: handlers already wrapped, the full interceptor chain. */
export interface TransportSpec {
  readonly services: readonly (readonly [ServiceDefinition, Record<string, UntypedHandleCall>])[];
  /** Applied in grpc-js order: the first one is outermost (nearest the transport). */
  readonly interceptors: readonly ServerInterceptor[];
  readonly serverOptions: TestServerChannelOptions;
}

/** The part of a test server that differs between modes: how calls get from clients to handlers. */
export interface Transport {
  /** "host:port" for real mode; a name for the in-process server in fake mode. */
  readonly address: string;
  /** Creates a client of this server. */
  connect<C>(ctor: ClientConstructor<C>, options: Partial<ClientOptions>): C;
  /** Refuses new calls, waits up to `graceMs` for running ones, then cancels what is left. */
  shutdown(graceMs: number): Promise<void>;
}
