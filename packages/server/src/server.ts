import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ServerCredentials, type ChannelOptions, type Server } from "@grpc/grpc-js";
import { createAuthCheck } from "./auth/interceptor";
import { createAuthorizer, type Authorizer } from "./auth/authorizer";
import { createTokenTable, type TokenGrant } from "./auth/token-table";
import { createSessionTable, type SessionTable } from "./auth/session-table";
import { deleteSessionData } from "./auth/delete-session-data";
import { createEngine } from "./engine/engine";
import { withStudioSessions } from "./transport/grpc-web/studio-session-route";
import {
  DEFAULT_HOST,
  DEFAULT_KEEPALIVE_TIME_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_MAX_CONNECTION_IDLE_MS,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_MESSAGE_MB,
  DEFAULT_MAX_METADATA_KB,
  DEFAULT_METRICS_HOST,
  DEFAULT_PORT,
  DEFAULT_SHUTDOWN_GRACE_MS,
  DEFAULT_STUDIO_SESSION_TTL_MS,
  DEFAULT_MAX_STUDIO_SESSIONS,
  defaultDataDir,
  defaultModelsDir,
  isLoopbackHost,
} from "./config/defaults";
import type { FileStore } from "./files/file-store";
import type { FilesOptions } from "./files/options";
import type { InferenceOptions } from "./inference/options";
import { createLocalFileStore } from "./files/local-file-store";
import { createServerHealth, OVERALL } from "./health/health";
import { addReflection } from "./health/reflection";
import { createCallGate } from "./lifecycle/call-gate";
import { acquireDataDirLock } from "./lifecycle/data-dir-lock";
import { TolerantDecodeServer } from "./lifecycle/malformed-request";
import { createCallInterceptor, type CallCheck, type CallObserver } from "./lifecycle/call-interceptor";
import { silentLogger, type Logger } from "./logger";
import { serveMetrics, type MetricsEndpoint } from "./metrics/http";
import { createServerMetrics, noMetrics } from "./metrics/metrics";
import type { ServiceContext, ServiceModule } from "./service-module";
import { applyConnectionLimits, type ConnectionLimits } from "./transport/connection-limits";
import { raiseReceiveWindows } from "./transport/flow-control";
import { createGrpcWebBridge } from "./transport/grpc-web/bridge";
import { createServiceModules } from "./services/modules";

/** TLS material (PEM). With `ca`, clients must present a certificate it signed (mTLS). */
export interface TlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
}

/**
 * HTTP/2 keepalive and connection-age settings (grpc-js server channel options). The defaults
 * close dead peers (keepalive) and connections without calls (idle) instead of keeping them
 * forever.
 */
export interface KeepaliveOptions {
  /** Ping a connection after this long without traffic (grpc.keepalive_time_ms); default 2 min. */
  readonly timeMs?: number;
  /** Close the connection when a ping gets no answer within this (grpc.keepalive_timeout_ms); default 20 s. */
  readonly timeoutMs?: number;
  /** Close connections without an open call for this long (grpc.max_connection_idle_ms); default 5 min. */
  readonly maxConnectionIdleMs?: number;
  /** Close connections older than this, after a grace period (grpc.max_connection_age_ms). */
  readonly maxConnectionAgeMs?: number;
  /** Grace for calls on an aged connection (grpc.max_connection_age_grace_ms). */
  readonly maxConnectionAgeGraceMs?: number;
}

