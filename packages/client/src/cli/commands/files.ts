import { basename } from "node:path";
import { status } from "@grpc/grpc-js";
import type { Command } from "commander";
import type { RetryListener } from "../../backoff";
import { InferdClientError } from "../../errors";
import type { TransferProgress } from "../../upload";
import type { FileInfo } from "@inferd/grpc-types/v1";
import type { CommandContext, ContextFactory } from "../context";
import { CliExit, EXIT } from "../exit";
import { errorJson, formatBytes, formatDuration, formatTable } from "../format";
import { onInterrupt } from "../interrupt";
import { expandUploadArguments } from "../inputs";
import { parsePositiveInt, requireFileUri } from "../parse";
import type { Progress } from "../progress";

/** The server's largest ListFiles page. */
const MAX_PAGE_SIZE = 1000;

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

function registerUpload(program: Command, contextFor: ContextFactory): void {
  program
    .command("upload")
    .description("upload local files or folders to a project; an interrupted upload resumes where it stopped")
    .argument("<files...>", "local files, folders (uploaded recursively, keeping relative paths) or glob patterns")
    .requiredOption("-p, --project <project>", "project to store the files in")
    .option("--as <path>", 'path in the project (one file), or a folder ending in "/" (default: the file name, or the folder\'s name + "/")')
    .action(async (files: string[], options: { project: string; as?: string }, command: Command) => {
      const items = await expandUploadArguments(files, options.as);
      if (options.as !== undefined && items.length > 1 && !options.as.endsWith("/")) {
        command.error('error: --as names one file; give a folder ending in "/" to upload several', { exitCode: EXIT.usage });
      }
      const context = contextFor(command);
      const results = [];
      for (const { file, path } of items) {
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
      else if (results.length > 1) {
        const unchanged = results.filter((result) => result.unchanged).length;
        context.note(`${results.length} files: ${results.length - unchanged} sent, ${unchanged} unchanged`);
      }
    });
}

function registerDownload(program: Command, contextFor: ContextFactory): void {
  program
    .command("download")
    .description("download a stored file; an interrupted download resumes from <dest>.part; a local copy with the same sha256 is kept")
    .argument("<uri>", "the file, inferd://<project>/<path>")
    .argument("[dest]", 'local file, or folder (an existing one, or a path ending in "/"; created if missing); default: the file name, here')
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
      else context.print(`${result.path}  ${formatBytes(result.size)}  sha256:${result.sha256.slice(0, 12)}${result.unchanged ? "  (unchanged, already here)" : ""}`);
    });
}

/** Reads up to `limit` files from `pageToken` on, page by page; returns them and the token of what follows. */
async function listPage(
  context: CommandContext,
  options: { project: string; prefix: string; limit: number; pageToken: string },
): Promise<{ files: FileInfo[]; nextPageToken: string }> {
  const files: FileInfo[] = [];
  let pageToken = options.pageToken;
  do {
    const page = await context.client().listFiles({
      project: options.project,
      prefix: options.prefix,
      pageSize: Math.min(MAX_PAGE_SIZE, options.limit - files.length),
      pageToken,
    });
    files.push(...page.files);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && files.length < options.limit);
  return { files, nextPageToken: pageToken };
}

/** The command that lists the next page, for the "more files" note. */
function nextPageCommand(options: { project: string; prefix: string; limit: number }, token: string): string {
  const prefix = options.prefix === "" ? "" : ` --prefix ${JSON.stringify(options.prefix)}`;
  return `inferctl ls --project ${options.project}${prefix} --limit ${options.limit} --page-token ${token}`;
}

function registerList(program: Command, contextFor: ContextFactory): void {
  program
    .command("ls")
    .description("list a project's files (all of them, or a page of --limit files)")
    .requiredOption("-p, --project <project>", "the project")
    .option("--prefix <prefix>", 'only paths starting with this, e.g. "images/"', "")
    .option("--limit <n>", "list at most n files; says how to get the next page if there are more", parsePositiveInt)
    .option("--page-token <token>", "continue after an earlier `ls --limit` (the token it printed)")
    .action(async (options: { project: string; prefix: string; limit?: number; pageToken?: string }, command: Command) => {
      const context = contextFor(command);
      const paged = options.limit !== undefined || options.pageToken !== undefined;
      const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
      const { files, nextPageToken } = paged
        ? await listPage(context, { project: options.project, prefix: options.prefix, limit, pageToken: options.pageToken ?? "" })
        : { files: await context.client().listAllFiles({ project: options.project, prefix: options.prefix }), nextPageToken: "" };
      if (context.options.json) {
        // Paged: an object that carries the token of the next page; otherwise every file.
        context.printJson(paged ? { files, nextPageToken } : files);
        return;
      }
      if (files.length === 0) {
        context.note(`no files in project ${options.project}${options.prefix ? ` under "${options.prefix}"` : ""}`);
      } else {
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
      }
      if (nextPageToken !== "") {
        context.note(`more files follow; next page: ${nextPageCommand({ ...options, limit: options.limit ?? MAX_PAGE_SIZE }, nextPageToken)}`);
      }
    });
}

/** One `rm` argument's outcome: what was deleted, or why nothing was. */
type RemoveOutcome = { uri: string; deleted: boolean; discardedPartial: boolean } | { uri: string; error: ReturnType<typeof errorJson> };

function removeText(outcome: RemoveOutcome): string {
  if ("error" in outcome) return `${outcome.error.codeName}: ${outcome.error.details}`;
  if (!outcome.discardedPartial) return "deleted";
  return outcome.deleted ? "deleted (and an unfinished upload)" : "deleted an unfinished upload";
}

function registerRemove(program: Command, contextFor: ContextFactory): void {
  program
    .command("rm")
    .description("delete stored files (and any unfinished upload of their paths); tries every one, exits 1 if any failed")
    .argument("<uris...>", "files, inferd://<project>/<path>")
    .action(async (uris: string[], _options: unknown, command: Command) => {
      for (const uri of uris) requireFileUri(command, uri);
      const context = contextFor(command);
      const outcomes: RemoveOutcome[] = [];
      for (const uri of uris) {
        try {
          const result = await context.client().deleteFile(uri);
          if (result.deleted || result.discardedPartial) {
            outcomes.push({ uri, ...result });
            continue;
          }
          throw new InferdClientError(status.NOT_FOUND, { details: `nothing is stored at ${uri}` });
        } catch (error) {
          // Nothing answers: every other deletion would fail the same way; report it once.
          if (!(error instanceof InferdClientError) || error.unreachable) throw error;
          outcomes.push({ uri, error: errorJson(error) });
        }
      }
      if (context.options.json) context.printJson(outcomes);
      else context.print(formatTable([{ header: "uri" }, { header: "result" }], outcomes.map((outcome) => [outcome.uri, removeText(outcome)])));
      const failed = outcomes.filter((outcome) => "error" in outcome).length;
      if (failed > 0) throw new CliExit(EXIT.failed, `${failed} of ${uris.length} deletion(s) failed`);
    });
}

/** Registers `upload`, `download`, `ls` and `rm`. */
export function registerFileCommands(program: Command, contextFor: ContextFactory): void {
  registerUpload(program, contextFor);
  registerDownload(program, contextFor);
  registerList(program, contextFor);
  registerRemove(program, contextFor);
}
