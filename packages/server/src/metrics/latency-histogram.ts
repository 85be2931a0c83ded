import { Histogram, type Registry } from "prom-client";

/** Call durations of one method, counted per bucket in a plain typed array. */
export interface LatencyCounts {
  /** Calls per bucket, not cumulative; the last slot counts calls beyond the largest bound. */
  readonly buckets: Float64Array;
  /** Total seconds observed. */
  sum: number;
  /** Calls observed. */
  count: number;
}

/** One labelled series of the histogram: its labels and its counts. */
export interface LatencySeries {
  readonly labels: { readonly service: string; readonly method: string };
  readonly latency: LatencyCounts;
}

/** Empty counts for a histogram with `bounds` upper bounds. */
export function createLatencyCounts(bounds: readonly number[]): LatencyCounts {
  return { buckets: new Float64Array(bounds.length + 1), sum: 0, count: 0 };
}

/**
 * Counts one observation of `seconds`: the first bucket whose upper bound is ≥ it (prom-client's
 * rule), or the overflow slot.
 */
export function observeLatency(counts: LatencyCounts, bounds: readonly number[], seconds: number): void {
  let i = 0;
  while (i < bounds.length && seconds > (bounds[i] as number)) i++;
  counts.buckets[i]! += 1;
  counts.sum += seconds;
  counts.count += 1;
}

/** Options of {@link createMethodLatencyHistogram}. */
export interface MethodLatencyHistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
  /** The series to expose, read at scrape time. */
  readonly series: () => Iterable<LatencySeries>;
}

/**
 * A prom-client Histogram (labels `service`, `method`) whose values come from plain per-method
 * counts, read at scrape time. The exposition is the one prom-client writes for its own
 * histograms (`_bucket{le=...}` cumulative, `+Inf`, `_sum`, `_count`); what changes is the cost
 * per call: `Histogram.observe` validates the labels and builds a label-hash string on every
 * call, which the unary benchmark's CPU profile showed among the costs inferd adds to a Ping,
 * while {@link observeLatency} is a few comparisons and three additions.
 */
export function createMethodLatencyHistogram(options: MethodLatencyHistogramOptions): Histogram<"service" | "method"> {
  const { name, help, buckets: bounds, series } = options;
  const bucketName = `${name}_bucket`;

  class MethodLatencyHistogram extends Histogram<"service" | "method"> {
    /**
     * The values in prom-client's own internal form (bucket `le` as the value's label, the
     * series' labels as shared labels): the Registry renders text from this method when a metric
     * has it, and `Histogram.get` (the JSON form) builds on it, so both forms match a
     * prom-client histogram's exactly. The exposition test pins that.
     */
    async getForPromString(): Promise<PromStringHistogram> {
      const values: PromStringValue[] = [];
      for (const { labels, latency } of series()) {
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += latency.buckets[i] as number;
          values.push({ labels: { le }, sharedLabels: labels, value: cumulative, metricName: bucketName });
        });
        values.push({ labels: { le: "+Inf" }, sharedLabels: labels, value: latency.count, metricName: bucketName });
        values.push({ labels: {}, sharedLabels: labels, value: latency.sum, metricName: `${name}_sum` });
        values.push({ labels: {}, sharedLabels: labels, value: latency.count, metricName: `${name}_count` });
      }
      return Promise.resolve({ name, help, type: "histogram", aggregator: "sum", values });
    }
  }

  return new MethodLatencyHistogram({ name, help, labelNames: ["service", "method"] as const, buckets: [...bounds], registers: [options.registry] });
}

/** One value as prom-client's Histogram keeps it before export. */
interface PromStringValue {
  labels: { le?: number | string };
  sharedLabels: LatencySeries["labels"];
  value: number;
  metricName: string;
}

/** A histogram's metric object in that form (type and aggregator as prom-client sets them at run time). */
interface PromStringHistogram {
  name: string;
  help: string;
  type: "histogram";
  aggregator: "sum";
  values: PromStringValue[];
}
