/**
 * Builders of tiny ONNX models for tests, written with onnx-proto. Each one is a real graph
 * that onnxruntime loads and runs, shaped like the models a task expects.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onnx } from "onnx-proto";

type Dim = number | string;

function valueInfo(name: string, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function floatTensor(name: string, dims: readonly number[], values: readonly number[]): onnx.ITensorProto {
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [...values] };
}

function intsAttribute(name: string, ints: readonly number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...ints] };
}

function intAttribute(name: string, i: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

function encodeModel(graph: onnx.IGraphProto): Buffer {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: "inferd-tests",
    opsetImport: [{ domain: "", version: 13 }],
    graph,
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/**
 * A text detector: input `x` [1,3,H,W] (dynamic H, W), output `maps` [1,1,H,W] = the mean of
 * the three channels. With scale 1/255 and no mean/std, white text on black reads as
 * probability ~1 where the text is.
 */
export function textDetectorModel(batch: Dim = 1): Buffer {
  return encodeModel({
    name: "text-detector",
    input: [valueInfo("x", [batch, 3, "h", "w"])],
    output: [valueInfo("maps", [batch, 1, "h", "w"])],
    node: [{ opType: "ReduceMean", input: ["x"], output: ["maps"], attribute: [intsAttribute("axes", [1]), intAttribute("keepdims", 1)] }],
  });
}

/**
 * A segmenter: input `x` [1,3,H,W], output `scores` [1,3,H,W]: channel 0 is a constant 0.5
 * (background), channel 1 the red input channel, channel 2 the green one. Red shapes on black
 * come out as class 1, green ones as class 2.
 */
export function segmenterModel(batch: Dim = 1): Buffer {
  return encodeModel({
    name: "segmenter",
    input: [valueInfo("x", [batch, 3, "h", "w"])],
    output: [valueInfo("scores", [batch, 3, "h", "w"])],
    initializer: [floatTensor("w", [3, 3, 1, 1], [0, 0, 0, 1, 0, 0, 0, 1, 0]), floatTensor("b", [3], [0.5, 0, 0])],
    node: [{ opType: "Conv", input: ["x", "w", "b"], output: ["scores"] }],
  });
}

/**
 * A classifier: input `x` [1,3,size,size], output `logits` [1,3] = 10 x the mean of each
 * channel, so a mostly red image is class 0, green class 1, blue class 2.
 */
export function classifierModel(size = 32, batch: Dim = 1): Buffer {
  return encodeModel({
    name: "classifier",
    input: [valueInfo("x", [batch, 3, size, size])],
    output: [valueInfo("logits", [batch, 3])],
    initializer: [floatTensor("ten", [], [10])],
    node: [
      { opType: "GlobalAveragePool", input: ["x"], output: ["pooled"] },
      { opType: "Flatten", input: ["pooled"], output: ["flat"] },
      { opType: "Mul", input: ["flat", "ten"], output: ["logits"] },
    ],
  });
}

/**
 * A model whose output is a fixed tensor, whatever the image: input `images` [1,3,size,size],
 * output `output0` with the given dims and values. Used for YOLO-format detectors, whose raw
 * outputs the test writes by hand.
 */
export function constantOutputModel(size: number, outputDims: readonly number[], values: readonly number[]): Buffer {
  return encodeModel({
    name: "constant-output",
    input: [valueInfo("images", [1, 3, size, size])],
    output: [valueInfo("output0", outputDims)],
    initializer: [floatTensor("constant", outputDims, values), floatTensor("zero", [], [0])],
    node: [
      { opType: "ReduceMean", input: ["images"], output: ["mean"], attribute: [intAttribute("keepdims", 0)] },
      { opType: "Mul", input: ["mean", "zero"], output: ["nothing"] },
      { opType: "Add", input: ["constant", "nothing"], output: ["output0"] },
    ],
  });
}

/**
 * {@link constantOutputModel} with a dynamic batch dimension: input `images` [n,3,size,size],
 * output `output0` [n, ...rowDims], every row the given values (a batchable YOLO-format detector).
 */
export function batchedConstantOutputModel(size: number, rowDims: readonly [number, number], values: readonly number[]): Buffer {
  return encodeModel({
    name: "batched-constant-output",
    input: [valueInfo("images", ["n", 3, size, size])],
    output: [valueInfo("output0", ["n", ...rowDims])],
    initializer: [
      floatTensor("constant", rowDims, values),
      floatTensor("zero", [], [0]),
      { name: "rows", dims: [3], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1, 1, 1] },
    ],
    node: [
      { opType: "ReduceMean", input: ["images"], output: ["mean"], attribute: [intsAttribute("axes", [1, 2, 3]), intAttribute("keepdims", 1)] },
      { opType: "Reshape", input: ["mean", "rows"], output: ["perRow"] },
      { opType: "Mul", input: ["perRow", "zero"], output: ["nothing"] },
      { opType: "Add", input: ["constant", "nothing"], output: ["output0"] },
    ],
  });
}

/** Writes `<dir>/<name>/config.json` and `<dir>/<name>/<version>/model.onnx`. */
export async function writeModel(dir: string, name: string, config: unknown, model: Uint8Array, version = "1"): Promise<void> {
  await mkdir(join(dir, name, version), { recursive: true });
  await writeFile(join(dir, name, "config.json"), JSON.stringify(config));
  await writeFile(join(dir, name, version, "model.onnx"), model);
}

/** A fresh temp dir; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `inferd-${prefix}-`));
}
