import { Histogram, Registry } from "prom-client";
import { createLatencyCounts, createMethodLatencyHistogram, observeLatency, type LatencySeries } from "./latency-histogram";

const BOUNDS = [0.0005, 0.001, 0.01, 1];
const NAME = "test_duration_seconds";
const HELP = "Durations.";
const OBSERVED: [string, string, number][] = [
  ["inferd.v1.Diagnostics", "Ping", 0.0003],
  ["inferd.v1.Diagnostics", "Ping", 0.0005],
  ["inferd.v1.Diagnostics", "Ping", 0.002],
  ["inferd.v1.Inference", "Infer", 0.7],
  ["inferd.v1.Inference", "Infer", 400],
];

/** The histogram as typed-array counts, fed the observations. */
function countedRegistry(): Registry {
  const registry = new Registry();
  const series = new Map<string, LatencySeries>();
  for (const [service, method, seconds] of OBSERVED) {
    const key = `${service}/${method}`;
    const entry = series.get(key) ?? { labels: { service, method }, latency: createLatencyCounts(BOUNDS) };
    series.set(key, entry);
    observeLatency(entry.latency, BOUNDS, seconds);
  }
  createMethodLatencyHistogram({ name: NAME, help: HELP, buckets: BOUNDS, registry, series: () => series.values() });
  return registry;
}

test("the exposition is exactly what a prom-client Histogram fed the same observations writes", async () => {
  const reference = new Registry();
  const histogram = new Histogram({ name: NAME, help: HELP, labelNames: ["service", "method"] as const, buckets: BOUNDS, registers: [reference] });
  for (const [service, method, seconds] of OBSERVED) histogram.observe({ service, method }, seconds);

  const text = await countedRegistry().metrics();
  expect(text).toBe(await reference.metrics());
  expect(text).toContain(`# TYPE ${NAME} histogram\n`);
  const ping = (suffix: string, extra = ""): string => `${NAME}_${suffix}{${extra}service="inferd.v1.Diagnostics",method="Ping"}`;
  expect(text).toContain(`${ping("bucket", 'le="0.0005",')} 2\n`);
  expect(text).toContain(`${ping("bucket", 'le="0.001",')} 2\n`);
  expect(text).toContain(`${ping("bucket", 'le="0.01",')} 3\n`);
  expect(text).toContain(`${ping("bucket", 'le="+Inf",')} 3\n`);
  expect(text).toContain(`${ping("count")} 3\n`);
  expect(text).toMatch(new RegExp(`${NAME}_bucket\\{le="1",service="inferd\\.v1\\.Inference",method="Infer"\\} 1\\n`));
  expect(text).toMatch(new RegExp(`${NAME}_bucket\\{le="\\+Inf",service="inferd\\.v1\\.Inference",method="Infer"\\} 2\\n`));
  expect(text).toMatch(new RegExp(`${NAME}_sum\\{service="inferd\\.v1\\.Inference",method="Infer"\\} 400\\.7\\n`));
});

test("the JSON form carries the same values", async () => {
  const [metric] = await countedRegistry().getMetricsAsJSON();
  expect(metric).toMatchObject({ name: NAME, type: "histogram" });
  const count = (metric?.values as { metricName?: string; labels: Record<string, unknown>; value: number }[]).find(
    (v) => v.metricName === `${NAME}_count` && v.labels["method"] === "Infer",
  );
  expect(count?.value).toBe(2);
});
