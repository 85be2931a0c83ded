import { Counter, Gauge, type Registry } from "prom-client";
import type { ResponseCache } from "../models/response-cache";

/**
 * Exposes the response cache on a Prometheus registry: hits and misses per model version
 * (counters read from the cache's own counts at scrape time, so a request pays nothing for
 * them) and the bytes and entries it holds against its bound.
 */
export function registerResponseCacheMetrics(registry: Registry, cache: ResponseCache): void {
  const labelNames = ["model", "version"] as const;
  new Counter({
    name: "inferd_response_cache_hits_total",
    help: "Requests answered from the response cache (Infer, Run images and ModelInfer), by model and version.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, version, counts } of cache.counters.entries()) this.inc({ model: name, version }, Number(counts.hits.count));
    },
  });
  new Counter({
    name: "inferd_response_cache_misses_total",
    help: "Requests of cache-enabled models the response cache could not answer, by model and version.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { name, version, counts } of cache.counters.entries()) this.inc({ model: name, version }, Number(counts.misses.count));
    },
  });
  new Gauge({
    name: "inferd_response_cache_bytes",
    help: "Bytes the response cache holds now (bound: --response-cache-mb).",
    registers: [registry],
    collect() {
      this.set(cache.bytes());
    },
  });
  new Gauge({
    name: "inferd_response_cache_entries",
    help: "Entries the response cache holds now.",
    registers: [registry],
    collect() {
      this.set(cache.entries());
    },
  });
}
