import type { ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import type { Authorizer } from "./auth/authorizer";
import type { Engine } from "./engine/engine";
import type { GrpcWebBridge } from "./transport/grpc-web/bridge";
import type { FileStore } from "./files/file-store";
import type { FilesOptions } from "./files/options";
import type { InferenceOptions } from "./inference/options";
import type { Logger } from "./logger";
import type { ServerMetrics } from "./metrics/metrics";

/** What every service module gets from the server: shared pieces, created once. */
export interface ServiceContext {
  readonly logger: Logger;
  /** Absolute data directory (files, jobs, ...). */
  readonly dataDir: string;
  /** Absolute model repository directory. */
  readonly modelsDir: string;
  /** Largest message sent or received, in bytes. */
  readonly maxMessageBytes: number;
  /** Per-project file storage (images in, job results out). */
  readonly fileStore: FileStore;
  /** Token and project checks: call `auth.authorizeProject(call.metadata, project)`. */
  readonly auth: Authorizer;
  /** Counters shared by the services (bytes up/down); no-ops when metrics are off. */
  readonly metrics: ServerMetrics;
  /**
   * The models, inference parts and jobs every protocol serves from, built once by the server
   * (started after binding, stopped after the modules): modules use it, never build their own.
   */
  readonly engine: Engine;
  /** Model threads, job workers and queue size of the Inference service. */
  readonly inference?: InferenceOptions;
  /** Upload idle timeout and open-upload cap of the Files service. */
  readonly files?: FilesOptions;
  /** Where the OIP REST API listens (off when undefined); it reports its bound address back. */
  readonly http?: {
    readonly host: string;
    readonly port: number;
    onListening(address: string): void;
    /** The browser protocol (gRPC-Web) served on the same port, when on. */
    readonly browser?: GrpcWebBridge;
  };
}

/**
 * One gRPC service and its lifecycle. The server adds every module in one place
 * (services/modules.ts), runs all `start()`s after binding, and reports the module's
 * health name SERVING once its `start()` resolved (NOT_SERVING before, and during shutdown).
 * A module that serves models awaits `context.engine.whenReady()` in its `start()`. Build the
 * definition and implementation with `implementService` so they are checked against each other.
 */
export interface ServiceModule {
  /** Fully qualified service name, also its health-check name, e.g. "inferd.v1.Files". */
  readonly name: string;
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
  /**
   * Serialized FileDescriptorProtos of the service's proto files and their imports, so that
   * reflection (grpcurl, buf curl) can describe it: e.g. `splitFileDescriptorSet` of a
   * `buf build --as-file-descriptor-set -o set.binpb`. Not needed for inferd's own services
   * nor for a definition loaded with @grpc/proto-loader (its descriptors come with it).
   */
  readonly fileDescriptorProtos?: readonly Uint8Array[];
  /** False for services without protobuf descriptors (Avro-encoded ones): reflection skips them. */
  readonly reflection?: false;
  /** Start-up work that must finish before the service reports SERVING (e.g. model loading). */
  start?(): Promise<void>;
  /**
   * Called on shutdown once in-flight calls finished or the grace period ran out (calls still
   * running are then cancelled). Flush state here (e.g. partial uploads, job records).
   */
  stop?(): Promise<void>;
  /**
   * Extra health names the module keeps up to date once started (e.g. one per model); `set`
   * is ignored once shutdown began (everything is NOT_SERVING then). Returns a stop function.
   */
  watchHealth?(set: (name: string, status: "SERVING" | "NOT_SERVING") => void): () => void;
}
