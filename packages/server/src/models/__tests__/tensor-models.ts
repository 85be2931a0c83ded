/**
 * Builders of tiny tensor models (no image task) for the OIP tests, written with onnx-proto:
 * real graphs that onnxruntime loads and runs, covering every datatype inferd serves.
 */
import { onnx } from "onnx-proto";
import type { OipDatatype } from "../../tensors/datatypes";

type Dim = number | string;
const T = onnx.TensorProto.DataType;

/** ONNX element type of each protocol datatype. */
export const ONNX_TYPE: Readonly<Record<OipDatatype, number>> = {
  BOOL: T.BOOL,
  UINT8: T.UINT8,
  UINT16: T.UINT16,
  UINT32: T.UINT32,
  UINT64: T.UINT64,
  INT8: T.INT8,
  INT16: T.INT16,
  INT32: T.INT32,
  INT64: T.INT64,
  FP16: T.FLOAT16,
  FP32: T.FLOAT,
  FP64: T.DOUBLE,
  BYTES: T.STRING,
};

/** Every datatype, in table order. */
export const ALL_DATATYPES = Object.keys(ONNX_TYPE) as OipDatatype[];

function tensorInfo(name: string, datatype: OipDatatype, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: { elemType: ONNX_TYPE[datatype], shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } },
    },
  };
}

function encode(graph: onnx.IGraphProto): Buffer {
  const model = onnx.ModelProto.create({ irVersion: 7, producerName: "inferd-tests", opsetImport: [{ domain: "", version: 13 }], graph });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

/** `in_<DT>` [n, 2] -> `out_<DT>` (Identity) for each datatype (default: every one), in one model. */
export function identityAllModel(datatypes: readonly OipDatatype[] = ALL_DATATYPES): Buffer {
  return encode({
    name: "identity-all",
    input: datatypes.map((dt) => tensorInfo(`in_${dt}`, dt, ["n", 2])),
    output: datatypes.map((dt) => tensorInfo(`out_${dt}`, dt, ["n", 2])),
    node: datatypes.map((dt) => ({ opType: "Identity", input: [`in_${dt}`], output: [`out_${dt}`] })),
  });
}

/** `a` + `b` of the given datatype, shape [batch, 3] with a dynamic batch dimension. */
export function addModel(datatype: OipDatatype = "FP32"): Buffer {
  return encode({
    name: "add",
    input: [tensorInfo("a", datatype, ["batch", 3]), tensorInfo("b", datatype, ["batch", 3])],
    output: [tensorInfo("sum", datatype, ["batch", 3])],
    node: [{ opType: "Add", input: ["a", "b"], output: ["sum"] }],
  });
}

/**
 * Several inputs and outputs of different types: `x` FP32 [n,2], `k` INT64 [n], `flag` BOOL [n],
 * `half` FP16 [n] -> `double` = x+x (FP32), `k_plus_k` (INT64), `not_flag` (BOOL),
 * `half_as_float` (FP32, Cast), `x_as_half` (FP16, Cast).
 */
export function multiModel(): Buffer {
  return encode({
    name: "multi",
    input: [tensorInfo("x", "FP32", ["n", 2]), tensorInfo("k", "INT64", ["n"]), tensorInfo("flag", "BOOL", ["n"]), tensorInfo("half", "FP16", ["n"])],
    output: [
      tensorInfo("double", "FP32", ["n", 2]),
      tensorInfo("k_plus_k", "INT64", ["n"]),
      tensorInfo("not_flag", "BOOL", ["n"]),
      tensorInfo("half_as_float", "FP32", ["n"]),
      tensorInfo("x_as_half", "FP16", ["n", 2]),
    ],
    node: [
      { opType: "Add", input: ["x", "x"], output: ["double"] },
      { opType: "Add", input: ["k", "k"], output: ["k_plus_k"] },
      { opType: "Not", input: ["flag"], output: ["not_flag"] },
      { opType: "Cast", input: ["half"], output: ["half_as_float"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }] },
      { opType: "Cast", input: ["x"], output: ["x_as_half"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT16 }] },
    ],
  });
}
