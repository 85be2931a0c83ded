import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
import type { Command } from "commander";
import type { InferResponse } from "@inferd/grpc-types/v1";
import { InferdClientError, localError } from "../../errors";
import { isFileUri } from "../../uri";
import type { CommandContext, ContextFactory } from "../context";
import { CliExit, EXIT } from "../exit";
import { shortestFloat32 } from "../float32";
import { errorJson, formatDuration, formatTable } from "../format";
import { describeFailure } from "../hints";
import { expandImageArguments } from "../inputs";
import { addModelOptions, toInferOptions, type ModelOptionValues } from "../model-options";
import { requireFileUri } from "../parse";

/** The --json view of an Infer answer; the mask's bytes are written to a file, not printed. */
export function inferJson(response: InferResponse, maskPath: string | undefined): Record<string, unknown> {
  const box = (value: InferResponse["results"][number]["box"]): Record<string, number> => {
    const { x, y, width, height } = value ?? { x: 0, y: 0, width: 0, height: 0 };
    return { x: shortestFloat32(x), y: shortestFloat32(y), width: shortestFloat32(width), height: shortestFloat32(height) };
  };
  return {
    model: response.model,
    version: response.version,
    imageWidth: response.imageWidth,
    imageHeight: response.imageHeight,
    results: response.results.map((result) => ({
      label: result.label,
      classId: result.classId,
      confidence: shortestFloat32(result.confidence),
      box: box(result.box),
      color: result.color,
    })),
    timings: response.timings ?? null,
    mask: maskPath ?? null,
  };
}

function isFolderPath(path: string): boolean {
  return path.endsWith("/") || path.endsWith(sep);
}

/** Where the mask of `image` goes: `--mask` itself for one image, `<folder>/<name>.mask.png` for several. */
function maskPathFor(mask: string, image: string, several: boolean): string {
  return several ? join(mask, `${basename(image)}.mask.png`) : mask;
}

/** Writes a mask, creating its folder; a failure is a local error (the results are still good). */
async function writeMask(path: string, png: Uint8Array): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, png);
  } catch (error) {
    throw localError(`cannot write the mask to ${path}`, error);
  }
}

function printHuman(context: CommandContext, response: InferResponse, heading: string): void {
  const timings = response.timings;
  context.print(
    `${heading}${response.model} v${response.version}  ${response.imageWidth}x${response.imageHeight}  ${response.results.length} result(s)` +
      (timings ? `  ${formatDuration(timings.totalMs)} (inference ${formatDuration(timings.inferenceMs)})` : ""),
  );
  if (response.results.length === 0) return;
  context.print(
    formatTable(
      [{ header: "#", align: "right" }, { header: "label" }, { header: "confidence", align: "right" }, { header: "box (x,y,w,h)" }],
      response.results.map((result, index) => {
        const box = result.box ?? { x: 0, y: 0, width: 0, height: 0 };
        return [String(index + 1), result.label, result.confidence.toFixed(3), [box.x, box.y, box.width, box.height].map((value) => Math.round(value)).join(",")];
      }),
    ),
  );
}

/** One image's outcome: its answer (and mask, or why the mask is missing), or why it failed. */
interface ImageOutcome {
  image: string;
  response?: InferResponse;
  mask?: string;
  error?: InferdClientError;
}

/**
 * Runs one image and writes its mask. A failed call is recorded (or rethrown when nothing
 * answers: the other images would fail the same way); a mask that cannot be written is
 * recorded next to the results, which are kept.
 */
async function inferOne(context: CommandContext, image: string, options: ModelOptionValues & { mask?: string }, maskPath: string | undefined): Promise<ImageOutcome> {
  let response: InferResponse;
  try {
    response = await context.client().infer(image, toInferOptions(options, maskPath !== undefined));
  } catch (error) {
    if (!(error instanceof InferdClientError) || error.unreachable) throw error;
    return { image, error };
  }
  if (maskPath === undefined) return { image, response };
  if (response.maskPng.byteLength === 0) {
    context.note(`the model returned no mask; ${maskPath} not written`);
    return { image, response };
  }
  try {
    await writeMask(maskPath, response.maskPng);
    return { image, response, mask: maskPath };
  } catch (error) {
    return { image, response, error: error as InferdClientError };
  }
}

