import type { Metadata, ServerWritableStream } from "@grpc/grpc-js";
import type { InferenceServer, JobUpdate, RunRequest } from "@inferd/grpc-types/v1";
import { InferdError, invalidArgument, toServiceError } from "../errors";
import { parseFileUri } from "../files/uri";
import { assertProject } from "../files/validate";
import { resolveParameters } from "../inference/parameters";
import { isTerminal } from "../jobs/job";
import type { JobEngine } from "../jobs/job-engine";
import { jobNotFound } from "../jobs/job-manager";
import type { ModelRepository } from "../models/repository";
import type { ServiceContext } from "../service-module";
import { quote } from "../quote";

/** Most images one Run may name. */
export const MAX_RUN_IMAGES = 10_000;

/** The Inference service's job RPCs (Run, WatchJob, CancelJob, ListJobs). */
export type JobHandlers = Pick<InferenceServer, "run" | "watchJob" | "cancelJob" | "listJobs">;

/** What {@link createJobHandlers} works with. */
export interface JobHandlersDeps {
  readonly context: ServiceContext;
  readonly repository: ModelRepository;
  readonly jobs: JobEngine;
  /** False until the job journal is replayed: job calls answer UNAVAILABLE meanwhile. */
  readonly jobsReady: () => boolean;
}

function requireModelName(model: string): void {
  if (model === "") throw invalidArgument("model is empty; name a model from ListModels");
}

/** Writes job updates to a stream until the job ends or the client goes away. */
async function streamJob(jobs: JobEngine, jobId: string, call: ServerWritableStream<unknown, { update?: JobUpdate }>): Promise<void> {
  let ended = false;
  const detach = await jobs.subscribe(jobId, (update) => {
    if (ended || call.cancelled) return;
    call.write({ update });
    if (isTerminal(update.stage)) {
      ended = true; // the engine drops its listeners once the job ends
      call.end();
    }
  });
  // A client that goes away detaches its listener; the job itself goes on.
  if (call.cancelled) detach();
  else call.on("cancelled", detach);
}

/**
 * The job handlers of the Inference service, kept apart from Infer/ListModels so the two
 * concerns can change independently.
 */
export function createJobHandlers({ context, repository, jobs, jobsReady }: JobHandlersDeps): JobHandlers {
  // Before the journal is replayed a job id could be wrongly NOT_FOUND: ask clients to retry.
  function requireJobs(): void {
    if (!jobsReady()) throw new InferdError("unavailable", "the server is still loading models and jobs; retry when health reports SERVING");
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
        throw invalidArgument(`image_uris[${index}] is in project ${quote(project)}, not ${quote(request.project)}; a job's images must all be in its project`);
      }
    });
    const job = await jobs.submit({ project: request.project, model: model.name, version: model.version, imageUris: [...request.imageUris], parameters });
    return job.spec.id;
  }

  /**
   * The job id, once the caller may see the job. A missing or bad token is UNAUTHENTICATED
   * whether or not the job exists; a job of a project the token does not grant answers the
   * same NOT_FOUND as an unknown id, so ids cannot be probed across projects.
   */
  async function authorizedJob(metadata: Metadata, jobId: string): Promise<string> {
    requireJobs();
    if (jobId === "") throw invalidArgument("job_id is empty; use the id from the first Run update");
    const principal = context.auth.authenticate(metadata);
    const job = await jobs.get(jobId);
    if (!job || !principal.mayUse(job.spec.project)) throw jobNotFound(jobId);
    return jobId;
  }

  return {
    run(call) {
      run(call)
        .then((jobId) => streamJob(jobs, jobId, call))
        .catch((error: unknown) => call.emit("error", toServiceError(error)));
    },

    watchJob(call) {
      Promise.resolve()
        .then(() => authorizedJob(call.metadata, call.request.jobId))
        .then((jobId) => streamJob(jobs, jobId, call))
        .catch((error: unknown) => call.emit("error", toServiceError(error)));
    },

    cancelJob(call, callback) {
      Promise.resolve()
        .then(() => authorizedJob(call.metadata, call.request.jobId))
        .then((jobId) => jobs.cancel(jobId))
        .then(
          (stage) => callback(null, { stage }),
          (error: unknown) => callback(toServiceError(error)),
        );
    },

    listJobs(call, callback) {
      Promise.resolve()
        .then(() => {
          requireJobs();
          const { project, pageSize, pageToken } = call.request;
          assertProject(project);
          context.auth.authorizeProject(call.metadata, project);
          return jobs.list(project, pageSize, pageToken);
        })
        .then(
          (page) => callback(null, page),
          (error: unknown) => callback(toServiceError(error)),
        );
    },
  };
}
