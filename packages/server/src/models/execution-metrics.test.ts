import { Registry } from "prom-client";
import { createExecutionStatistics } from "./batch-stats";
import { registerExecutionMetrics } from "./execution-metrics";

test("Prometheus reports inference vs execution counts, queue time and the average batch size per version", async () => {
  const statistics = createExecutionStatistics();
  const registry = new Registry();
  registerExecutionMetrics(registry, statistics);
  const recorder = statistics.recorder("cls", "2");
  recorder.executed({ batchSize: 4, requests: 3, computeNs: 1_000n, ok: true });
  recorder.executed({ batchSize: 1, requests: 1, computeNs: 500n, ok: true });
  recorder.executed({ batchSize: 8, requests: 8, computeNs: 500n, ok: false }); // a failed execution counts nowhere
  recorder.dequeued(2_000_000_000n);
  const metric = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values.map((v) => [v.labels, v.value]);
  expect(await metric("inferd_model_inference_count_total")).toEqual([[{ model: "cls", version: "2" }, 5]]);
  expect(await metric("inferd_model_execution_count_total")).toEqual([[{ model: "cls", version: "2" }, 2]]);
  expect(await metric("inferd_model_average_batch_size")).toEqual([[{ model: "cls", version: "2" }, 2.5]]);
  expect(await metric("inferd_model_queue_duration_seconds_total")).toEqual([[{ model: "cls", version: "2" }, 2]]);
  expect(statistics.get("cls", "2").batchStats).toEqual([
    { batchSize: 1, computeInfer: { count: 1n, ns: 500n } },
    { batchSize: 4, computeInfer: { count: 1n, ns: 1_000n } },
  ]);
  expect(statistics.get("other", "1").executionCount).toBe(0n);
});
