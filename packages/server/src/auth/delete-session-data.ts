import { JobStage } from "@inferd/grpc-types/v1";
import type { FileStore } from "../files/file-store";
import type { JobEngine } from "../jobs/job-engine";

const ENDED = new Set([JobStage.DONE, JobStage.FAILED, JobStage.CANCELLED]);

/**
 * Removes an ended studio session's data: cancels its project's unfinished jobs (waiting until
 * each has stopped, so no result is written afterwards), then deletes every published file of
 * the project. Returns how many jobs were cancelled and files deleted.
 */
export async function deleteSessionData(store: FileStore, jobs: JobEngine | undefined, project: string): Promise<{ cancelledJobs: number; deletedFiles: number }> {
  let cancelledJobs = 0;
  if (jobs) {
    const running: string[] = [];
    let token = "";
    do {
      const page = await jobs.list(project, 1000, token);
      for (const job of page.jobs) if (!ENDED.has(job.stage)) running.push(job.jobId);
      token = page.nextPageToken;
    } while (token !== "");
    for (const id of running) {
      await jobs.cancel(id);
      cancelledJobs += 1;
    }
  }
  let deletedFiles = 0;
  for (;;) {
    const page = await store.list(project, "", 100, "");
    if (page.files.length === 0) return { cancelledJobs, deletedFiles };
    for (const file of page.files) {
      if ((await store.delete(project, file.path)).deleted) deletedFiles += 1;
    }
  }
}
