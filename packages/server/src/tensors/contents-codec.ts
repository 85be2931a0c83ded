import type { InferTensorContents } from "@inferd/grpc-types/inference";
import { invalidArgument } from "../errors";
import { DATATYPES, type ContentsField, type NumericArray, type OipDatatype } from "./datatypes";
import { elementCount, type HostTensor } from "./tensor";

const FIELD_NAMES: Readonly<Record<ContentsField, string>> = {
  boolContents: "bool_contents",
  intContents: "int_contents",
  int64Contents: "int64_contents",
  uintContents: "uint_contents",
  uint64Contents: "uint64_contents",
  fp32Contents: "fp32_contents",
  fp64Contents: "fp64_contents",
  bytesContents: "bytes_contents",
};

/** An `InferTensorContents` with every field empty. */
export function emptyContents(): InferTensorContents {
  return {
    boolContents: [],
    intContents: [],
    int64Contents: [],
    uintContents: [],
    uint64Contents: [],
    fp32Contents: [],
    fp64Contents: [],
    bytesContents: [],
  };
}

/**
 * Decodes a tensor sent in the typed `contents` of an input: the repeated field of its
 * datatype, with exactly as many elements as the shape calls for, each in the datatype's
 * range. FP16 has no typed field and must come as raw contents. `what` names the tensor.
 */
export function decodeContents(what: string, datatype: OipDatatype, shape: readonly number[], contents: InferTensorContents): HostTensor {
  const info = DATATYPES[datatype];
  if (!info.field) throw invalidArgument(`${what}: ${datatype} has no typed contents field; send it in raw_input_contents`);
  const values = contents[info.field];
  const count = elementCount(shape);
  for (const [field, other] of Object.entries(contents) as [ContentsField, unknown[]][]) {
    if (field !== info.field && other.length > 0) {
      throw invalidArgument(`${what}: ${datatype} contents go in ${FIELD_NAMES[info.field]}, but ${FIELD_NAMES[field]} is set`);
    }
  }
  if (values.length !== count) {
    throw invalidArgument(`${what}: ${FIELD_NAMES[info.field]} has ${values.length} elements; shape [${shape.join(",")}] needs ${count}`);
  }
  if (datatype === "BYTES") return { datatype, shape, data: (values as Buffer[]).map((b) => new Uint8Array(b)) };
  if (datatype === "BOOL") return { datatype, shape, data: Uint8Array.from(values as boolean[], (b) => (b ? 1 : 0)) };
  if (info.range) {
    const [min, max] = info.range;
    const bad = (values as number[]).findIndex((v) => v < min || v > max);
    if (bad >= 0) throw invalidArgument(`${what}: element ${bad} (${String(values[bad])}) is out of range for ${datatype} (${min} to ${max})`);
  }
  const Typed = info.array as NonNullable<typeof info.array>;
  const data = new Typed(count);
  (data as unknown as { set(values: ArrayLike<number | bigint>): void }).set(values as ArrayLike<number | bigint>);
  return { datatype, shape, data } as HostTensor;
}

/** Encodes a tensor as typed `contents` (FP16 cannot be: it has no typed field). */
export function encodeContents(tensor: HostTensor): InferTensorContents {
  const info = DATATYPES[tensor.datatype];
  if (!info.field) throw invalidArgument(`${tensor.datatype} has no typed contents field; it is sent as raw contents only`);
  const contents = emptyContents();
  if (tensor.datatype === "BYTES") contents.bytesContents = tensor.data.map((element) => Buffer.from(element));
  else if (tensor.datatype === "BOOL") contents.boolContents = Array.from(tensor.data as Uint8Array, (b) => b !== 0);
  else (contents[info.field] as (number | bigint)[]) = Array.from(tensor.data as NumericArray as ArrayLike<number | bigint>);
  return contents;
}
