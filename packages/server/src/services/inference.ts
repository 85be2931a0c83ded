import type { Metadata } from "@grpc/grpc-js";
import {
  InferenceService,
  ModelState,
  Task,
  type InferenceServer,
  type InferRequest,
  type InferResponse,
  type ModelInfo,
} from "@inferd/grpc-types/v1";
import { InferdError, invalidArgument, toServiceError } from "../errors";
import { parseFileUri } from "../files/uri";
import { implementService } from "../implement-service";
import type { Admission } from "../inference/admission";
import type { InferencePipeline } from "../inference/pipeline";
import type { JobEngine } from "../jobs/job-engine";
import type { ModelRepository, ModelStatus } from "../models/repository";
import { createCallContext, type CallContext } from "../lifecycle/call-context";
import { resolveParameters } from "../inference/parameters";
import type { TaskName } from "../models/config";
import type { ServiceContext, ServiceModule } from "../service-module";
import { createJobHandlers } from "./jobs-handlers";
import { quote } from "../quote";

const TASK_ENUM: Readonly<Record<TaskName, Task>> = {
  "text-detection": Task.TEXT_DETECTION,
  detection: Task.DETECTION,
  segmentation: Task.SEGMENTATION,
  classification: Task.CLASSIFICATION,
};

// inferd.v1 has no "unloaded" state (its proto is frozen): an unloaded version is not serving,
// and its message says it was unloaded and how to load it.
const STATE_ENUM = { loading: ModelState.LOADING, ready: ModelState.READY, failed: ModelState.FAILED, unloaded: ModelState.FAILED } as const;

function modelInfo(status: ModelStatus): ModelInfo {
  const tensors = (list: ModelStatus["inputs"]) => list.map((t) => ({ name: t.name, dataType: t.dataType, shape: t.shape.map(BigInt) }));
  return {
    name: status.name,
    versions: status.versions.map((v) => ({ version: v.version, state: STATE_ENUM[v.state], message: v.message })),
    // Tensor models (no image task) have no inferd.v1 task; they are served over OIP.
    task: status.config && status.config.task !== "tensor" ? TASK_ENUM[status.config.task] : Task.UNSPECIFIED,
    inputs: tensors(status.inputs),
    outputs: tensors(status.outputs),
    labels: [...(status.config?.labels ?? [])],
    ready: status.versions.some((v) => v.state === "ready"),
    description: status.config?.description ?? "",
    defaultConfidenceThreshold: status.config?.defaults.confidenceThreshold ?? 0,
  };
}

function requireModelName(model: string): void {
  if (model === "") throw invalidArgument("model is empty; name a model from ListModels");
}

/** What {@link createInferenceService} works with. */
export interface InferenceServiceDeps {
  readonly context: ServiceContext;
  readonly repository: ModelRepository;
  readonly pipeline: InferencePipeline;
  /** Per-model-version bounds on Infer calls running and waiting. */
  readonly admission: Admission;
  readonly jobs: JobEngine;
  /** False until the job journal is replayed: job calls answer UNAVAILABLE meanwhile. */
  readonly jobsReady: () => boolean;
}

/** The Inference service's handlers. */
export function createInferenceService({ context, repository, pipeline, admission, jobs, jobsReady }: InferenceServiceDeps): InferenceServer {
  async function readImage(metadata: Metadata, request: InferRequest): Promise<Uint8Array> {
    const image = request.image;
    if (!image) {
      // The oneof is the usual first stumble of TypeScript callers (`imageData: bytes` is ignored).
      throw invalidArgument(
        'no image: set the oneof image to image_data (PNG, JPEG or WebP bytes) or image_uri; with the TypeScript stubs, ' +
          'image: { $case: "imageData", value: bytes } or image: { $case: "imageUri", value: "inferd://project/path" }',
      );
    }
    if (image.$case === "imageData") return image.value;
    const { project, path } = parseFileUri(image.value);
    context.auth.authorizeProject(metadata, project);
    const stat = await context.fileStore.stat(project, path);
    if (!stat) throw new InferdError("not-found", `${quote(image.value)} does not exist; upload it first`);
    if (stat.size > BigInt(context.maxMessageBytes)) {
      throw new InferdError("resource-exhausted", `${quote(image.value)} is ${stat.size} bytes; images may be at most ${context.maxMessageBytes}`);
    }
    return context.fileStore.readFile(project, path);
  }

  /**
   * One Infer: admitted per model version (bounded running + waiting; a call cancelled or past
   * its deadline while waiting never runs), then read, checked against the decode budget,
   * decoded and run, stopping at each step once the call is over.
   */
  async function infer(call: CallContext, request: InferRequest): Promise<InferResponse> {
    const started = performance.now();
    requireModelName(request.model);
    const model = repository.resolve(request.model, request.version);
    const parameters = resolveParameters(request.parameters, model.config);
    const release = await admission.admit(`${model.name}\u0000${model.version}`, call.signal);
    let outcome;
    try {
      const bytes = await readImage(call.metadata, request);
      call.throwIfDone();
      outcome = await pipeline.infer(model, bytes, parameters, undefined, call.signal);
    } finally {
      release();
    }
    return {
      model: outcome.model,
      version: outcome.version,
      results: outcome.results.map((r) => ({ box: r.box, label: r.label, classId: r.classId, confidence: r.confidence, color: r.color })),
      maskPng: outcome.maskPng ?? Buffer.alloc(0),
      imageWidth: outcome.imageWidth,
      imageHeight: outcome.imageHeight,
      timings: { ...outcome.timings, totalMs: performance.now() - started },
    };
  }

  return {
    listModels(_call, callback) {
      callback(null, { models: repository.list().map(modelInfo) });
    },

    infer(call, callback) {
      const callContext = createCallContext(call);
      infer(callContext, call.request)
        .then(
          (response) => callback(null, response),
          (error: unknown) => callback(toServiceError(error)),
        )
        .finally(() => callContext.dispose());
    },
    ...createJobHandlers({ context, repository, jobs, jobsReady }),
  };
}

/**
 * The Inference service module (inferd.v1.Inference) over the server's engine: Infer and
 * ListModels on its model registry, Run/WatchJob/CancelJob/ListJobs on its job manager. It
 * builds nothing itself; it reports SERVING once the engine loaded the models and replayed the
 * job journal (the server starts and stops the engine).
 */
export function createInferenceModule(context: ServiceContext): ServiceModule {
  const { engine } = context;
  return {
    name: "inferd.v1.Inference",
    ...implementService(
      InferenceService,
      createInferenceService({
        context,
        repository: engine.models,
        pipeline: engine.inference.pipeline,
        admission: engine.inference.admission,
        jobs: engine.jobs,
        jobsReady: () => engine.ready(),
      }),
    ),
    start: () => engine.whenReady(),
  };
}
