import { invalidArgument } from "../errors";
import { DATATYPES, datatypeOfOrt, type NumericArray, type OrtElementType } from "./datatypes";
import type { HostTensor } from "./tensor";

/** A tensor in onnxruntime's terms: element type, elements (strings for "string") and dims. */
export interface RuntimeTensor {
  readonly type: OrtElementType;
  readonly data: NumericArray | readonly string[];
  readonly dims: readonly number[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * A request's tensor as onnxruntime takes it. BYTES elements become strings: onnxruntime's
 * string tensors hold UTF-8 text, so an element that is not valid UTF-8 is refused.
 */
export function toRuntimeTensor(what: string, tensor: HostTensor): RuntimeTensor {
  const type = DATATYPES[tensor.datatype].ort;
  if (tensor.datatype !== "BYTES") return { type, data: tensor.data, dims: tensor.shape };
  const data = tensor.data.map((element, i) => {
    try {
      return utf8.decode(element);
    } catch {
      throw invalidArgument(`${what}: BYTES element ${i} is not valid UTF-8; onnxruntime string tensors hold UTF-8 text`);
    }
  });
  return { type, data, dims: tensor.shape };
}

/** A model's output as a protocol tensor; throws for element types the protocol cannot carry. */
export function fromRuntimeTensor(what: string, tensor: RuntimeTensor): HostTensor {
  const datatype = datatypeOfOrt(tensor.type);
  if (datatype === undefined) throw new Error(`${what} is of type ${tensor.type}, which the inference protocol cannot carry`);
  const shape = [...tensor.dims];
  if (datatype === "BYTES") return { datatype, shape, data: (tensor.data as readonly string[]).map((s) => encoder.encode(s)) };
  return { datatype, shape, data: tensor.data as NumericArray } as HostTensor;
}
