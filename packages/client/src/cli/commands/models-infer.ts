import type { Command } from "commander";
import type { OipInferResult } from "../../oip/oip-client";
import type { OipTensor } from "../../oip/tensors";
import type { ContextFactory } from "../context";
import { EXIT } from "../exit";
import { readTensorFile } from "../tensor-file";
import { withOip } from "./model-control";

/** Values printed per output before "… (N more)". */
const SHOWN_VALUES = 16;

/** An IEEE 754 half-precision value from its bits. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The elements of a tensor as JSON-friendly values (BYTES as UTF-8 text, FP16 as numbers). */
function values(tensor: OipTensor): Array<number | bigint | string | boolean> {
  const data = tensor.data;
  if (Array.isArray(data)) return (data as readonly Uint8Array[]).map((b) => Buffer.from(b).toString("utf8"));
  const items = Array.from(data as ArrayLike<number | bigint>);
  if (tensor.datatype === "FP16") return items.map((b) => halfToNumber(Number(b)));
  if (tensor.datatype === "BOOL") return items.map((b) => b !== 0);
  return items;
}

function describeOutput(tensor: OipTensor): string {
  const all = values(tensor);
  const shown = all.slice(0, SHOWN_VALUES).map((v) => (typeof v === "string" ? JSON.stringify(v) : String(v)));
  const more = all.length > SHOWN_VALUES ? ` … (${all.length - SHOWN_VALUES} more)` : "";
  return `${tensor.name} ${tensor.datatype} [${tensor.shape.join(", ")}]: ${shown.join(" ")}${more}`;
}

function resultJson(result: OipInferResult): unknown {
  return {
    model: result.model,
    version: result.version,
    id: result.id,
    outputs: result.outputs.map((o) => ({ name: o.name, datatype: o.datatype, shape: o.shape, data: values(o) })),
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * `inferctl models infer NAME --input name=FILE ...`: one Open Inference Protocol ModelInfer
 * with tensors read from `.npy` or `.json` files (see tensor-file.ts); prints each output, or
 * the whole result with --json. Works against any OIP server (inferd, Triton).
 */
export function registerModelInferCommand(program: Command, contextFor: ContextFactory): void {
  const models =
    program.commands.find((command) => command.name() === "models") ?? program.command("models").description("the server's models");
  models
    .command("infer")
    .description("send tensors to a model (OIP ModelInfer) from .npy or .json files and print its outputs")
    .argument("<name>", "model name")
    .requiredOption("--input <name=file>", "an input tensor from a .npy or .json file (repeat for each input)", collect, [])
    .option("--output <name>", "return only this output (repeat for several; default every output)", collect, [])
    .option("--model-version <version>", "one version of the model (default: the server picks)")
    .action(async (name: string, options: { input: string[]; output: string[]; modelVersion?: string }, command: Command) => {
      const pairs = options.input.map((spec) => {
        const at = spec.indexOf("=");
        if (at <= 0 || at === spec.length - 1) command.error(`error: --input "${spec}" is not name=file`, { exitCode: EXIT.usage, code: "inferctl.usage" });
        return { input: spec.slice(0, at), file: spec.slice(at + 1) };
      });
      const context = contextFor(command);
      const inputs = await Promise.all(pairs.map(({ input, file }) => readTensorFile(input, file)));
      const result = await withOip(context, (oip) =>
        oip.infer({
          model: name,
          inputs,
          ...(options.output.length > 0 ? { outputs: options.output } : {}),
          ...(options.modelVersion !== undefined ? { version: options.modelVersion } : {}),
        }),
      );
      if (context.options.json) context.printJson(resultJson(result));
      else for (const output of result.outputs) context.print(describeOutput(output));
    });
}
