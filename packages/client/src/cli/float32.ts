/**
 * The shortest decimal that reads back as the same float32 as `value`: 0.6000000238418579
 * (a float32 0.6 widened to a double) becomes 0.6. Proto `float` fields arrive as doubles
 * holding a float32, whose full double digits are noise; printing them this way is what
 * protobuf's JSON mapping does for floats. Non-finite values and integers are returned as is.
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  const single = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(single.toPrecision(digits));
    if (Math.fround(candidate) === single) return candidate;
  }
  return Number(single.toPrecision(9));
}
