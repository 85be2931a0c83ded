/**
 * A reader of NumPy `.npy` files (format versions 1, 2 and 3): the header's dtype, shape and
 * order, and the elements as the OIP datatype they map to.
 *
 * Our own small parser: no well-kept npm package fits. `npyjs` targets browsers (fetch), knows
 * no FP16/BOOL mapping to OIP and is rarely released; the @stdlib ndarray packages do not read
 * `.npy`. The format is one fixed prefix and a Python dict literal, a few dozen lines to read.
 */
import type { OipDatatype } from "../oip/tensors";

/** A parsed `.npy` file; `raw` is the little-endian element bytes, row-major. */
export interface NpyArray {
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
  readonly raw: Buffer;
}

const MAGIC = Buffer.from([0x93, ...Buffer.from("NUMPY")]);

/** NumPy type codes (kind + item size) and their OIP datatype and element size. */
const DTYPES: Readonly<Record<string, { datatype: OipDatatype; size: number }>> = {
  b1: { datatype: "BOOL", size: 1 },
  u1: { datatype: "UINT8", size: 1 },
  u2: { datatype: "UINT16", size: 2 },
  u4: { datatype: "UINT32", size: 4 },
  u8: { datatype: "UINT64", size: 8 },
  i1: { datatype: "INT8", size: 1 },
  i2: { datatype: "INT16", size: 2 },
  i4: { datatype: "INT32", size: 4 },
  i8: { datatype: "INT64", size: 8 },
  f2: { datatype: "FP16", size: 2 },
  f4: { datatype: "FP32", size: 4 },
  f8: { datatype: "FP64", size: 8 },
};

/** Parses a `.npy` file's bytes; throws an Error saying what is wrong with it. */
export function parseNpy(bytes: Buffer): NpyArray {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) throw new Error("not a .npy file (no \\x93NUMPY magic)");
  const major = bytes[6] ?? 0;
  if (major < 1 || major > 3) throw new Error(`unsupported .npy format version ${major}`);
  const lengthBytes = major === 1 ? 2 : 4;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const dataStart = 8 + lengthBytes + headerLength;
  if (bytes.length < dataStart) throw new Error("the .npy header is truncated");
  const header = bytes.subarray(8 + lengthBytes, dataStart).toString(major === 3 ? "utf8" : "latin1");

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`the .npy header is not a NumPy array header: ${header.trim()}`);
  if (fortran === "True") throw new Error("the array is in Fortran order; save it in C order (np.ascontiguousarray)");
  const order = descr[0];
  const dtype = DTYPES[descr.slice(1)];
  if (dtype === undefined || (order !== "<" && order !== "|" && order !== "=")) {
    throw new Error(`unsupported dtype '${descr}': use a little-endian bool, int8-64, uint8-64 or float16/32/64 array`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      if (!/^\d+$/.test(s)) throw new Error(`the .npy shape (${shapeText}) is not a tuple of sizes`);
      return Number(s);
    });
  const count = shape.reduce((a, b) => a * b, 1);
  const raw = bytes.subarray(dataStart);
  if (raw.length !== count * dtype.size) {
    throw new Error(`the .npy data is ${raw.length} bytes but shape (${shape.join(", ")}) of ${descr} needs ${count * dtype.size}`);
  }
  return { datatype: dtype.datatype, shape, raw };
}
