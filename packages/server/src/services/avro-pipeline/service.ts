import type { Metadata, ServerWritableStream } from "@grpc/grpc-js";
import type { InferParameters, InitRequest, JobStatus, PipelineServer } from "@inferd/grpc-types/avro";
import { JobStage, type InferParameters as ProtoInferParameters } from "@inferd/grpc-types/v1";
import { InferdError, invalidArgument, toServiceError } from "../../errors";
import { parseFileUri } from "../../files/uri";
import { assertProject } from "../../files/validate";
import { resolveParameters } from "../../inference/parameters";
import { isTerminal } from "../../jobs/job";
import type { JobEngine, JobView } from "../../jobs/job-engine";
import { jobNotFound } from "../../jobs/job-manager";
import type { ModelRepository } from "../../models/repository";
import type { ServiceContext } from "../../service-module";
import { MAX_RUN_IMAGES } from "../jobs-handlers";
import { pendingStatus, toJobStatus } from "./job-status";

/** What {@link createAvroPipelineService} works with: the Inference module's job manager, not a second one. */
export interface AvroPipelineDeps {
  readonly context: ServiceContext;
  readonly repository: ModelRepository;
  readonly jobs: JobEngine;
  /** False until the job journal is replayed: calls answer UNAVAILABLE meanwhile. */
  readonly jobsReady: () => boolean;
}

function protoParameters(parameters: InferParameters | undefined): ProtoInferParameters {
  // Avro ints are signed, inferd.v1's max_results is a uint32: a negative count is no limit to honour.
  const maxResults = parameters?.maxResults;
  if (typeof maxResults === "number" && maxResults < 0) throw invalidArgument(`parameters.maxResults is ${maxResults}; give 0 (no limit) or a positive count`);
  return {
    confidenceThreshold: parameters?.confidenceThreshold ?? undefined,
    iouThreshold: parameters?.iouThreshold ?? undefined,
    maxResults: parameters?.maxResults ?? undefined,
    returnMask: parameters?.returnMask ?? false,
  };
}

/**
 * Streams a job's statuses from its next update until it ends or the client goes away.
 * Event-driven (a listener on the job), so a watcher holds no thread. Result URIs are kept
 * from the snapshot plus each later update that stored a result.
 */
async function follow(job: JobView, jobs: JobEngine, call: ServerWritableStream<unknown, JobStatus>, skipFirst: boolean): Promise<void> {
  let skip = skipFirst;
  let ended = false;
  const results = new Map<number, string>();
  const known = new Set(job.resultUris);
  const detach = await jobs.subscribe(job.spec.id, (update) => {
    if (ended || call.cancelled) return;
    if (update.resultUri !== "" && !known.has(update.resultUri)) results.set(update.imageIndex, update.resultUri);
    // subscribe() starts with the current update; Init already sent PENDING for a still-queued job.
    const repeat = skip && update.stage === JobStage.QUEUED;
    skip = false;
    if (repeat) return;
    const later = [...results.entries()].sort((a, b) => a[0] - b[0]).map(([, uri]) => uri);
    call.write(toJobStatus(job, update, [...job.resultUris, ...later]));
    if (isTerminal(update.stage)) {
      ended = true;
      call.end();
    }
  });
  if (call.cancelled) detach();
  else call.on("cancelled", detach);
}

/** The handlers of inferd.avro.Pipeline over the server's job manager. */
export function createAvroPipelineService({ context, repository, jobs, jobsReady }: AvroPipelineDeps): PipelineServer {
  function requireJobs(): void {
    if (!jobsReady()) throw new InferdError("unavailable", "the server is still loading models and jobs; retry when health reports SERVING");
  }

  async function submit(metadata: Metadata, request: InitRequest): Promise<JobView> {
    requireJobs();
    assertProject(request.project);
    context.auth.authorizeProject(metadata, request.project);
    if (request.model === "") throw invalidArgument("model is empty; name a model from ListModels");
    const model = repository.resolve(request.model, request.version ?? "");
    const parameters = resolveParameters(protoParameters(request.parameters), model.config);
    const count = request.imageUris.length;
    if (count === 0 || count > MAX_RUN_IMAGES) {
      throw invalidArgument(`imageUris has ${count} entries; give 1 to ${MAX_RUN_IMAGES} (split larger sets into several jobs)`);
    }
    request.imageUris.forEach((uri, index) => {
      let project: string;
      try {
        project = parseFileUri(uri).project;
      } catch (error) {
        throw invalidArgument(`imageUris[${index}]: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (project !== request.project) {
        throw invalidArgument(`imageUris[${index}] is in project "${project}", not "${request.project}"; a job's images must all be in its project`);
      }
    });
    return jobs.submit({ project: request.project, model: model.name, version: model.version, imageUris: [...request.imageUris], parameters });
  }

  /** The job, once the caller may see it: unknown and not-yours are the same NOT_FOUND. */
  async function authorizedJob(metadata: Metadata, jobId: string): Promise<JobView> {
    requireJobs();
    if (jobId === "") throw invalidArgument("jobId is empty; use the id from the first Init message");
    const principal = context.auth.authenticate(metadata);
    const job = await jobs.get(jobId);
    if (!job || !principal.mayUse(job.spec.project)) throw jobNotFound(jobId);
    return job;
  }

  return {
    init(call) {
      submit(call.metadata, call.request)
        .then(async (job) => {
          if (call.cancelled) return;
          call.write(pendingStatus(job));
          if (call.request.persistence === true) await follow(job, jobs, call, true);
          else call.end();
        })
        .catch((error: unknown) => call.emit("error", toServiceError(error)));
    },

    monitor(call) {
      authorizedJob(call.metadata, call.request.jobId)
        .then(async (job) => {
          if (call.request.follow === true) {
            await follow(job, jobs, call, false);
          } else {
            call.write(toJobStatus(job, job.current));
            call.end();
          }
        })
        .catch((error: unknown) => call.emit("error", toServiceError(error)));
    },

    cancel(call, callback) {
      Promise.resolve()
        .then(async () => {
          const job = await authorizedJob(call.metadata, call.request.jobId);
          await jobs.cancel(job.spec.id);
          const ended = (await jobs.get(job.spec.id)) ?? job;
          return toJobStatus(ended, ended.current);
        })
        .then(
          (status) => callback(null, status),
          (error: unknown) => callback(toServiceError(error)),
        );
    },
  };
}
