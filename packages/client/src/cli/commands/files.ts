import { basename } from "node:path";
import { status } from "@grpc/grpc-js";
import type { Command } from "commander";
import type { RetryListener } from "../../backoff";
import { InferdClientError } from "../../errors";
import type { TransferProgress } from "../../upload";
import type { ContextFactory } from "../context";
import { CliExit, EXIT } from "../exit";
import { formatBytes, formatDuration, formatTable } from "../format";
import { onInterrupt } from "../interrupt";
import { parsePositiveInt, requireFileUri } from "../parse";
import type { Progress } from "../progress";

function transferDetail(progress: TransferProgress): string {
  return `${formatBytes(progress.transferred)} of ${formatBytes(progress.total)}`;
}

function retryNote(progress: Progress): RetryListener {
  return ({ attempt, delayMs, error }) =>
    progress.log(`${error.codeName}: ${error.details}; retry ${attempt} in ${formatDuration(delayMs)}`);
}

/** Runs a transfer with Ctrl-C wired to its abort signal, so the partial state stays resumable. */
async function interruptible<T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const remove = onInterrupt(() => controller.abort());
  try {
    return await run(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) {
      throw new CliExit(EXIT.interrupted, `${what} interrupted; run the same command again to resume where it stopped`);
    }
    throw error;
  } finally {
    remove();
  }
}

/** The path a local file is stored under: --as as given, --as "dir/" + name, or the name. */
function storedPath(file: string, as: string | undefined): string {
  if (as === undefined) return basename(file);
  return as.endsWith("/") ? `${as}${basename(file)}` : as;
}

function registerUpload(program: Command, contextFor: ContextFactory): void {
  program
    .command("upload")
    .description("upload local files to a project; an interrupted upload resumes where it stopped")
    .argument("<files...>", "local files to upload")
    .requiredOption("-p, --project <project>", "project to store the files in")
    .option("--as <path>", 'path in the project (one file), or a folder ending in "/" (default: the file name)')
    .action(async (files: string[], options: { project: string; as?: string }, command: Command) => {
      if (options.as !== undefined && files.length > 1 && !options.as.endsWith("/")) {
        command.error('error: --as names one file; give a folder ending in "/" to upload several', { exitCode: EXIT.usage });
      }
      const context = contextFor(command);
      const results = [];
      for (const file of files) {
        const path = storedPath(file, options.as);
        const progress = context.progress(`upload ${basename(file)}`);
        const result = await interruptible("upload", (signal) =>
          context.client().upload(file, {
            project: options.project,
            path,
            signal,
            onProgress: (p) => progress.update(Number(p.transferred), Number(p.total), transferDetail(p)),
            onResume: (offset) => progress.log(`resuming ${path} from ${formatBytes(offset)} already stored`),
            onRetry: retryNote(progress),
          }),
        ).finally(() => progress.finish());
        results.push({ file, ...result });
        if (!context.options.json) {
          const how = result.unchanged ? "unchanged, already stored" : result.resumedFrom > 0n ? `resumed at ${formatBytes(result.resumedFrom)}` : "uploaded";
          context.print(`${result.uri}  ${formatBytes(result.size)}  sha256:${result.sha256.slice(0, 12)}  (${how})`);
        }
      }
      if (context.options.json) context.printJson(results);
    });
}

function registerDownload(program: Command, contextFor: ContextFactory): void {
  program
    .command("download")
    .description("download a stored file; an interrupted download resumes from <dest>.part")
    .argument("<uri>", "the file, inferd://<project>/<path>")
    .argument("[dest]", "local file or folder (default: the file name, in the current folder)")
    .action(async (uri: string, dest: string | undefined, _options: unknown, command: Command) => {
      requireFileUri(command, uri);
      const context = contextFor(command);
      const progress = context.progress(`download ${basename(uri)}`);
      const result = await interruptible("download", (signal) =>
        context.client().download(uri, dest, {
          signal,
          onProgress: (p) => progress.update(Number(p.transferred), Number(p.total), transferDetail(p)),
          onResume: (offset) => progress.log(`resuming from ${formatBytes(offset)} in the partial file`),
          onRetry: retryNote(progress),
        }),
      ).finally(() => progress.finish());
      if (context.options.json) context.printJson(result);
      else context.print(`${result.path}  ${formatBytes(result.size)}  sha256:${result.sha256.slice(0, 12)}`);
    });
}

function registerList(program: Command, contextFor: ContextFactory): void {
  program
    .command("ls")
    .description("list a project's files")
    .requiredOption("-p, --project <project>", "the project")
    .option("--prefix <prefix>", 'only paths starting with this, e.g. "images/"', "")
    .option("--limit <n>", "list at most n files", parsePositiveInt)
    .action(async (options: { project: string; prefix: string; limit?: number }, command: Command) => {
      const context = contextFor(command);
      const all = await context.client().listAllFiles({ project: options.project, prefix: options.prefix });
      const files = options.limit === undefined ? all : all.slice(0, options.limit);
      if (context.options.json) {
        context.printJson(files);
        return;
      }
      if (files.length === 0) {
        context.note(`no files in project ${options.project}${options.prefix ? ` under "${options.prefix}"` : ""}`);
        return;
      }
      context.print(
        formatTable(
          [{ header: "path" }, { header: "size", align: "right" }, { header: "modified" }, { header: "sha256" }],
          files.map((file) => [
            file.path,
            formatBytes(file.size),
            file.modifiedTime?.toISOString().replace(/\.\d+Z$/, "Z") ?? "",
            file.sha256.slice(0, 12),
          ]),
        ),
      );
    });
}

function registerRemove(program: Command, contextFor: ContextFactory): void {
  program
    .command("rm")
    .description("delete stored files (and any unfinished upload of their paths)")
    .argument("<uris...>", "files, inferd://<project>/<path>")
    .action(async (uris: string[], _options: unknown, command: Command) => {
      for (const uri of uris) requireFileUri(command, uri);
      const context = contextFor(command);
      const results = [];
      for (const uri of uris) {
        const result = await context.client().deleteFile(uri);
        if (!result.deleted && !result.discardedPartial) {
          throw new InferdClientError(status.NOT_FOUND, { details: `nothing is stored at ${uri}` });
        }
        results.push({ uri, ...result });
        if (!context.options.json) {
          context.print(`deleted ${uri}${result.discardedPartial ? (result.deleted ? " (and an unfinished upload)" : " (an unfinished upload)") : ""}`);
        }
      }
      if (context.options.json) context.printJson(results);
    });
}

/** Registers `upload`, `download`, `ls` and `rm`. */
export function registerFileCommands(program: Command, contextFor: ContextFactory): void {
  registerUpload(program, contextFor);
  registerDownload(program, contextFor);
  registerList(program, contextFor);
  registerRemove(program, contextFor);
}