function outcomeJson(outcome: ImageOutcome): Record<string, unknown> {
  return {
    image: outcome.image,
    ...(outcome.response === undefined ? {} : inferJson(outcome.response, outcome.mask)),
    ...(outcome.error === undefined ? {} : { error: errorJson(outcome.error) }),
  };
}

/** Registers `infer`: one or more images (local files, globs, stored URIs) through a model. */
export function registerInfer(program: Command, contextFor: ContextFactory): void {
  addModelOptions(
    program
      .command("infer")
      .description("run images through a model and print the results")
      .argument("<images...>", "local image files (PNG, JPEG, WebP) or glob patterns, or stored ones, inferd://<project>/<path>"),
    "return at most n results",
  )
    .option("--mask <file.png>", 'write the mask PNG there (text detection, segmentation); with several images, a folder ending in "/"')
    .action(async (images: string[], options: ModelOptionValues & { mask?: string }, command: Command) => {
      for (const image of images) if (isFileUri(image)) requireFileUri(command, image);
      const expanded = await expandImageArguments(images);
      const several = expanded.length > 1;
      if (several && options.mask !== undefined && !isFolderPath(options.mask) && !(await stat(options.mask).then((s) => s.isDirectory(), () => false))) {
        command.error('error: --mask names one file; give a folder ending in "/" for several images', { exitCode: EXIT.usage });
      }
      if (several && options.mask !== undefined) {
        const names = expanded.map((image) => basename(image));
        const twice = names.find((name, index) => names.indexOf(name) !== index);
        if (twice !== undefined) {
          command.error(`error: two images are named ${twice}; their masks would overwrite each other in ${options.mask} (run them separately)`, { exitCode: EXIT.usage });
        }
      }
      const context = contextFor(command);
      const outcomes: ImageOutcome[] = [];
      for (const image of expanded) {
        const outcome = await inferOne(context, image, options, options.mask === undefined ? undefined : maskPathFor(options.mask, image, several));
        outcomes.push(outcome);
        if (context.options.json) continue;
        if (outcome.response !== undefined) {
          if (several && outcomes.length > 1) context.print("");
          printHuman(context, outcome.response, several ? `${image}: ` : "");
          if (outcome.mask !== undefined) context.print(`mask written to ${outcome.mask}`);
        }
        if (outcome.error !== undefined && several) {
          const { message, hint } = describeFailure(outcome.error, { address: context.options.address, command: "infer" });
          context.note(`inferctl: ${image}: ${message}\nhint: ${hint}`);
        }
      }
      const failed = outcomes.filter((outcome) => outcome.error !== undefined);
      const only = outcomes[0] as ImageOutcome;
      if (context.options.json && (several || only.response !== undefined)) {
        context.printJson(several ? outcomes.map(outcomeJson) : withoutImage(outcomeJson(only)));
      }
      if (failed.length === 0) return;
      if (!several) {
        const error = only.error as InferdClientError;
        // A failed call is reported like any failed command; a mask that could not be written
        // after the results were printed (and, with --json, carried in the same document) ends
        // with the local-error exit code.
        if (only.response === undefined || !context.options.json) throw error;
        const { message, hint } = describeFailure(error, { address: context.options.address, command: "infer" });
        throw new CliExit(EXIT.local, `${message}\nhint: ${hint}`);
      }
      const exitCode = failed.every((outcome) => outcome.error?.local === true) ? EXIT.local : EXIT.failed;
      throw new CliExit(exitCode, `${failed.length} of ${outcomes.length} image(s) failed`);
    });
}

/** The one-image --json shape predates `image`; it is kept as it was. */
function withoutImage(value: Record<string, unknown>): Record<string, unknown> {
  const { image: _image, ...rest } = value;
  return rest;
}
