import { join } from "node:path";
import type { Metadata, ServerWritableStream } from "@grpc/grpc-js";
import {
  InferenceService,
  ModelState,
  Task,
  type InferenceServer,
  type InferRequest,
  type InferResponse,
  type ModelInfo,
  type RunRequest,
  type JobUpdate,
} from "@inferd/grpc-types/v1";
import { InferdError, invalidArgument, toServiceError } from "../errors";
import { parseFileUri } from "../files/uri";
import { assertProject } from "../files/validate";
import { createInferencePipeline, type InferencePipeline } from "../inference/pipeline";
import type { InferenceOptions } from "../inference/options";
import { resolveParameters } from "../inference/parameters";
import { createJobJournal } from "../jobs/journal";
import { isTerminal } from "../jobs/job";
import { createJobManager, type JobManager } from "../jobs/job-manager";
import type { ModelStatus } from "../models/repository";
import { createModelRepository, type ModelRepository } from "../models/repository";
import type { TaskName } from "../models/config";
import type { ServiceContext, ServiceModule } from "../service-module";

/** Most images one Run may name. */
export const MAX_RUN_IMAGES = 10_000;

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

/** Writes job updates to a stream until the job ends or the client goes away. */
function streamJob(jobs: JobManager, jobId: string, call: ServerWritableStream<unknown, { update?: JobUpdate }>): void {
  let ended = false;
  const detach = jobs.watch(jobId, (update) => {
    if (ended || call.cancelled) return;
    call.write({ update });
    if (isTerminal(update.stage)) {
      ended = true; // the job drops its listeners once it ends
      call.end();
    }
  });
  // A client that goes away detaches its listener; the job itself goes on.
  call.on("cancelled", detach);
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
  // Before the journal is replayed a job id could be wrongly NOT_FOUND: ask clients to retry.
  function requireJobs(): void {
    if (!jobsReady()) throw new InferdError("unavailable", "the server is still loading models and jobs; retry when health reports SERVING");
  }

  async function readImage(metadata: Metadata, request: InferRequest): Promise<Uint8Array> {
    const image = request.image;
    if (!image) throw invalidArgument("no image: set image_data (PNG, JPEG or WebP bytes) or image_uri");
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

  async function run(call: ServerWritableStream<RunRequest, unknown>): Promise<string> {
    requireJobs();
    const request = call.request;
    assertProject(request.project);
    context.auth.authorizeProject(call.metadata, request.project);
    requireModelName(request.model);
    const model = repository.resolve(request.model, request.version);
    const parameters = resolveParameters(request.parameters, model.config);
    const count = request.imageUris.length;
    if (count === 0 || count > MAX_RUN_IMAGES) {
      throw invalidArgument(`image_uris has ${count} entries; give 1 to ${MAX_RUN_IMAGES} (split larger sets into several jobs)`);
    }
    request.imageUris.forEach((uri, index) => {
      let project: string;
      try {
        project = parseFileUri(uri).project;
      } catch (error) {
        throw invalidArgument(`image_uris[${index}]: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (project !== request.project) {
        throw invalidArgument(`image_uris[${index}] is in project "${project}", not "${request.project}"; a job's images must all be in its project`);
      }
    });
    const job = await jobs.submit({ project: request.project, model: model.name, version: model.version, imageUris: [...request.imageUris], parameters });
    return job.spec.id;
  }

  function authorizedJob(metadata: Metadata, jobId: string): string {
    requireJobs();
    if (jobId === "") throw invalidArgument("job_id is empty; use the id from the first Run update");
    const job = jobs.get(jobId);
    context.auth.authorizeProject(metadata, job.spec.project);
    return jobId;
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

    run(call) {
      run(call).then(
        (jobId) => streamJob(jobs, jobId, call),
        (error: unknown) => call.emit("error", toServiceError(error)),
      );
    },

    watchJob(call) {
      try {
        streamJob(jobs, authorizedJob(call.metadata, call.request.jobId), call);
      } catch (error) {
        call.emit("error", toServiceError(error));
      }
    },

    cancelJob(call, callback) {
      Promise.resolve()
        .then(() => jobs.cancel(authorizedJob(call.metadata, call.request.jobId)))
        .then(
          (stage) => callback(null, { stage }),
          (error: unknown) => callback(toServiceError(error)),
        );
    },
  };
}

/** The model repository of the Inference service, as the server configures it. */
export function createInferenceRepository(context: ServiceContext, options: InferenceOptions = context.inference ?? {}): ModelRepository {
  return createModelRepository({
    dir: context.modelsDir,
    logger: context.logger,
    runtime: { intraOpThreads: options.modelThreads ?? 0 },
    // Mode explicit loads only what load calls ask for (Triton's meaning).
    startup: options.modelControlMode === "explicit" ? "none" : "all",
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
): ServiceModule {
  const pipeline = createInferencePipeline({ maxImagePixels: options.maxImagePixels });
  let started = false;
  const jobs = createJobManager({
    store: context.fileStore,
    repository,
    pipeline,
    journal: createJobJournal(join(context.dataDir, "jobs")),
    logger: context.logger,
    workers: options.jobWorkers,
    queueSize: options.jobQueueSize,
    maxImageBytes: context.maxMessageBytes,
  });
  return {
    name: "inferd.v1.Inference",
    definition: InferenceService,
    implementation: createInferenceService({ context, repository, pipeline, jobs, jobsReady: () => started }) as never,
    // Models first: jobs interrupted by a crash resume as soon as the journal is replayed.
    async start() {
      await repository.load();
      await jobs.start();
      started = true;
    },
    async stop() {
      await jobs.stop();
      await repository.close();
    },
  };
}
