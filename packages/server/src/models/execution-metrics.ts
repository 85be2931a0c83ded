/**
 * Prometheus series of the execution statistics (batch-stats.ts), per model and version, read
 * at scrape time: Triton's nv_inference_count / nv_inference_exec_count / queue duration, and
 * the average batch size (inference count ÷ execution count) as a gauge of its own.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { averageBatchSize, type ExecutionStatistics } from "./batch-stats";

/** Registers the series on `registry`; they read `statistics` whenever scraped. */
export function registerExecutionMetrics(registry: Registry, statistics: ExecutionStatistics): void {
  const labelNames = ["model", "version"] as const;
  new Counter({
    name: "inferd_model_inference_count_total",
    help: "Batch items (sum of the requests' first dimensions) a model version ran, over every protocol.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, version, stats } of statistics.entries()) this.inc({ model: name, version }, Number(stats.inferenceCount));
    },
  });
  new Counter({
    name: "inferd_model_execution_count_total",
    help: "Model executions (one per batch) of a model version.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, version, stats } of statistics.entries()) this.inc({ model: name, version }, Number(stats.executionCount));
    },
  });
  new Counter({
    name: "inferd_model_queue_duration_seconds_total",
    help: "Time requests waited in a model version's batch queue (dynamic_batching).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, version, stats } of statistics.entries()) this.inc({ model: name, version }, Number(stats.queue.ns) / 1e9);
    },
  });
  new Gauge({
    name: "inferd_model_average_batch_size",
    help: "Average batch size a model version ran: inference count / execution count (as Triton reports it).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, version, stats } of statistics.entries()) this.set({ model: name, version }, averageBatchSize(stats));
    },
  });
}
