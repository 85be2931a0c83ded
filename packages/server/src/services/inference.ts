import { join } from "node:path";
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
import { createInferencePipeline, type InferencePipeline } from "../inference/pipeline";
import type { InferenceOptions } from "../inference/options";
import { resolveParameters } from "../inference/parameters";
import { createJobJournal } from "../jobs/journal";
import { createJobManager, type JobManager } from "../jobs/job-manager";
import type { ModelStatus } from "../models/repository";
import { createModelRepository, type ModelRepository } from "../models/repository";
import type { TaskName } from "../models/config";
import type { ServiceContext, ServiceModule } from "../service-module";
import { createJobHandlers } from "./jobs-handlers";

const TASK_ENUM: Readonly<Record<TaskName, Task>> = {
  "text-detection": Task.TEXT_DETECTION,
  detection: Task.DETECTION,
  segmentation: Task.SEGMENTATION,
  classification: Task.CLASSIFICATION,
};

const STATE_ENUM = { loading: ModelState.LOADING, ready: ModelState.READY, failed: ModelState.FAILED } as const;

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
  readonly jobs: JobManager;
  /** False until the job journal is replayed: job calls answer UNAVAILABLE meanwhile. */
  readonly jobsReady: () => boolean;
}

/** The Inference service's handlers. */
export function createInferenceService({ context, repository, pipeline, jobs, jobsReady }: InferenceServiceDeps): InferenceServer {
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
    if (!stat) throw new InferdError("not-found", `${image.value} does not exist; upload it first`);
    if (stat.size > BigInt(context.maxMessageBytes)) {
      throw new InferdError("resource-exhausted", `${image.value} is ${stat.size} bytes; images may be at most ${context.maxMessageBytes}`);
    }
    return context.fileStore.readFile(project, path);
  }

  async function infer(metadata: Metadata, request: InferRequest): Promise<InferResponse> {
    const started = performance.now();
    requireModelName(request.model);
    const model = repository.resolve(request.model, request.version);
    const parameters = resolveParameters(request.parameters, model.config);
    const bytes = await readImage(metadata, request);
    const outcome = await pipeline.infer(model, bytes, parameters);
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
      infer(call.metadata, call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
    },
    ...createJobHandlers({ context, repository, jobs, jobsReady }),
  };
}

/** The model repository of the Inference service, as the server configures it. */
export function createInferenceRepository(context: ServiceContext, options: InferenceOptions = context.inference ?? {}): ModelRepository {
  return createModelRepository({
    dir: context.modelsDir,
    logger: context.logger,
    runtime: { intraOpThreads: options.modelThreads ?? 0 },
  });
}

/**
 * The Inference service module: loads the model repository and replays the job journal at
 * start-up (health turns SERVING after both), and on shutdown lets running jobs finish their
 * current image (the rest resumes after a restart) and releases the models.
 */
export function createInferenceModule(
  context: ServiceContext,
  options: InferenceOptions = context.inference ?? {},
  // Given when other protocol modules (OIP) serve the same models: see createServiceModules.
  repository: ModelRepository = createInferenceRepository(context, options),
): ServiceModule & { readonly sharedJobs: { readonly jobs: JobManager; ready(): boolean; whenReady(): Promise<void> } } {
  const pipeline = createInferencePipeline({ maxImagePixels: options.maxImagePixels });
  let started = false;
  let markStarted!: () => void;
  const whenStarted = new Promise<void>((resolve) => (markStarted = resolve));
  const jobs = createJobManager({
    store: context.fileStore,
    repository,
    pipeline,
    journal: createJobJournal(join(context.dataDir, "jobs")),
    logger: context.logger,
    workers: options.jobWorkers,
    queueSize: options.jobQueueSize,
    retentionMs: options.jobRetentionMs,
    maxImageBytes: context.maxMessageBytes,
  });
  return {
    name: "inferd.v1.Inference",
    definition: InferenceService,
    implementation: createInferenceService({ context, repository, pipeline, jobs, jobsReady: () => started }) as never,
    // Other protocols (inferd.avro.Pipeline) submit to and watch this job manager: one per server.
    sharedJobs: { jobs, ready: () => started, whenReady: () => whenStarted },
    // Models first: jobs interrupted by a crash resume as soon as the journal is replayed.
    async start() {
      await repository.load();
      await jobs.start();
      started = true;
      markStarted();
    },
    async stop() {
      await jobs.stop();
      await repository.close();
    },
  };
}
