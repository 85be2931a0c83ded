import { status, type ServerInterceptor } from "@grpc/grpc-js";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { createObservingInterceptor } from "../lifecycle/observe-calls";

/** The server's Prometheus metrics; {@link noMetrics} when `--metrics-port` is not given. */
export interface ServerMetrics {
  /** The registry to expose, or undefined when metrics are off. */
  readonly registry: Registry | undefined;
  /** Counts calls by method and status code, latency and in-flight calls; undefined when off. */
  readonly interceptor: ServerInterceptor | undefined;
  /** Adds bytes received by Files.Upload (and other inbound file data). */
  addUploadedBytes(bytes: number): void;
  /** Adds bytes sent by Files.Download. */
  addDownloadedBytes(bytes: number): void;
}

/** Metrics off: every hook is a no-op, so services call them unconditionally. */
export const noMetrics: ServerMetrics = {
  registry: undefined,
  interceptor: undefined,
  addUploadedBytes: () => undefined,
  addDownloadedBytes: () => undefined,
};

/** Splits "/inferd.v1.Files/Upload" into its service and method labels. */
function splitPath(path: string): { service: string; method: string } {
  const [, service = "unknown", method = "unknown"] = path.split("/");
  return { service, method };
}

/** Latency buckets in seconds, from sub-millisecond unary calls to minute-long streams. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Creates the metrics on a private registry (process metrics included): per-RPC request
 * counts by status code, latency histograms, in-flight calls, and file bytes up and down.
 */
export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: "inferd_grpc_requests_total",
    help: "gRPC calls handled, by service, method and status code.",
    labelNames: ["service", "method", "code"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "inferd_grpc_request_duration_seconds",
    help: "gRPC call duration from start to status, by service and method.",
    labelNames: ["service", "method"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: "inferd_grpc_in_flight_calls",
    help: "gRPC calls in progress, by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
  });
  const uploaded = new Counter({
    name: "inferd_files_uploaded_bytes_total",
    help: "File bytes received and stored by Files.Upload.",
    registers: [registry],
  });
  const downloaded = new Counter({
    name: "inferd_files_downloaded_bytes_total",
    help: "File bytes sent by Files.Download.",
    registers: [registry],
  });

  const interceptor = createObservingInterceptor((path) => {
    const labels = splitPath(path);
    const started = process.hrtime.bigint();
    inFlight.inc(labels);
    return (code) => {
      inFlight.dec(labels);
      latency.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      requests.inc({ ...labels, code: status[code] ?? String(code) });
    };
  });

  return {
    registry,
    interceptor,
    addUploadedBytes: (bytes) => uploaded.inc(bytes),
    addDownloadedBytes: (bytes) => downloaded.inc(bytes),
  };
}
