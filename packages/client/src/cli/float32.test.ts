import fc from "fast-check";
import { shortestFloat32 } from "./float32";

test.each([
  [0.6000000238418579, 0.6],
  [Math.fround(0.997), 0.997],
  [Math.fround(41.25), 41.25],
  [Math.fround(1e-7), 1e-7],
  [Math.fround(123456.789), 123456.79],
  [3, 3],
  [0, 0],
  [Infinity, Infinity],
])("shortestFloat32(%d) = %d", (input, expected) => {
  expect(shortestFloat32(input)).toBe(expected);
});

test("reads back as the same float32 and is never longer than the double it replaces", () => {
  fc.assert(
    fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
      const single = Math.fround(f);
      const short = shortestFloat32(single);
      expect(Math.fround(short)).toBe(single);
      expect(String(short).length).toBeLessThanOrEqual(String(single).length);
    }),
  );
});
