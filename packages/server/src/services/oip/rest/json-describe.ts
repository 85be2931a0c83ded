/** JSON forms (Triton's snake_case names, numbers for 64-bit values) of config and statistics. */
import {
  dataTypeToJSON,
  modelInput_FormatToJSON,
  modelInstanceGroup_KindToJSON,
  type ModelConfig,
  type ModelStatistics,
  type StatisticDuration,
} from "@inferd/grpc-types/inference";

/** ModelConfig as the REST config endpoint returns it. */
export function configToJson(c: ModelConfig): Record<string, unknown> {
  return {
    name: c.name,
    platform: c.platform,
    backend: c.backend,
    version_policy: { all: {} },
    max_batch_size: c.maxBatchSize,
    input: c.input.map((i) => ({
      name: i.name,
      data_type: dataTypeToJSON(i.dataType),
      format: modelInput_FormatToJSON(i.format),
      dims: i.dims.map(Number),
      is_shape_tensor: i.isShapeTensor,
      allow_ragged_batch: i.allowRaggedBatch,
      optional: i.optional,
    })),
    output: c.output.map((o) => ({
      name: o.name,
      data_type: dataTypeToJSON(o.dataType),
      dims: o.dims.map(Number),
      label_filename: o.labelFilename,
      is_shape_tensor: o.isShapeTensor,
    })),
    instance_group: c.instanceGroup.map((g) => ({ name: g.name, count: g.count, kind: modelInstanceGroup_KindToJSON(g.kind) })),
    ...(c.schedulingChoice?.$case === "dynamicBatching"
      ? {
          dynamic_batching: {
            preferred_batch_size: c.schedulingChoice.value.preferredBatchSize,
            max_queue_delay_microseconds: Number(c.schedulingChoice.value.maxQueueDelayMicroseconds),
          },
        }
      : {}),
    default_model_filename: c.defaultModelFilename,
    parameters: Object.fromEntries(Object.entries(c.parameters).map(([key, p]) => [key, { string_value: p.stringValue }])),
  };
}

const duration = (d: StatisticDuration | undefined) => ({ count: Number(d?.count ?? 0n), ns: Number(d?.ns ?? 0n) });

/** ModelStatistics as the REST stats endpoint returns it. */
export function statisticsToJson(s: ModelStatistics): Record<string, unknown> {
  const stats = s.inferenceStats;
  return {
    name: s.name,
    version: s.version,
    last_inference: Number(s.lastInference),
    inference_count: Number(s.inferenceCount),
    execution_count: Number(s.executionCount),
    inference_stats: {
      success: duration(stats?.success),
      fail: duration(stats?.fail),
      queue: duration(stats?.queue),
      compute_input: duration(stats?.computeInput),
      compute_infer: duration(stats?.computeInfer),
      compute_output: duration(stats?.computeOutput),
      cache_hit: duration(stats?.cacheHit),
      cache_miss: duration(stats?.cacheMiss),
    },
    batch_stats: s.batchStats.map((b) => ({
      batch_size: Number(b.batchSize),
      compute_input: duration(b.computeInput),
      compute_infer: duration(b.computeInfer),
      compute_output: duration(b.computeOutput),
    })),
  };
}
