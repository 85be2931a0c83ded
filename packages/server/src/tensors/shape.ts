import { invalidArgument } from "../errors";
import { elementCount } from "./tensor";

/** Most elements one tensor of a request may have (a 2^31-byte FP32 tensor is far past any message limit). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31;

/**
 * A request's shape as numbers: every dimension a non-negative integer and the element count
 * under {@link MAX_TENSOR_ELEMENTS}. `what` names the tensor, e.g. `input "x"`.
 */
export function toShape(what: string, dims: readonly (bigint | number)[]): number[] {
  const shape = dims.map((dim) => {
    const value = typeof dim === "bigint" ? dim : BigInt(dim);
    if (value < 0n || value > BigInt(MAX_TENSOR_ELEMENTS)) {
      throw invalidArgument(`${what}: shape [${dims.join(",")}] has dimension ${value}; dimensions must be from 0 to ${MAX_TENSOR_ELEMENTS}`);
    }
    return Number(value);
  });
  if (elementCount(shape) > MAX_TENSOR_ELEMENTS) {
    throw invalidArgument(`${what}: shape [${shape.join(",")}] has ${elementCount(shape)} elements; at most ${MAX_TENSOR_ELEMENTS} are allowed`);
  }
  return shape;
}

/**
 * Checks a request's shape against the model's declared one: same rank, and equal dimensions
 * wherever the model's is not -1 (variable). An empty declared shape means the model does not
 * say, and anything goes.
 */
export function checkShape(what: string, declared: readonly number[], given: readonly number[]): void {
  if (declared.length === 0) return;
  const mismatch = given.length !== declared.length || declared.some((dim, i) => dim >= 0 && dim !== given[i]);
  if (mismatch) {
    throw invalidArgument(`${what}: shape [${given.join(",")}] does not match the model's [${declared.join(",")}] (-1 is any size); see ModelMetadata`);
  }
}
