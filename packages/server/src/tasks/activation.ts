/** How raw scores become probabilities. */
export type Activation = "softmax" | "sigmoid" | "none";

/** Applies an activation to a vector of scores, returning probabilities (clamped to 0-1). */
export function activate(scores: ArrayLike<number>, activation: Activation): Float64Array {
  const out = new Float64Array(scores.length);
  if (activation === "softmax") {
    let max = -Infinity;
    for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i] as number);
    let sum = 0;
    for (let i = 0; i < scores.length; i++) sum += out[i] = Math.exp((scores[i] as number) - max);
    for (let i = 0; i < scores.length; i++) out[i] = (out[i] as number) / sum;
  } else {
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i] as number;
      out[i] = activation === "sigmoid" ? 1 / (1 + Math.exp(-s)) : Math.min(1, Math.max(0, s));
    }
  }
  return out;
}
