import type { Command } from "commander";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import { isFinalStage, type JobStream } from "../../job-stream";
import { formatFileUri, isFileUri } from "../../uri";
import type { CommandContext, ContextFactory } from "../context";
import { CliExit, EXIT } from "../exit";
import { shortestFloat32 } from "../float32";
import { formatDuration } from "../format";
import { onInterrupt } from "../interrupt";
import { inferParameters } from "../../client";
import { addModelOptions, toInferOptions, type ModelOptionValues } from "../model-options";
import { requireFileUri } from "../parse";

/** The short name of a stage ("DONE"). */
function stageName(stage: JobStage): string {
  return JobStage[stage] ?? "UNSPECIFIED";
}

/** The --json (NDJSON) view of one update: the stage by name, the float progress without float noise. */
function updateJson(update: JobUpdate): unknown {
  return { ...update, stage: stageName(update.stage), progress: shortestFloat32(update.progress) };
}

function imageLine(update: JobUpdate): string | undefined {
  if (update.imageError !== "") return `failed  ${update.imageUri}: ${update.imageError}`;
  if (update.resultUri !== "") {
    return `done    ${update.imageUri}: ${update.resultCount} result(s) -> ${update.resultUri}${update.maskUri ? ` (mask ${update.maskUri})` : ""}`;
  }
  return undefined;
}

/**
 * Follows a job's updates to its end: a progress bar (or lines), a line per finished image,
 * NDJSON with --json. Ctrl-C detaches (the job goes on) and prints how to re-attach.
 */
async function followJob(context: CommandContext, stream: JobStream): Promise<void> {
  const progress = context.progress("job");
  let jobId: string | undefined;
  let detachRequested = false;
  const detach = (): void => {
    detachRequested = true;
    if (jobId !== undefined) stream.detach();
  };
  const removeInterrupt = onInterrupt(detach);
  let last: JobUpdate | undefined;
  try {
    for await (const update of stream) {
      if (jobId === undefined) {
        jobId = update.jobId;
        progress.log(`job ${jobId}: ${update.imageUri === "" && update.summary ? `${update.summary.imagesTotal} image(s)` : stageName(update.stage)}`);
        if (detachRequested) stream.detach();
      }
      last = update;
      if (context.options.json) context.printJsonLine(updateJson(update));
      const line = imageLine(update);
      if (line !== undefined) progress.log(line);
      const summary = update.summary;
      const finished = summary ? summary.imagesSucceeded + summary.imagesFailed : 0;
      progress.update(update.progress, 100, `${finished}/${summary?.imagesTotal ?? "?"} images  ${stageName(update.stage)}`);
    }
  } finally {
    progress.finish();
    removeInterrupt();
  }
  if (detachRequested && jobId !== undefined && (last === undefined || !isFinalStage(last.stage))) {
    throw new CliExit(
      EXIT.interrupted,
      `detached; job ${jobId} goes on.\n  re-attach: inferctl watch ${jobId}\n  cancel:    inferctl cancel ${jobId}`,
    );
  }
  if (last === undefined || !isFinalStage(last.stage)) {
    throw new CliExit(EXIT.failed, `the update stream ended before the job did${jobId ? `; re-attach with \`inferctl watch ${jobId}\`` : ""}`);
  }
  reportEnd(context, last);
}

function reportEnd(context: CommandContext, last: JobUpdate): void {
  const summary = last.summary ?? { imagesTotal: 0, imagesSucceeded: 0, imagesFailed: 0, elapsedMs: 0 };
  const counts = `${summary.imagesSucceeded} of ${summary.imagesTotal} image(s) succeeded, ${summary.imagesFailed} failed, in ${formatDuration(summary.elapsedMs)}`;
  if (last.stage === JobStage.FAILED) throw new CliExit(EXIT.failed, `job ${last.jobId} FAILED: ${last.message} (${counts})`);
  if (last.stage === JobStage.CANCELLED) throw new CliExit(EXIT.failed, `job ${last.jobId} was CANCELLED (${counts})`);
  if (!context.options.json) context.print(`job ${last.jobId} DONE: ${counts}`);
  if (summary.imagesFailed > 0) throw new CliExit(EXIT.failed, `${summary.imagesFailed} image(s) failed; see the lines above`);
}

function registerRun(program: Command, contextFor: ContextFactory): void {
  addModelOptions(
    program
      .command("run")
      .description("run a model over stored images as a job and follow its progress (Ctrl-C detaches)")
      .argument("<images...>", 'stored images: inferd://<project>/<path>, or paths in the project such as "images/a.png"')
      .requiredOption("-p, --project <project>", "the project the images are in; results are written there"),
    "keep at most n results per image",
  )
    .option("--mask", "store a mask PNG per image (text detection, segmentation)", false)
    .option("--detach", "print the job id and return at once instead of following the job", false)
    .action(
      async (
        images: string[],
        options: ModelOptionValues & { project: string; mask: boolean; detach: boolean },
        command: Command,
      ) => {
        const imageUris = images.map((image) => (isFileUri(image) ? (requireFileUri(command, image), image) : formatFileUri(options.project, image)));
        const context = contextFor(command);
        const stream = context.client().run({
          project: options.project,
          model: options.model,
          version: options.modelVersion ?? "",
          imageUris,
          parameters: inferParameters(toInferOptions(options, options.mask)),
        });
        if (options.detach) {
          const jobId = await stream.jobId;
          stream.detach();
          if (context.options.json) context.printJson({ jobId });
          else context.print(jobId);
          context.note(`follow it with: inferctl watch ${jobId}`);
          return;
        }
        await followJob(context, stream);
      },
    );
}

/** Registers `run`, `watch` and `cancel`. */
export function registerJobCommands(program: Command, contextFor: ContextFactory): void {
  registerRun(program, contextFor);
  program
    .command("watch")
    .description("re-attach to a job: its current state, then its progress until it ends")
    .argument("<job-id>", "the job id that `inferctl run` printed")
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      await followJob(context, context.client().watchJob(jobId));
    });
  program
    .command("cancel")
    .description("cancel a job; it stops between two images")
    .argument("<job-id>", "the job id")
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      const stage = await context.client().cancelJob(jobId);
      if (context.options.json) context.printJson({ jobId, stage: stageName(stage) });
      else context.print(`job ${jobId}: ${stageName(stage)}`);
    });
}
