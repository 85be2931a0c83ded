import fc from "fast-check";
import { parseNpy } from "./npy";

const SIZES: Readonly<Record<string, number>> = { "|b1": 1, "|u1": 1, "<u2": 2, "<u4": 4, "<u8": 8, "|i1": 1, "<i2": 2, "<i4": 4, "<i8": 8, "<f2": 2, "<f4": 4, "<f8": 8 };

/** A .npy file the way numpy.save writes one (header padded to a multiple of 64 bytes). */
function npy(descr: string, shape: readonly number[], data: Buffer, major: number, fortran = false): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const prefix = 8 + (major === 1 ? 2 : 4);
  const padded = dict + " ".repeat(63 - ((prefix + dict.length) % 64)) + "\n";
  const length = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) length.writeUInt16LE(padded.length);
  else length.writeUInt32LE(padded.length);
  return Buffer.concat([Buffer.from([0x93]), Buffer.from("NUMPY"), Buffer.from([major, 0]), length, Buffer.from(padded, "latin1"), data]);
}

test("every supported dtype, any shape (scalars included) and format 1-3 round-trips", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...Object.keys(SIZES)),
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
      fc.constantFrom(1, 2, 3),
      fc.uint8Array({ maxLength: 8 * 256 }),
      (descr, shape, major, bytes) => {
        const size = (SIZES[descr] ?? 1) * shape.reduce((a, b) => a * b, 1);
        const data = Buffer.alloc(size);
        data.set(bytes.subarray(0, size));
        const parsed = parseNpy(npy(descr, shape, data, major));
        expect(parsed.shape).toEqual(shape);
        expect(parsed.raw.equals(data)).toBe(true);
      },
    ),
  );
});

test("dtypes map to OIP datatypes", () => {
  expect(parseNpy(npy("|b1", [1], Buffer.alloc(1), 1)).datatype).toBe("BOOL");
  expect(parseNpy(npy("<f2", [1], Buffer.alloc(2), 1)).datatype).toBe("FP16");
  expect(parseNpy(npy("<i8", [1], Buffer.alloc(8), 1)).datatype).toBe("INT64");
  expect(parseNpy(npy("<u4", [1], Buffer.alloc(4), 1)).datatype).toBe("UINT32");
});

test("what it cannot read is refused, never misread", () => {
  expect(() => parseNpy(Buffer.from("hello world, not numpy"))).toThrow();
  expect(() => parseNpy(npy("<f4", [2], Buffer.alloc(4), 1))).toThrow(); // too few bytes
  expect(() => parseNpy(npy("<f4", [2], Buffer.alloc(12), 1))).toThrow(); // too many bytes
  expect(() => parseNpy(npy("<f4", [2, 2], Buffer.alloc(16), 1, true))).toThrow(); // Fortran order
  expect(() => parseNpy(npy(">f4", [1], Buffer.alloc(4), 1))).toThrow(); // big-endian
  expect(() => parseNpy(npy("<U3", [1], Buffer.alloc(12), 1))).toThrow(); // unicode strings
  expect(() => parseNpy(npy("|O", [1], Buffer.alloc(8), 1))).toThrow(); // pickled objects
  expect(() => parseNpy(npy("<f4", [1], Buffer.alloc(4), 4))).toThrow(); // unknown version
  expect(() => parseNpy(npy("<f4", [3], Buffer.alloc(12), 1).subarray(0, 40))).toThrow(); // truncated header
});
