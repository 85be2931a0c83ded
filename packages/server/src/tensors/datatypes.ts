/**
 * The Open Inference Protocol's tensor datatypes and how each one is held in memory, carried
 * in `InferTensorContents`, and named by onnxruntime. One table, so that the raw codec, the
 * typed-contents codec, model metadata and the runtime bridge cannot disagree.
 */

/** A datatype name of the protocol. */
export type OipDatatype =
  | "BOOL"
  | "UINT8"
  | "UINT16"
  | "UINT32"
  | "UINT64"
  | "INT8"
  | "INT16"
  | "INT32"
  | "INT64"
  | "FP16"
  | "FP32"
  | "FP64"
  | "BYTES";

/** onnxruntime's element type names (`ort.Tensor.Type`) for the datatypes inferd serves. */
export type OrtElementType =
  | "bool"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "float16"
  | "float32"
  | "float64"
  | "string";

/** The typed arrays that hold numeric tensor elements. */
export type NumericArray =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

/** The repeated field of `InferTensorContents` a datatype travels in (FP16 has none). */
export type ContentsField =
  | "boolContents"
  | "intContents"
  | "int64Contents"
  | "uintContents"
  | "uint64Contents"
  | "fp32Contents"
  | "fp64Contents"
  | "bytesContents";

/** Everything the codecs need to know about one datatype. */
export interface DatatypeInfo {
  readonly name: OipDatatype;
  readonly ort: OrtElementType;
  /** Bytes per element in raw form; 0 for BYTES (each element is length-prefixed). */
  readonly size: number;
  /** Typed array holding the elements; BYTES elements are a `Uint8Array[]` instead. */
  readonly array?: { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericArray; new (length: number): NumericArray };
  readonly field?: ContentsField;
  /** Inclusive range of an integer datatype carried in a 32-bit contents field. */
  readonly range?: readonly [number, number];
}

/** The datatype table. BOOL is one byte per element (0 or 1), as onnxruntime holds it. */
export const DATATYPES: Readonly<Record<OipDatatype, DatatypeInfo>> = {
  BOOL: { name: "BOOL", ort: "bool", size: 1, array: Uint8Array, field: "boolContents" },
  UINT8: { name: "UINT8", ort: "uint8", size: 1, array: Uint8Array, field: "uintContents", range: [0, 0xff] },
  UINT16: { name: "UINT16", ort: "uint16", size: 2, array: Uint16Array, field: "uintContents", range: [0, 0xffff] },
  UINT32: { name: "UINT32", ort: "uint32", size: 4, array: Uint32Array, field: "uintContents", range: [0, 0xffffffff] },
  UINT64: { name: "UINT64", ort: "uint64", size: 8, array: BigUint64Array, field: "uint64Contents" },
  INT8: { name: "INT8", ort: "int8", size: 1, array: Int8Array, field: "intContents", range: [-0x80, 0x7f] },
  INT16: { name: "INT16", ort: "int16", size: 2, array: Int16Array, field: "intContents", range: [-0x8000, 0x7fff] },
  INT32: { name: "INT32", ort: "int32", size: 4, array: Int32Array, field: "intContents", range: [-0x80000000, 0x7fffffff] },
  INT64: { name: "INT64", ort: "int64", size: 8, array: BigInt64Array, field: "int64Contents" },
  // FP16 elements are kept as their raw IEEE half-precision bits: no JS number type holds them
  // and onnxruntime-node takes them as a Uint16Array. The protocol has no contents field for it.
  FP16: { name: "FP16", ort: "float16", size: 2, array: Uint16Array },
  FP32: { name: "FP32", ort: "float32", size: 4, array: Float32Array, field: "fp32Contents" },
  FP64: { name: "FP64", ort: "float64", size: 8, array: Float64Array, field: "fp64Contents" },
  BYTES: { name: "BYTES", ort: "string", size: 0, field: "bytesContents" },
};

const BY_ORT = new Map<string, DatatypeInfo>(Object.values(DATATYPES).map((info) => [info.ort, info]));

/** The protocol datatype of an onnxruntime element type, or undefined when inferd cannot serve it. */
export function datatypeOfOrt(ortType: string): OipDatatype | undefined {
  return BY_ORT.get(ortType)?.name;
}

/** Narrows a string from a request to a datatype name. */
export function isOipDatatype(value: string): value is OipDatatype {
  return Object.prototype.hasOwnProperty.call(DATATYPES, value);
}
