import { createJobManager, jobNotFound, type JobManagerOptions } from "./job-manager";
import type { Job } from "./job";
import type { JobEngine, JobView } from "./job-engine";

/** A snapshot of an in-memory job. */
export function viewOf(job: Job): JobView {
  const resultUris: string[] = [];
  const indexes = [...job.images.keys()].sort((a, b) => a - b);
  for (const index of indexes) {
    const outcome = job.images.get(index);
    if (outcome?.ok) resultUris.push(outcome.resultUri);
  }
  return { spec: job.spec, current: job.current, startedAt: job.startedAt, endedAt: job.endedAt, resultUris };
}

/**
 * The embedded job engine: one process, jobs in memory, a journal on disk (see
 * {@link createJobManager}); the default, with no service to run beside inferd.
 */
export function createLocalJobEngine(options: JobManagerOptions): JobEngine {
  const manager = createJobManager(options);
  return {
    start: () => manager.start(),
    submit: async (request) => viewOf(await manager.submit(request)),
    get: async (jobId) => {
      const job = manager.find(jobId);
      return job ? viewOf(job) : undefined;
    },
    subscribe: async (jobId, listener) => {
      if (!manager.find(jobId)) throw jobNotFound(jobId);
      return manager.watch(jobId, listener);
    },
    cancel: (jobId) => manager.cancel(jobId),
    list: async (project, pageSize, pageToken) => manager.list(project, pageSize, pageToken),
    stop: () => manager.stop(),
  };
}