/** Options of {@link createInferdServer}; every one has a default. */
export interface InferdServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Port to bind; 0 picks a free one (see {@link InferdServer.port}). Default 50051. */
  port?: number;
  /** Largest message accepted and sent, in bytes; default 64 MiB. */
  maxMessageBytes?: number;
  /** Where to log; default silent. */
  logger?: Logger;
  /** Data directory (files, partial uploads, jobs); default `./.inferd`. */
  dataDir?: string;
  /** Model repository; default the package's bundled `models/` folder. */
  modelsDir?: string;
  /** Accepted bearer tokens; empty (the default) turns auth off. */
  tokens?: readonly TokenGrant[];
  /** Allow binding a non-loopback host with auth off. Default false: refuse. */
  allowUnauthenticated?: boolean;
  /** Serve TLS (and mTLS with `ca`); default plaintext. */
  tls?: TlsOptions;
  keepalive?: KeepaliveOptions;
  /** Caps on connections, calls per connection and metadata size; see {@link ConnectionLimits}. */
  connections?: Partial<ConnectionLimits>;
  /** Most bytes a project may store (published files + partial uploads); 0 = unlimited. */
  quotaBytesPerProject?: number;
  /** Serve Prometheus metrics on this port (0 picks one); off when undefined. */
  metricsPort?: number;
  /** Interface for the metrics endpoint; default 127.0.0.1 (the endpoint has no auth). */
  metricsHost?: string;
  /** Serve the Open Inference Protocol's REST API (/v2) on this port (0 picks one); off when undefined. */
  httpPort?: number;
  /** Interface of the REST API; default the gRPC host. */
  httpHost?: string;
  /** Origins whose web pages may call the HTTP port's gRPC-Web API (CORS); default none (same origin only). */
  corsOrigins?: readonly string[];
  /**
   * Idle time after which a studio session (POST /studio/session on the HTTP port) expires and
   * its project's files are deleted, in ms; default 1 h. Sessions exist only with `httpPort`.
   */
  studioSessionTtlMs?: number;
  /** Most live studio sessions; default 256. */
  maxStudioSessions?: number;
  /**
   * Files folder shared by several replicas (a network file system in production), used
   * instead of `<dataDir>/files`, with cross-process locking; each replica keeps its own
   * `dataDir` for the rest (jobs, its lock). Default: not shared.
   */
  sharedFilesDir?: string;
  /** A file store to use instead of the local-disk one under `dataDir`. */
  fileStore?: FileStore;
  /** Modules added after the built-in ones (tests, embedders). */
  extraModules?: (context: ServiceContext) => ServiceModule[];
  /** Default grace period of {@link InferdServer.shutdown}; default 10 s. */
  shutdownGraceMs?: number;
  /** Model threads, job workers and job queue size of the Inference service. */
  inference?: InferenceOptions;
  /** Upload idle timeout and per-project open-upload cap of the Files service. */
  files?: FilesOptions;
}

/** Longest wait, once in-flight calls are done, for open streams (health watches) to close. */
const MAX_CLOSE_WAIT_MS = 1000;

/** A running inferd server. */
export interface InferdServer {
  /** "host:port" clients can dial. */
  readonly address: string;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** "host:port" of the Prometheus endpoint, when metrics are on. */
  readonly metricsAddress: string | undefined;
  /** "host:port" of the OIP REST API once it listens (set before `ready` resolves), when it is on. */
  readonly httpAddress: string | undefined;
  /** Resolves once every module's start-up work is done and health reports SERVING. */
  readonly ready: Promise<void>;
  /** What the modules got: the file store, the authorizer, ... */
  readonly context: ServiceContext;
  /**
   * Health goes NOT_SERVING, new calls get UNAVAILABLE, in-flight calls get up to `graceMs`
   * (default shutdownGraceMs) and are then cancelled; modules stop; the port closes.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** Why the server refused its options (e.g. a public host with auth off). */
export class ServerConfigError extends Error {
  override readonly name = "ServerConfigError";
}

function formatAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The grpc-js server options inferd uses (exported for tests). */
export function channelOptions(maxMessageBytes: number, keepalive: KeepaliveOptions = {}): ChannelOptions {
  const options: ChannelOptions = {
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    "grpc.keepalive_time_ms": keepalive.timeMs ?? DEFAULT_KEEPALIVE_TIME_MS,
    "grpc.keepalive_timeout_ms": keepalive.timeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
    "grpc.max_connection_idle_ms": keepalive.maxConnectionIdleMs ?? DEFAULT_MAX_CONNECTION_IDLE_MS,
  };
  const set = (key: string, value: number | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set("grpc.max_connection_age_ms", keepalive.maxConnectionAgeMs);
  set("grpc.max_connection_age_grace_ms", keepalive.maxConnectionAgeGraceMs);
  return options;
}

function credentials(tls: TlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.ca ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.ca !== undefined);
}

function bind(server: Server, address: string, creds: ServerCredentials): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.bindAsync(address, creds, (error, port) => (error ? reject(error) : resolvePort(port)));
  });
}

/** Reads TLS PEM files into {@link TlsOptions}. */
export function readTlsFiles(certFile: string, keyFile: string, caFile?: string): TlsOptions {
  return {
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    ...(caFile ? { ca: readFileSync(caFile) } : {}),
  };
}

