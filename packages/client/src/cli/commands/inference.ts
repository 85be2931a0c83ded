import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { ModelState, Task, type InferResponse, type ModelInfo } from "@inferd/grpc-types/v1";
import { isFileUri } from "../../uri";
import type { ContextFactory } from "../context";
import { formatDuration, formatTable } from "../format";
import { addModelOptions, toInferOptions, type ModelOptionValues } from "../model-options";
import { requireFileUri } from "../parse";

/** The short name of an enum value ("TEXT_DETECTION"), or "UNSPECIFIED". */
function enumName(names: Record<number, string>, value: number): string {
  return names[value] ?? "UNSPECIFIED";
}

function shape(dims: readonly bigint[]): string {
  return `[${dims.map((dim) => (dim < 0n ? "?" : dim.toString())).join(",")}]`;
}

/** The --json view of a model: enums by name, int64 dims as strings. */
function modelJson(model: ModelInfo): unknown {
  return {
    name: model.name,
    task: enumName(Task, model.task),
    ready: model.ready,
    description: model.description,
    defaultConfidenceThreshold: model.defaultConfidenceThreshold,
    versions: model.versions.map((version) => ({ version: version.version, state: enumName(ModelState, version.state), message: version.message })),
    inputs: model.inputs,
    outputs: model.outputs,
    labels: model.labels,
  };
}

/** The --json view of an Infer answer; the mask's bytes are written to a file, not printed. */
function inferJson(response: InferResponse, maskPath: string | undefined): unknown {
  return {
    model: response.model,
    version: response.version,
    imageWidth: response.imageWidth,
    imageHeight: response.imageHeight,
    results: response.results.map((result) => ({
      label: result.label,
      classId: result.classId,
      confidence: result.confidence,
      box: result.box ?? { x: 0, y: 0, width: 0, height: 0 },
      color: result.color,
    })),
    timings: response.timings ?? null,
    mask: maskPath ?? null,
  };
}

function registerModels(program: Command, contextFor: ContextFactory): void {
  program
    .command("models")
    .description("list the server's models, their task, versions and state")
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(command);
      const models = await context.client().listModels();
      if (context.options.json) {
        context.printJson(models.map(modelJson));
        return;
      }
      if (models.length === 0) {
        context.note("the server has no models");
        return;
      }
      context.print(
        formatTable(
          [{ header: "name" }, { header: "task" }, { header: "state" }, { header: "versions" }, { header: "input" }, { header: "description" }],
          models.map((model) => [
            model.name,
            enumName(Task, model.task),
            model.ready ? "READY" : enumName(ModelState, model.versions[0]?.state ?? ModelState.UNSPECIFIED),
            model.versions.map((version) => version.version).join(","),
            model.inputs.map((input) => `${input.name}${shape(input.shape)}`).join(" "),
            model.description,
          ]),
        ),
      );
      for (const model of models) {
        for (const version of model.versions) {
          if (version.state === ModelState.FAILED) context.note(`${model.name} v${version.version} failed to load: ${version.message}`);
        }
      }
    });
}

function registerInfer(program: Command, contextFor: ContextFactory): void {
  addModelOptions(
    program
      .command("infer")
      .description("run one image through a model and print the results")
      .argument("<image>", "a local image file (PNG, JPEG, WebP) or a stored one, inferd://<project>/<path>"),
    "return at most n results",
  )
    .option("--mask <file.png>", "write the mask PNG there (text detection, segmentation)")
    .action(
      async (
        image: string,
        options: ModelOptionValues & { mask?: string },
        command: Command,
      ) => {
        if (isFileUri(image)) requireFileUri(command, image);
        const context = contextFor(command);
        const response = await context.client().infer(image, toInferOptions(options, options.mask !== undefined));
        let maskPath: string | undefined;
        if (options.mask !== undefined && response.maskPng.byteLength > 0) {
          await writeFile(options.mask, response.maskPng);
          maskPath = options.mask;
        } else if (options.mask !== undefined) {
          context.note(`the model returned no mask; ${options.mask} not written`);
        }
        if (context.options.json) {
          context.printJson(inferJson(response, maskPath));
          return;
        }
        const timings = response.timings;
        context.print(
          `${response.model} v${response.version}  ${response.imageWidth}x${response.imageHeight}  ${response.results.length} result(s)` +
            (timings ? `  ${formatDuration(timings.totalMs)} (inference ${formatDuration(timings.inferenceMs)})` : ""),
        );
        if (response.results.length > 0) {
          context.print(
            formatTable(
              [{ header: "#", align: "right" }, { header: "label" }, { header: "confidence", align: "right" }, { header: "box (x,y,w,h)" }],
              response.results.map((result, index) => {
                const box = result.box ?? { x: 0, y: 0, width: 0, height: 0 };
                return [
                  String(index + 1),
                  result.label,
                  result.confidence.toFixed(3),
                  [box.x, box.y, box.width, box.height].map((value) => Math.round(value)).join(","),
                ];
              }),
            ),
          );
        }
        if (maskPath !== undefined) context.print(`mask written to ${maskPath}`);
      },
    );
}

/** Registers `models` and `infer`. */
export function registerInferenceCommands(program: Command, contextFor: ContextFactory): void {
  registerModels(program, contextFor);
  registerInfer(program, contextFor);
}
