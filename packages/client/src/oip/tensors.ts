import type { InferTensorContents } from "@inferd/grpc-types/inference";

/**
 * Tensors as the OIP client takes and returns them, and their raw wire form (row-major,
 * little-endian; BYTES elements each a 4-byte little-endian length and the bytes). The
 * server's codec does the same on its side; the client keeps its own small copy so that it
 * depends on the generated types only.
 */

/** A datatype of the Open Inference Protocol. */
export type OipDatatype = "BOOL" | "UINT8" | "UINT16" | "UINT32" | "UINT64" | "INT8" | "INT16" | "INT32" | "INT64" | "FP16" | "FP32" | "FP64" | "BYTES";

/** Elements of a tensor: a typed array, or one byte string per element for BYTES. */
export type TensorData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | readonly Uint8Array[];

/**
 * A named tensor. BOOL elements are bytes (0 or 1) in a Uint8Array; FP16 elements are their
 * raw half-precision bits in a Uint16Array.
 */
export interface OipTensor {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

type Ctor = new (buffer: ArrayBuffer, offset: number, length: number) => Exclude<TensorData, readonly Uint8Array[]>;

/** Typed array and element size of each numeric datatype. */
const NUMERIC: Readonly<Record<Exclude<OipDatatype, "BYTES">, { array: Ctor; size: number }>> = {
  BOOL: { array: Uint8Array, size: 1 },
  UINT8: { array: Uint8Array, size: 1 },
  UINT16: { array: Uint16Array, size: 2 },
  UINT32: { array: Uint32Array, size: 4 },
  UINT64: { array: BigUint64Array, size: 8 },
  INT8: { array: Int8Array, size: 1 },
  INT16: { array: Int16Array, size: 2 },
  INT32: { array: Int32Array, size: 4 },
  INT64: { array: BigInt64Array, size: 8 },
  FP16: { array: Uint16Array, size: 2 },
  FP32: { array: Float32Array, size: 4 },
  FP64: { array: Float64Array, size: 8 },
};

/** The datatype a typed array holds when none is named (Uint8Array is UINT8, Uint16Array UINT16). */
export function datatypeOfData(data: TensorData): OipDatatype {
  if (Array.isArray(data)) return "BYTES";
  if (data instanceof Float32Array) return "FP32";
  if (data instanceof Float64Array) return "FP64";
  if (data instanceof BigInt64Array) return "INT64";
  if (data instanceof BigUint64Array) return "UINT64";
  if (data instanceof Int32Array) return "INT32";
  if (data instanceof Int16Array) return "INT16";
  if (data instanceof Int8Array) return "INT8";
  if (data instanceof Uint32Array) return "UINT32";
  if (data instanceof Uint16Array) return "UINT16";
  return "UINT8";
}

/** The raw wire form of a tensor's elements. */
export function encodeTensorData(data: TensorData): Buffer {
  if (Array.isArray(data)) {
    const parts: Buffer[] = [];
    for (const element of data as readonly Uint8Array[]) {
      const length = Buffer.alloc(4);
      length.writeUInt32LE(element.byteLength);
      parts.push(length, Buffer.from(element));
    }
    return Buffer.concat(parts);
  }
  const view = data as ArrayBufferView;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** Decodes raw wire bytes of a tensor (copied into an aligned buffer of its own). */
export function decodeTensorData(datatype: OipDatatype, raw: Uint8Array): TensorData {
  if (datatype === "BYTES") {
    const elements: Uint8Array[] = [];
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let at = 0; at + 4 <= raw.byteLength; ) {
      const length = view.getUint32(at, true);
      elements.push(raw.slice(at + 4, at + 4 + length));
      at += 4 + length;
    }
    return elements;
  }
  const { array, size } = NUMERIC[datatype];
  const copy = new ArrayBuffer(raw.byteLength - (raw.byteLength % size));
  new Uint8Array(copy).set(raw.subarray(0, copy.byteLength));
  return new array(copy, 0, copy.byteLength / size);
}

/** The repeated field of `InferTensorContents` each datatype travels in (FP16 has none). */
const CONTENTS_FIELD: Readonly<Record<OipDatatype, keyof InferTensorContents | undefined>> = {
  BOOL: "boolContents",
  UINT8: "uintContents",
  UINT16: "uintContents",
  UINT32: "uintContents",
  UINT64: "uint64Contents",
  INT8: "intContents",
  INT16: "intContents",
  INT32: "intContents",
  INT64: "int64Contents",
  FP16: undefined,
  FP32: "fp32Contents",
  FP64: "fp64Contents",
  BYTES: "bytesContents",
};

/** Decodes typed `contents`, for servers that answer with them instead of raw contents. */
export function decodeTensorContents(datatype: OipDatatype, contents: InferTensorContents): TensorData {
  const field = CONTENTS_FIELD[datatype];
  if (field === undefined) return new Uint16Array(0);
  const values = contents[field];
  if (datatype === "BYTES") return (values as Buffer[]).map((b) => new Uint8Array(b));
  if (datatype === "BOOL") return Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0));
  const { array, size } = NUMERIC[datatype];
  const data = new array(new ArrayBuffer(values.length * size), 0, values.length);
  (data as unknown as { set(v: ArrayLike<number | bigint>): void }).set(values as ArrayLike<number | bigint>);
  return data;
}
