import type { Command } from "commander";
import type { JobStatus } from "@inferd/grpc-types/avro";
import { createPipelineClient, type AvroPipelineClient } from "../../pipeline/pipeline-client";
import { formatFileUri, isFileUri } from "../../uri";
import type { CommandContext, ContextFactory } from "../context";
import { CliExit, EXIT } from "../exit";
import { addModelOptions, type ModelOptionValues } from "../model-options";
import { requireFileUri } from "../parse";

const FINAL = new Set(["SUCCESS", "ERROR", "CANCELLED"]);

/** The pipeline client of a command, with the global connection options; closed with the command. */
async function withPipeline<T>(context: CommandContext, use: (client: AvroPipelineClient) => Promise<T>): Promise<T> {
  const { address, token, tls, ca, timeout } = context.options;
  const client = createPipelineClient({
    address,
    deadlineMs: timeout,
    ...(token ? { token } : {}),
    ...(tls || ca ? { tls: ca ? { ca } : true } : {}),
  });
  try {
    return await use(client);
  } finally {
    client.close();
  }
}

function statusLine(status: JobStatus): string {
  const counts = `${status.imagesDone}/${status.imagesTotal} images${status.imagesFailed > 0 ? ` (${status.imagesFailed} failed)` : ""}`;
  const message = status.message === "" ? "" : `: ${status.message}`;
  return `job ${status.jobId} ${status.state} ${Math.round(status.progress)}% ${counts}${message}`;
}

/** Prints every status (a line, or NDJSON with --json); a job that ends ERROR or CANCELLED exits 1. */
async function printStatuses(context: CommandContext, statuses: AsyncIterable<JobStatus>): Promise<void> {
  let last: JobStatus | undefined;
  for await (const status of statuses) {
    last = status;
    if (context.options.json) context.printJsonLine(status);
    else context.print(statusLine(status));
  }
  if (last && !context.options.json && last.state === "SUCCESS") for (const uri of last.resultUris) context.print(`  ${uri}`);
  if (last && FINAL.has(last.state) && last.state !== "SUCCESS") throw new CliExit(EXIT.failed, `job ${last.jobId} ended ${last.state}`);
}

/** `inferctl pipeline init|monitor|cancel`: jobs over the Avro-encoded inferd.avro.Pipeline service. */
export function registerPipelineCommands(program: Command, contextFor: ContextFactory): void {
  const pipeline = program.command("pipeline").description("jobs over the Avro-encoded inferd.avro.Pipeline service (init, monitor, cancel)");

  addModelOptions(
    pipeline
      .command("init")
      .description("submit a job over stored images; follows it to its end unless --detach")
      .argument("<images...>", 'stored images: inferd://<project>/<path>, or paths in the project such as "images/a.png"')
      .requiredOption("-p, --project <project>", "the project the images are in; results are written there"),
    "keep at most n results per image",
  )
    .option("--mask", "store a mask PNG per image (text detection, segmentation)", false)
    .option("--detach", "print the PENDING status with the job id and return (persistence off)", false)
    .action(async (images: string[], options: ModelOptionValues & { project: string; mask: boolean; detach: boolean }, command: Command) => {
      const imageUris = images.map((image) => (isFileUri(image) ? (requireFileUri(command, image), image) : formatFileUri(options.project, image)));
      const context = contextFor(command);
      await withPipeline(context, (client) =>
        printStatuses(
          context,
          client.init(
            {
              project: options.project,
              model: options.model,
              version: options.modelVersion ?? "",
              imageUris,
              parameters: {
                confidenceThreshold: options.threshold ?? null,
                iouThreshold: options.iou ?? null,
                maxResults: options.maxResults ?? null,
                returnMask: options.mask,
              },
            },
            { persistence: !options.detach },
          ),
        ),
      );
    });

  pipeline
    .command("monitor")
    .description("print a job's status; with --follow, every update until it ends")
    .argument("<job-id>", "the job id that `inferctl pipeline init` printed")
    .option("-f, --follow", "follow the job to its end", false)
    .action(async (jobId: string, options: { follow: boolean }, command: Command) => {
      const context = contextFor(command);
      await withPipeline(context, (client) => printStatuses(context, client.monitor(jobId, { follow: options.follow })));
    });

  pipeline
    .command("cancel")
    .description("cancel a job and print the status it ended in")
    .argument("<job-id>", "the job id")
    .action(async (jobId: string, _options: unknown, command: Command) => {
      const context = contextFor(command);
      const status = await withPipeline(context, (client) => client.cancel(jobId));
      if (context.options.json) context.printJson(status);
      else context.print(statusLine(status));
    });
}
