import {
  DataType,
  ModelInstanceGroup_Kind,
  ModelInput_Format,
  type ModelConfig,
  type ModelMetadataResponse,
  type RepositoryIndexResponse_ModelIndex,
} from "@inferd/grpc-types/inference";
import type { ModelStatus, ResolvedModel, VersionState } from "../../models/repository";
import type { TensorSignature } from "../../models/runtime";
import { datatypeOf } from "./infer";

/** The platform name Triton gives ONNX models run by onnxruntime. */
export const PLATFORM = "onnxruntime_onnx";

const CONFIG_TYPES: Readonly<Record<string, DataType>> = {
  BOOL: DataType.TYPE_BOOL,
  UINT8: DataType.TYPE_UINT8,
  UINT16: DataType.TYPE_UINT16,
  UINT32: DataType.TYPE_UINT32,
  UINT64: DataType.TYPE_UINT64,
  INT8: DataType.TYPE_INT8,
  INT16: DataType.TYPE_INT16,
  INT32: DataType.TYPE_INT32,
  INT64: DataType.TYPE_INT64,
  FP16: DataType.TYPE_FP16,
  FP32: DataType.TYPE_FP32,
  FP64: DataType.TYPE_FP64,
  BYTES: DataType.TYPE_STRING,
};

function tensorMetadata(t: TensorSignature): ModelMetadataResponse["inputs"][number] {
  return { name: t.name, datatype: datatypeOf(t), shape: t.shape.map(BigInt) };
}

/** ModelMetadata of a resolved version; `versions` lists the model's ready versions. */
export function modelMetadata(model: ResolvedModel, status: ModelStatus | undefined): ModelMetadataResponse {
  return {
    name: model.name,
    versions: (status?.versions ?? []).filter((v) => v.state === "ready").map((v) => v.version),
    platform: PLATFORM,
    inputs: model.session.inputs.map(tensorMetadata),
    outputs: model.session.outputs.map(tensorMetadata),
  };
}

/**
 * The Triton ModelConfig of a resolved version: max_batch_size, dynamic_batching and the
 * instance count as its config.json sets them. dims are the model's full shapes, batch
 * dimension (-1) included, unless max_batch_size > 0: then, as in Triton, they leave out the
 * batch dimension (ModelMetadata's shapes keep it).
 */
export function modelConfig(model: ResolvedModel): ModelConfig {
  const batched = model.config.serving.maxBatchSize > 0;
  const dims = (shape: readonly number[]): bigint[] => (batched ? shape.slice(1) : shape).map(BigInt);
  return {
    name: model.name,
    platform: PLATFORM,
    backend: "onnxruntime",
    versionPolicy: { policyChoice: { $case: "all", value: {} } },
    maxBatchSize: model.config.serving.maxBatchSize,
    input: model.session.inputs.map((t) => ({
      name: t.name,
      dataType: CONFIG_TYPES[datatypeOf(t)] ?? DataType.TYPE_INVALID,
      format: ModelInput_Format.NONE,
      dims: dims(t.shape),
      isShapeTensor: false,
      allowRaggedBatch: false,
      optional: false,
    })),
    output: model.session.outputs.map((t) => ({
      name: t.name,
      dataType: CONFIG_TYPES[datatypeOf(t)] ?? DataType.TYPE_INVALID,
      dims: dims(t.shape),
      labelFilename: "",
      isShapeTensor: false,
    })),
    instanceGroup: [{ name: `${model.name}_0`, count: model.config.serving.instanceCount, kind: ModelInstanceGroup_Kind.CPU }],
    ...(model.config.serving.dynamicBatching
      ? {
          schedulingChoice: {
            $case: "dynamicBatching" as const,
            value: {
              preferredBatchSize: [...model.config.serving.dynamicBatching.preferredBatchSizes],
              maxQueueDelayMicroseconds: BigInt(model.config.serving.dynamicBatching.maxQueueDelayMicroseconds),
              preserveOrdering: false,
            },
          },
        }
      : {}),
    defaultModelFilename: "model.onnx",
    parameters: {
      task: { stringValue: model.config.task },
      ...(model.config.description ? { description: { stringValue: model.config.description } } : {}),
    },
  };
}

const INDEX_STATE: Readonly<Record<VersionState, string>> = { loading: "LOADING", ready: "READY", failed: "UNAVAILABLE", unloaded: "UNAVAILABLE" };

/** RepositoryIndex entries: one per model version, with Triton's state names. */
export function repositoryIndex(models: readonly ModelStatus[], readyOnly: boolean): RepositoryIndexResponse_ModelIndex[] {
  return models.flatMap((model) =>
    model.versions
      .filter((v) => !readyOnly || v.state === "ready")
      .map((v) => ({ name: model.name, version: v.version, state: INDEX_STATE[v.state], reason: v.message })),
  );
}
