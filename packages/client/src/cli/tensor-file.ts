/**
 * Reads one input tensor of `inferctl models infer` from a file: a NumPy `.npy` file, or a
 * `.json` file `{ "datatype": "FP32", "shape": [1, 3], "data": [...] }` (data flat or nested,
 * row-major; BYTES elements as strings; INT64/UINT64 as numbers or decimal strings).
 * Every problem is a local error (exit 3) naming the file.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { localError } from "../errors";
import type { OipInput } from "../oip/oip-client";
import { decodeTensorData, type OipDatatype, type TensorData } from "../oip/tensors";
import { parseNpy } from "./npy";

type NumericArray = new (length: number) => Exclude<TensorData, readonly Uint8Array[]>;

const JSON_ARRAYS: Readonly<Record<Exclude<OipDatatype, "BYTES" | "FP16">, NumericArray>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

function isDatatype(value: unknown): value is OipDatatype {
  return typeof value === "string" && (value === "BYTES" || value === "FP16" || value in JSON_ARRAYS);
}

function jsonElements(datatype: OipDatatype, values: readonly unknown[]): TensorData {
  if (datatype === "BYTES") {
    return values.map((v) => {
      if (typeof v !== "string") throw new Error("BYTES data must be strings");
      return Buffer.from(v, "utf8");
    });
  }
  if (datatype === "FP16") throw new Error("FP16 data cannot be given as JSON numbers; save a float16 .npy file instead");
  const data = new JSON_ARRAYS[datatype](values.length);
  const wide = datatype === "INT64" || datatype === "UINT64";
  values.forEach((v, i) => {
    if (datatype === "BOOL" && typeof v === "boolean") data[i] = v ? 1 : 0;
    else if (wide && (typeof v === "number" || typeof v === "string") && /^-?\d+$/.test(String(v))) (data as BigInt64Array)[i] = BigInt(v);
    else if (!wide && typeof v === "number") (data as Float64Array)[i] = v;
    else throw new Error(`element ${i} (${JSON.stringify(v)}) is not a ${datatype} value`);
  });
  return data;
}

function parseJsonTensor(text: string): { datatype: OipDatatype; shape: number[]; data: TensorData } {
  const value = JSON.parse(text) as { datatype?: unknown; shape?: unknown; data?: unknown };
  if (value === null || typeof value !== "object") throw new Error('expected an object { "datatype", "shape", "data" }');
  if (!isDatatype(value.datatype)) throw new Error(`"datatype" must be one of BOOL, UINT8..64, INT8..64, FP16, FP32, FP64, BYTES (got ${JSON.stringify(value.datatype)})`);
  if (!Array.isArray(value.shape) || !value.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw new Error('"shape" must be an array of sizes');
  if (!Array.isArray(value.data)) throw new Error('"data" must be an array');
  const shape = value.shape as number[];
  const flat = (value.data as unknown[]).flat(Infinity);
  const count = shape.reduce((a, b) => a * b, 1);
  if (flat.length !== count) throw new Error(`"data" has ${flat.length} elements but shape [${shape.join(", ")}] needs ${count}`);
  return { datatype: value.datatype, shape, data: jsonElements(value.datatype, flat) };
}

/** Reads input `name` from `path` (`.npy` or `.json`). */
export async function readTensorFile(name: string, path: string): Promise<OipInput> {
  const kind = extname(path).toLowerCase();
  if (kind !== ".npy" && kind !== ".json") throw localError(`cannot read input "${name}" from ${path}: give a .npy or .json file`);
  const bytes = await readFile(path).catch((error: unknown) => {
    throw localError(`cannot read input "${name}" from ${path}`, error);
  });
  try {
    if (kind === ".npy") {
      const npy = parseNpy(bytes);
      return { name, shape: npy.shape, datatype: npy.datatype, data: decodeTensorData(npy.datatype, npy.raw) };
    }
    return { name, ...parseJsonTensor(bytes.toString("utf8")) };
  } catch (error) {
    throw localError(`input "${name}" from ${path} is not a valid ${kind} tensor`, error);
  }
}
