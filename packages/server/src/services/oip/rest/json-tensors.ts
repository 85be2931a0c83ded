/**
 * The JSON forms of the REST protocol: tensor `data` (nested or flat row-major arrays) and
 * `parameters` objects, converted to and from the codec's {@link HostTensor} and the gRPC
 * `InferParameter` map, so that REST requests run through the same ModelInfer as gRPC ones.
 */
import type { InferParameter } from "@inferd/grpc-types/inference";
import { invalidArgument } from "../../../errors";
import { decodeContents, emptyContents } from "../../../tensors/contents-codec";
import type { OipDatatype } from "../../../tensors/datatypes";
import { fromHalfBits, toHalfBits } from "../../../tensors/fp16";
import { elementCount, type HostTensor } from "../../../tensors/tensor";
import { quote } from "../../../quote";

/** Flattens nested arrays into row-major order. */
function flatten(data: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const item of data) flatten(item, out);
  else out.push(data);
  return out;
}

function expectAll<T>(what: string, values: unknown[], check: (v: unknown) => v is T, kind: string): T[] {
  const bad = values.findIndex((v) => !check(v));
  if (bad >= 0) throw invalidArgument(`${what}: data element ${bad} (${JSON.stringify(values[bad])}) is not ${kind}`);
  return values as T[];
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);

/** Decodes a JSON input's `data` to a tensor of the given datatype and shape. */
export function jsonToTensor(what: string, datatype: OipDatatype, shape: readonly number[], data: unknown): HostTensor {
  const values = flatten(data);
  const count = elementCount(shape);
  if (values.length !== count) throw invalidArgument(`${what}: data has ${values.length} elements; shape [${shape.join(",")}] needs ${count}`);
  const contents = emptyContents();
  switch (datatype) {
    case "BOOL":
      contents.boolContents = expectAll(what, values, (v): v is boolean => typeof v === "boolean", "true or false");
      break;
    case "FP16":
      return { datatype, shape, data: Uint16Array.from(expectAll(what, values, isNumber, "a number"), toHalfBits) };
    case "FP32":
      contents.fp32Contents = expectAll(what, values, isNumber, "a number");
      break;
    case "FP64":
      contents.fp64Contents = expectAll(what, values, isNumber, "a number");
      break;
    case "BYTES":
      contents.bytesContents = expectAll(what, values, (v): v is string => typeof v === "string", "a string").map((s) => Buffer.from(s, "utf8"));
      break;
    case "INT64":
    case "UINT64": {
      const kind = "an integer (JSON numbers are exact up to 2^53; use the binary tensor extension beyond)";
      const big = expectAll(what, values, isInteger, kind).map(BigInt);
      if (datatype === "UINT64" && big.some((v) => v < 0n)) throw invalidArgument(`${what}: UINT64 data must not be negative`);
      if (datatype === "INT64") contents.int64Contents = big;
      else contents.uint64Contents = big;
      break;
    }
    case "INT8":
    case "INT16":
    case "INT32":
      contents.intContents = expectAll(what, values, isInteger, "an integer");
      break;
    default:
      contents.uintContents = expectAll(what, values, isInteger, "an integer");
  }
  return decodeContents(what, datatype, shape, contents);
}

/** Marks a bigint so that {@link toJsonText} writes it as a bare JSON number, exactly. */
const BIGINT_MARK = "\u0000bigint:";

/** A tensor's elements as a flat JSON array (FP16 as numbers, BYTES as UTF-8 strings). */
export function tensorToJson(tensor: HostTensor): unknown[] {
  switch (tensor.datatype) {
    case "BYTES":
      return tensor.data.map((element) => Buffer.from(element).toString("utf8"));
    case "BOOL":
      return Array.from(tensor.data as Uint8Array, (b) => b !== 0);
    case "FP16":
      return Array.from(tensor.data as Uint16Array, fromHalfBits);
    case "INT64":
    case "UINT64":
      return Array.from(tensor.data as BigInt64Array, (v) => `${BIGINT_MARK}${v}`);
    default:
      return Array.from(tensor.data as ArrayLike<number>);
  }
}

/** JSON text of a response; 64-bit integers from {@link tensorToJson} are written exactly. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${BIGINT_MARK}${v}` : v)).replace(
    /"\\u0000bigint:(-?\d+)"/g,
    "$1",
  );
}

/** A JSON `parameters` object as gRPC InferParameters (integers become int64, other numbers double). */
export function parametersFromJson(what: string, raw: unknown): { [key: string]: InferParameter } {
  if (raw === undefined) return {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalidArgument(`${what}: parameters must be an object`);
  const out: { [key: string]: InferParameter } = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === "boolean") out[key] = { parameterChoice: { $case: "boolParam", value } };
    else if (typeof value === "string") out[key] = { parameterChoice: { $case: "stringParam", value } };
    else if (isInteger(value)) out[key] = { parameterChoice: { $case: "int64Param", value: BigInt(value) } };
    else if (isNumber(value)) out[key] = { parameterChoice: { $case: "doubleParam", value } };
    else throw invalidArgument(`${what}: parameter ${quote(key)} must be a boolean, number or string`);
  }
  return out;
}

/** gRPC InferParameters as a JSON `parameters` object. */
export function parametersToJson(parameters: { [key: string]: InferParameter }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).map(([key, p]) => [key, p.parameterChoice?.value ?? null]));
}
