/** Tiny tensor models (no image task) for the OIP client tests, written with onnx-proto. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { onnx } from "onnx-proto";

const T = onnx.TensorProto.DataType;

function info(name: string, elemType: number, dims: ReadonlyArray<number | string>): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } } };
}

/**
 * `x` FP32 [n,3] and `k` INT64 [n], `flag` BOOL [n], `text` STRING [n] -> `doubled` = x + x,
 * `k_squared` = k * k, `not_flag` = !flag, `text_out` = text (Identity), `x_half` = FP16 cast.
 */
export function mixedModel(): Buffer {
  const graph: onnx.IGraphProto = {
    name: "mixed",
    input: [info("x", T.FLOAT, ["n", 3]), info("k", T.INT64, ["n"]), info("flag", T.BOOL, ["n"]), info("text", T.STRING, ["n"])],
    output: [info("doubled", T.FLOAT, ["n", 3]), info("k_squared", T.INT64, ["n"]), info("not_flag", T.BOOL, ["n"]), info("text_out", T.STRING, ["n"]), info("x_half", T.FLOAT16, ["n", 3])],
    node: [
      { opType: "Add", input: ["x", "x"], output: ["doubled"] },
      { opType: "Mul", input: ["k", "k"], output: ["k_squared"] },
      { opType: "Not", input: ["flag"], output: ["not_flag"] },
      { opType: "Identity", input: ["text"], output: ["text_out"] },
      { opType: "Cast", input: ["x"], output: ["x_half"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT16 }] },
    ],
  };
  const model = onnx.ModelProto.create({ irVersion: 7, producerName: "inferd-client-tests", opsetImport: [{ domain: "", version: 13 }], graph });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** Writes `<dir>/<name>/config.json` (a tensor model: no task) and `<dir>/<name>/1/model.onnx`. */
export async function writeTensorModel(dir: string, name: string, model: Uint8Array): Promise<void> {
  await mkdir(join(dir, name, "1"), { recursive: true });
  await writeFile(join(dir, name, "config.json"), "{}");
  await writeFile(join(dir, name, "1", "model.onnx"), model);
}
