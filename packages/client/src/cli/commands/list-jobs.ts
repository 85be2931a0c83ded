import type { Command } from "commander";
import { JobStage, type JobInfo } from "@inferd/grpc-types/v1";
import type { ContextFactory } from "../context";
import { formatDuration, formatTable } from "../format";
import { parsePositiveInt } from "../parse";

/** Jobs `inferctl jobs` shows without --limit or --all. */
export const DEFAULT_JOBS_LIMIT = 20;

const time = (date: Date | undefined): string => date?.toISOString().replace(/\.\d+Z$/, "Z") ?? "";

/** The --json view of one job: stage by name, times as RFC 3339. */
function jobJson(job: JobInfo): unknown {
  return { ...job, stage: JobStage[job.stage] ?? "UNSPECIFIED" };
}

function row(job: JobInfo): string[] {
  const summary = job.summary ?? { imagesTotal: 0, imagesSucceeded: 0, imagesFailed: 0, elapsedMs: 0 };
  return [
    job.jobId,
    JobStage[job.stage] ?? "UNSPECIFIED",
    `${summary.imagesSucceeded}/${summary.imagesTotal}`,
    String(summary.imagesFailed),
    `${job.model} v${job.version}`,
    time(job.createdTime),
    job.endedTime ? formatDuration(summary.elapsedMs) : "",
  ];
}

/**
 * Registers `jobs`: a project's jobs, newest first (ListJobs), so a lost job id is found again.
 * It follows the server's pages up to --limit (or all of them with --all).
 */
export function registerListJobsCommand(program: Command, contextFor: ContextFactory): void {
  program
    .command("jobs")
    .description("list a project's jobs, newest first, with stage, image counts and times")
    .requiredOption("-p, --project <project>", "the project")
    .option("--limit <n>", `show at most n jobs (default ${DEFAULT_JOBS_LIMIT})`, parsePositiveInt)
    .option("--all", "show every job the server still keeps (see the server's --job-retention)", false)
    .action(async (options: { project: string; limit?: number; all: boolean }, command: Command) => {
      const context = contextFor(command);
      const limit = options.all ? Infinity : (options.limit ?? DEFAULT_JOBS_LIMIT);
      const jobs: JobInfo[] = [];
      let pageToken = "";
      do {
        const pageSize = Math.min(1000, limit - jobs.length);
        const page = await context.client().listJobs({ project: options.project, pageSize, pageToken });
        jobs.push(...page.jobs);
        pageToken = page.nextPageToken;
      } while (pageToken !== "" && jobs.length < limit);
      const more = pageToken !== "";
      if (context.options.json) {
        context.printJson({ jobs: jobs.map(jobJson), more });
        return;
      }
      if (jobs.length === 0) {
        context.note(`no jobs in project ${options.project}`);
        return;
      }
      context.print(
        formatTable(
          [
            { header: "job id" },
            { header: "stage" },
            { header: "ok/total", align: "right" },
            { header: "failed", align: "right" },
            { header: "model" },
            { header: "created" },
            { header: "took", align: "right" },
          ],
          jobs.map(row),
        ),
      );
      if (more) context.note(`showing the newest ${jobs.length}; --limit <n> or --all shows more`);
    });
}
