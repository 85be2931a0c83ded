import type { NumericArray, OipDatatype } from "./datatypes";

/**
 * A tensor as inferd holds it between the wire and the model: its protocol datatype, its
 * shape and its row-major elements (a typed array, or one byte string per element for BYTES).
 */
export type HostTensor =
  | { readonly datatype: Exclude<OipDatatype, "BYTES">; readonly shape: readonly number[]; readonly data: NumericArray }
  | { readonly datatype: "BYTES"; readonly shape: readonly number[]; readonly data: readonly Uint8Array[] };

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, dim) => count * dim, 1);
}
