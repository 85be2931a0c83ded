import { status } from "@grpc/grpc-js";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import type { CallObserver } from "../lifecycle/call-interceptor";
import { createLatencyCounts, createMethodLatencyHistogram, observeLatency, type LatencyCounts } from "./latency-histogram";

/** The server's Prometheus metrics; {@link noMetrics} when `--metrics-port` is not given. */
export interface ServerMetrics {
  /** The registry to expose, or undefined when metrics are off. */
  readonly registry: Registry | undefined;
  /** Counts calls by method and status code, latency and in-flight calls; undefined when off. */
  readonly observer: CallObserver | undefined;
  /** Adds bytes received by Files.Upload (and other inbound file data). */
  addUploadedBytes(bytes: number): void;
  /** Adds bytes sent by Files.Download. */
  addDownloadedBytes(bytes: number): void;
}

/** Metrics off: every hook is a no-op, so services call them unconditionally. */
export const noMetrics: ServerMetrics = {
  registry: undefined,
  observer: undefined,
  addUploadedBytes: () => undefined,
  addDownloadedBytes: () => undefined,
};

/** Splits "/inferd.v1.Files/Upload" into its service and method labels. */
function splitPath(path: string): { service: string; method: string } {
  const [, service = "unknown", method = "unknown"] = path.split("/");
  return { service, method };
}

/** Live counts of one gRPC method, read by the metrics' collect callbacks at scrape time. */
interface MethodSeries {
  readonly labels: { readonly service: string; readonly method: string };
  inFlight: number;
  /** Completed calls by status code (index = code). */
  readonly codes: number[];
  /** Durations of completed calls, in LATENCY_BUCKETS. */
  readonly latency: LatencyCounts;
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
  // Per-call bookkeeping is plain JS on a cached per-method record; the request counter, the
  // latency histogram and the in-flight gauge read it when scraped. The unary benchmark's CPU
  // profile showed prom-client's per-call label validation and hashing as the second largest
  // cost inferd added to a Ping.
  const methods = new Map<string, MethodSeries>();
  const seriesOf = (path: string): MethodSeries => {
    let series = methods.get(path);
    if (!series) {
      series = { labels: splitPath(path), inFlight: 0, codes: [], latency: createLatencyCounts(LATENCY_BUCKETS) };
      methods.set(path, series);
    }
    return series;
  };
  new Counter({
    name: "inferd_grpc_requests_total",
    help: "gRPC calls handled, by service, method and status code.",
    labelNames: ["service", "method", "code"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, codes } of methods.values()) {
        codes.forEach((count, code) => this.inc({ ...labels, code: status[code] ?? String(code) }, count));
      }
    },
  });
  createMethodLatencyHistogram({
    name: "inferd_grpc_request_duration_seconds",
    help: "gRPC call duration from start to status, by service and method.",
    buckets: LATENCY_BUCKETS,
    registry,
    series: () => methods.values(),
  });
  new Gauge({
    name: "inferd_grpc_in_flight_calls",
    help: "gRPC calls in progress, by service and method.",
    labelNames: ["service", "method"] as const,
    registers: [registry],
    collect() {
      for (const { labels, inFlight } of methods.values()) this.set(labels, inFlight);
    },
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

  const observer: CallObserver = (path) => {
    const series = seriesOf(path);
    const started = performance.now();
    series.inFlight++;
    return (code) => {
      series.inFlight--;
      observeLatency(series.latency, LATENCY_BUCKETS, (performance.now() - started) / 1000);
      series.codes[code] = (series.codes[code] ?? 0) + 1;
    };
  };

  return {
    registry,
    observer,
    addUploadedBytes: (bytes) => uploaded.inc(bytes),
    addDownloadedBytes: (bytes) => downloaded.inc(bytes),
  };
}
