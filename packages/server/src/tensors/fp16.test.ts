import { fromHalfBits, toHalfBits } from "./fp16";

test.each([
  [1, 0x3c00],
  [-2, 0xc000],
  [65504, 0x7bff],
  [2 ** -24, 0x0001],
  [2 ** -14, 0x0400],
  [0.333251953125, 0x3555],
  [0, 0],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
])("%d <-> 0x%s", (value, bits) => {
  expect(toHalfBits(value)).toBe(bits);
  expect(fromHalfBits(bits)).toBe(value);
});

test("rounding: to nearest, ties to even, overflow to infinity, underflow to zero", () => {
  expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // a tie, rounds to the even 1.0
  expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // a tie, rounds up to even
  expect(toHalfBits(65520)).toBe(0x7c00);
  expect(toHalfBits(2 ** -26)).toBe(0);
  expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
});

test("every finite half survives half -> number -> half", () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    if ((bits & 0x7c00) === 0x7c00) continue; // Inf and NaN
    expect(toHalfBits(fromHalfBits(bits))).toBe(bits === 0x8000 ? 0x8000 : bits);
  }
});