/** Creates, wires and binds an inferd server; start-up work continues in the background (see `ready`). */
export async function createInferdServer(options: InferdServerOptions = {}): Promise<InferdServer> {
  const host = options.host ?? DEFAULT_HOST;
  const logger = options.logger ?? silentLogger;
  const tokens = options.tokens ?? [];
  if (tokens.length === 0 && !isLoopbackHost(host) && !options.allowUnauthenticated) {
    throw new ServerConfigError(
      `refusing to serve ${host} without authentication: anyone who can reach it could use the server. ` +
        `Set --token (or INFERD_TOKEN) or --tokens-file, bind 127.0.0.1, or pass --allow-unauthenticated.`,
    );
  }
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_MB * 1024 * 1024;
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  const modelsDir = resolve(options.modelsDir ?? defaultModelsDir());
  const metrics = options.metricsPort === undefined ? noMetrics : createServerMetrics();
  const tokenTable = createTokenTable(tokens);
  // Studio sessions (see auth/session-table.ts): minted on the HTTP port, so only with it.
  let onSessionEnd: (project: string) => Promise<void> = async () => undefined;
  const sessions: SessionTable | undefined =
    options.httpPort === undefined
      ? undefined
      : createSessionTable({
          ttlMs: options.studioSessionTtlMs ?? DEFAULT_STUDIO_SESSION_TTL_MS,
          maxSessions: options.maxStudioSessions ?? DEFAULT_MAX_STUDIO_SESSIONS,
          onEnd: (project) => onSessionEnd(project) });
  const auth: Authorizer = createAuthorizer(tokenTable, sessions);
  // One server per data dir (jobs would be resumed twice): refused while another holds it.
  const lock = await acquireDataDirLock(dataDir);
  const releaseOnError = async <T>(work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      await lock.release();
      throw error;
    }
  };
  const fileStore =
    options.fileStore ??
    (await releaseOnError(
      createLocalFileStore({
      root: options.sharedFilesDir !== undefined ? resolve(options.sharedFilesDir) : resolve(dataDir, "files"),
      shared: options.sharedFilesDir !== undefined,
      quotaBytesPerProject: options.quotaBytesPerProject ?? 0,
      ...(options.files?.maxOpenUploadsPerProject !== undefined ? { maxOpenUploadsPerProject: options.files.maxOpenUploadsPerProject } : {}),
      }),
    ));
  // The one engine every protocol module serves from; the server starts and stops it.
  const engine = createEngine({ logger, dataDir, modelsDir, fileStore, maxImageBytes: maxMessageBytes, ...(options.inference ? { inference: options.inference } : {}) });
  // An ended studio session's unfinished jobs are cancelled and its files deleted.
  onSessionEnd = (project) =>
    deleteSessionData(fileStore, engine.jobs, project).then(
      (counts) => logger.info({ project, ...counts }, "studio session ended: its jobs are cancelled and its files deleted"),
      (error: unknown) => logger.error({ err: error, project }, "studio session ended but deleting its files failed"),
    );
  const sessionSweep = sessions ? setInterval(() => sessions.sweep(), Math.max(1000, Math.min(60_000, (options.studioSessionTtlMs ?? DEFAULT_STUDIO_SESSION_TTL_MS) / 4))) : undefined;
  sessionSweep?.unref();
  let httpAddress: string | undefined;
  let grpcAddress: string | undefined = undefined; // set once the gRPC port is bound
  // gRPC-Web on the HTTP port replays browser calls on the gRPC port (see transport/grpc-web).
  const bridge =
    options.httpPort === undefined
      ? undefined
      : createGrpcWebBridge({
          target: () => (grpcAddress === undefined ? undefined : { address: grpcAddress, tls: options.tls }),
          corsOrigins: options.corsOrigins ?? [],
          maxBodyBytes: maxMessageBytes,
          logger,
        });
  const browser = bridge && sessions ? withStudioSessions(bridge, sessions, createAuthorizer(tokenTable), options.corsOrigins ?? []) : bridge;
  const http =
    options.httpPort === undefined
      ? undefined
      : { host: options.httpHost ?? host, port: options.httpPort, onListening: (address: string) => (httpAddress = address), ...(browser ? { browser } : {}) };
  const context: ServiceContext = {
    logger,
    dataDir,
    modelsDir,
    maxMessageBytes,
    fileStore,
    auth,
    metrics,
    engine,
    inference: options.inference ?? {},
    files: options.files ?? {},
    ...(http ? { http } : {}),
  };
  const modules = [...createServiceModules(context), ...(options.extraModules?.(context) ?? [])];

  // One interceptor for all of it (see createCallInterceptor): metrics and the gate see every
  // call's status, refusals included; the gate refuses during shutdown before auth runs.
  const gate = createCallGate();
  const authCheck = createAuthCheck(auth);
  const observers: CallObserver[] = metrics.observer ? [metrics.observer, gate.observer] : [gate.observer];
  const checks: CallCheck[] = authCheck ? [gate.check, authCheck] : [gate.check];
  const interceptors = [createCallInterceptor({ observers, checks, logger })];
  // TolerantDecodeServer: a request that does not parse is INVALID_ARGUMENT, not INTERNAL.
  const server = new TolerantDecodeServer({ ...channelOptions(maxMessageBytes, options.keepalive), interceptors });
  const raiseConnectionWindows = raiseReceiveWindows(server);
  const limitConnections = applyConnectionLimits(server, {
    maxConnections: options.connections?.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConcurrentStreams: options.connections?.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
    maxHeaderListBytes: options.connections?.maxHeaderListBytes ?? DEFAULT_MAX_METADATA_KB * 1024,
  });
  const health = createServerHealth(modules.map((module) => module.name));
  health.addToServer(server);
  const undescribed = addReflection(server, modules.filter((module) => module.reflection !== false));
  if (undescribed.length > 0) {
    logger.warn({ services: undescribed }, "reflection cannot describe these services: give their modules fileDescriptorProtos");
  }
  for (const module of modules) server.addService(module.definition, module.implementation);

  let metricsEndpoint: MetricsEndpoint | undefined;
  if (metrics.registry && options.metricsPort !== undefined) {
    // Loopback unless told otherwise: the endpoint has no auth, and what it shows (methods,
    // error rates, process figures) is not for everyone who can reach the gRPC port.
    const metricsHost = options.metricsHost ?? DEFAULT_METRICS_HOST;
    metricsEndpoint = await releaseOnError(serveMetrics(metrics.registry, metricsHost, options.metricsPort, logger));
    logger.info({ metrics: `http://${metricsEndpoint.address}/metrics` }, "metrics endpoint listening");
    if (!isLoopbackHost(metricsHost)) {
      logger.warn(
        { metrics: `http://${metricsEndpoint.address}/metrics` },
        "the metrics endpoint has no authentication and is bound off loopback: anyone who can reach it can read it",
      );
    }
  }
  let port: number;
  try {
    port = await bind(server, formatAddress(host, options.port ?? DEFAULT_PORT), credentials(options.tls));
    raiseConnectionWindows();
    limitConnections();
  } catch (error) {
    await metricsEndpoint?.close();
    await lock.release();
    throw error;
  }
  const address = formatAddress(host, port);
  grpcAddress = address;
  logger.info({ address, tls: Boolean(options.tls), mtls: Boolean(options.tls?.ca), auth: auth.enabled, dataDir, modelsDir }, "inferd listening");

  let stopping = false;
  const stopWatches: Array<() => void> = [];
  // The engine loads the models and replays the jobs while the modules start; the modules that
  // serve models report SERVING once it is ready.
  const engineStarted = engine.start().catch((error: unknown) => {
    logger.error({ err: error }, "engine start-up failed: models or jobs could not be started");
    throw error;
  });
  const ready = Promise.all([
    engineStarted,
    ...modules.map(async (module) => {
      try {
        await module.start?.();
        if (!stopping) health.set(module.name, "SERVING");
        if (!stopping && module.watchHealth) {
          stopWatches.push(
            module.watchHealth((name, status) => {
              if (!stopping) health.set(name, status);
            }),
          );
        }
      } catch (error) {
        logger.error({ err: error, service: module.name }, "service start-up failed; it stays NOT_SERVING");
        throw error;
      }
    }),
  ]).then(() => {
    if (!stopping) health.set(OVERALL, "SERVING");
    logger.info({ services: modules.map((module) => module.name) }, "inferd ready");
  });
  ready.catch(() => undefined); // reported above; callers who await `ready` still see it

  let shutdownPromise: Promise<void> | undefined;
  const shutdown = async (graceMs: number): Promise<void> => {
    stopping = true;
    for (const stop of stopWatches) stop();
    health.setAllNotServing();
    gate.beginDrain();
    logger.info({ inFlight: gate.inFlight, graceMs }, "shutting down: draining in-flight calls");
    const started = Date.now();
    const drained = await gate.waitIdle(graceMs);
    if (!drained) logger.warn({ inFlight: gate.inFlight }, "grace period over: cancelling the remaining calls");
    // Close gracefully so the last answers reach their clients; streams that never end on
    // their own (health Watch) are cut after a short wait.
    const closeWaitMs = drained ? Math.min(Math.max(graceMs - (Date.now() - started), 0), MAX_CLOSE_WAIT_MS) : 0;
    await new Promise<void>((resolveClosed) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolveClosed();
      }, closeWaitMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolveClosed();
      });
    });
    // A module still starting (e.g. loading models) finishes that first, so stop() never
    // races its start().
    await ready.catch(() => undefined);
    for (const module of modules) {
      try {
        await module.stop?.();
      } catch (error) {
        logger.error({ err: error, service: module.name }, "service shutdown failed");
      }
    }
    // The front-ends are closed: stop the jobs (each finishes its current image), release the models.
    try {
      await engine.stop();
    } catch (error) {
      logger.error({ err: error }, "engine shutdown failed");
    }
    if (sessionSweep) clearInterval(sessionSweep);
    await metricsEndpoint?.close();
    await lock.release();
    logger.info({}, "inferd stopped");
  };

  return {
    address,
    port,
    metricsAddress: metricsEndpoint?.address,
    get httpAddress() {
      return httpAddress;
    },
    ready,
    context,
    shutdown(graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS) {
      shutdownPromise ??= shutdown(graceMs);
      return shutdownPromise;
    },
  };
}
