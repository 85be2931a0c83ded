import type { Command } from "commander";
import { ModelState, Task, type ModelInfo } from "@inferd/grpc-types/v1";
import type { ContextFactory } from "../context";
import { formatTable } from "../format";
import { shortestFloat32 } from "../float32";
import { registerInfer } from "./infer";

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
    defaultConfidenceThreshold: shortestFloat32(model.defaultConfidenceThreshold),
    versions: model.versions.map((version) => ({ version: version.version, state: enumName(ModelState, version.state), message: version.message })),
    inputs: model.inputs,
    outputs: model.outputs,
    labels: model.labels,
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

/** Registers `models` and `infer`. */
export function registerInferenceCommands(program: Command, contextFor: ContextFactory): void {
  registerModels(program, contextFor);
  registerInfer(program, contextFor);
}
