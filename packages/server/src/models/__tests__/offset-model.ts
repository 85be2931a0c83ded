/**
 * A tiny tensor model whose answer says which model file produced it: `x` FP32 [n] ->
 * `y` = x + offset. Hot-reload tests give each version (and each replacement) its own offset.
 */
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { onnx } from "onnx-proto";
import { writeModel } from "./tiny-models";

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** The model file of `x + offset`. */
export function offsetModel(offset: number): Buffer {
  const info = (name: string): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "n" }] } } } });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: "inferd-tests",
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "offset",
      input: [info("x")],
      output: [info("y")],
      initializer: [{ name: "offset", dims: [], dataType: FLOAT, floatData: [offset] }],
      node: [{ opType: "Add", input: ["x", "offset"], output: ["y"] }],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** Writes `<dir>/<name>/<version>/model.onnx` = x + offset, and a tensor config.json. */
export function writeOffsetVersion(dir: string, name: string, version: string, offset: number, config: object = {}): Promise<void> {
  return writeModel(dir, name, { task: "tensor", ...config }, offsetModel(offset), version);
}

/** Replaces a file the safe way (write aside, rename over it), as operators should. */
export async function replaceFile(path: string, content: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

/** Replaces a version's model with `x + offset`. */
export function replaceOffsetModel(dir: string, name: string, version: string, offset: number): Promise<void> {
  return replaceFile(join(dir, name, version, "model.onnx"), offsetModel(offset));
}

/** Removes a version folder. */
export function removeVersion(dir: string, name: string, version: string): Promise<void> {
  return rm(join(dir, name, version), { recursive: true, force: true });
}

/** Polls `condition` every few ms until it holds, failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
