import { status } from "@grpc/grpc-js";
import { toServiceError } from "../errors";
import { decodeContents, emptyContents, encodeContents } from "./contents-codec";
import { DATATYPES, datatypeOfOrt, type OipDatatype } from "./datatypes";
import { fromRuntimeTensor, toRuntimeTensor } from "./ort-bridge";
import { decodeRaw, encodeRaw } from "./raw-codec";
import { checkShape, toShape } from "./shape";
import type { HostTensor } from "./tensor";

/** Four sample elements of every datatype, including each type's extremes. */
const SAMPLES: ReadonlyArray<readonly [OipDatatype, HostTensor["data"]]> = [
  ["BOOL", Uint8Array.from([1, 0, 0, 1])],
  ["UINT8", Uint8Array.from([0, 1, 128, 255])],
  ["UINT16", Uint16Array.from([0, 1, 40000, 65535])],
  ["UINT32", Uint32Array.from([0, 1, 3e9, 4294967295])],
  ["UINT64", BigUint64Array.from([0n, 1n, 2n ** 63n, 2n ** 64n - 1n])],
  ["INT8", Int8Array.from([-128, -1, 0, 127])],
  ["INT16", Int16Array.from([-32768, -1, 0, 32767])],
  ["INT32", Int32Array.from([-2147483648, -1, 0, 2147483647])],
  ["INT64", BigInt64Array.from([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n])],
  ["FP16", Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001])], // 1, -2, 65504, smallest subnormal
  ["FP32", Float32Array.from([1.5, -2.25, 3.4e38, 1e-45])],
  ["FP64", Float64Array.from([1.5, -2.25, 1.7e308, 5e-324])],
  ["BYTES", [Uint8Array.from([]), Uint8Array.from([104, 105]), Uint8Array.from([0xe2, 0x82, 0xac]), Uint8Array.from([0])]],
];

function tensor(datatype: OipDatatype, data: HostTensor["data"]): HostTensor {
  return { datatype, shape: [2, 2], data } as HostTensor;
}

/** The gRPC code an error would reach the client with. */
function codeOf(fn: () => unknown): status | undefined {
  try {
    fn();
  } catch (error) {
    return toServiceError(error).code;
  }
  return undefined;
}

test.each(SAMPLES)("%s survives raw encoding, little-endian", (datatype, data) => {
  const raw = encodeRaw(tensor(datatype, data));
  const decoded = decodeRaw('input "x"', datatype, [2, 2], raw);
  expect(decoded).toEqual(tensor(datatype, data));
  if (datatype === "BYTES") expect([...raw.subarray(0, 8)]).toEqual([0, 0, 0, 0, 2, 0, 0, 0]);
  else expect(raw.byteLength).toBe(4 * DATATYPES[datatype].size);
});

test("raw bytes are read little-endian whatever the typed array", () => {
  expect([...(decodeRaw("x", "INT32", [1], Buffer.from([0x01, 0x02, 0x00, 0x80])).data as Int32Array)]).toEqual([-0x7ffffdff]);
  expect((decodeRaw("x", "FP16", [1], Buffer.from([0x00, 0x3c])).data as Uint16Array)[0]).toBe(0x3c00);
  expect((decodeRaw("x", "INT64", [1], Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).data as BigInt64Array)[0]).toBe(-2n);
});

test("raw input from an unaligned slice of a larger buffer decodes", () => {
  const big = Buffer.alloc(1 + 8);
  big.writeDoubleLE(2.5, 1);
  expect([...(decodeRaw("x", "FP64", [1], big.subarray(1)).data as Float64Array)]).toEqual([2.5]);
});

test("aligned raw input is decoded as a view of the received bytes, unaligned input as a copy", () => {
  const frame = Buffer.alloc(1 + 8 * 4);
  const aligned = frame.subarray(8, 8 + 16);
  new Float32Array(aligned.buffer, aligned.byteOffset, 4).set([1, 2, 3, 4]);
  const view = decodeRaw("x", "FP32", [4], aligned);
  expect(view.data).toEqual(Float32Array.from([1, 2, 3, 4]));
  expect((view.data as Float32Array).buffer).toBe(frame.buffer);
  const unaligned = frame.subarray(1, 1 + 16);
  unaligned.set(aligned);
  const copy = decodeRaw("x", "FP32", [4], unaligned);
  expect(copy.data).toEqual(Float32Array.from([1, 2, 3, 4]));
  expect((copy.data as Float32Array).buffer).not.toBe(frame.buffer);
});

test("raw input that spans its whole buffer is copied, so that a worker's transfer cannot detach the caller's bytes", () => {
  const whole = Buffer.from(Float32Array.from([1, 2]).buffer);
  const decoded = decodeRaw("x", "FP32", [2], whole);
  expect((decoded.data as Float32Array).buffer).not.toBe(whole.buffer);
  expect(decoded.data).toEqual(Float32Array.from([1, 2]));
});

test.each(SAMPLES.filter(([datatype]) => datatype !== "FP16"))("%s survives typed contents", (datatype, data) => {
  const contents = encodeContents(tensor(datatype, data));
  expect(decodeContents('input "x"', datatype, [2, 2], contents)).toEqual(tensor(datatype, data));
});

test("FP16 has no typed contents field: INVALID_ARGUMENT naming raw contents", () => {
  expect(codeOf(() => decodeContents("x", "FP16", [1], { ...emptyContents(), fp32Contents: [1] }))).toBe(status.INVALID_ARGUMENT);
  expect(() => decodeContents('input "half"', "FP16", [1], emptyContents())).toThrow(/input "half".*raw_input_contents/);
});

test.each([
  ["a raw length that does not match the shape", () => decodeRaw('input "x"', "FP32", [2, 2], Buffer.alloc(12))],
  ["a BOOL byte other than 0 or 1", () => decodeRaw('input "x"', "BOOL", [1], Buffer.from([2]))],
  ["a BYTES length prefix cut off", () => decodeRaw('input "x"', "BYTES", [1], Buffer.from([1, 0]))],
  ["a BYTES element longer than the data", () => decodeRaw('input "x"', "BYTES", [1], Buffer.from([9, 0, 0, 0, 1]))],
  ["too few BYTES elements", () => decodeRaw('input "x"', "BYTES", [2], Buffer.from([1, 0, 0, 0, 65]))],
  ["too few typed elements", () => decodeContents('input "x"', "INT32", [3], { ...emptyContents(), intContents: [1, 2] })],
  ["the wrong contents field", () => decodeContents('input "x"', "INT32", [1], { ...emptyContents(), fp32Contents: [1] })],
  ["an INT8 out of range", () => decodeContents('input "x"', "INT8", [1], { ...emptyContents(), intContents: [128] })],
  ["a UINT16 out of range", () => decodeContents('input "x"', "UINT16", [1], { ...emptyContents(), uintContents: [65536] })],
  ["a negative dimension", () => toShape('input "x"', [2n, -1n])],
  ["a shape too large", () => toShape('input "x"', [65536n, 65536n])],
  ["a rank mismatch", () => checkShape('input "x"', [-1, 3], [3])],
  ["a fixed dimension mismatch", () => checkShape('input "x"', [-1, 3], [5, 4])],
])("%s is INVALID_ARGUMENT naming the input", (_name, fn) => {
  expect(codeOf(fn)).toBe(status.INVALID_ARGUMENT);
  expect(fn).toThrow(/input "x"/);
});

test("-1 dims accept any size; an empty declared shape accepts anything", () => {
  expect(() => checkShape("x", [-1, 3], [7, 3])).not.toThrow();
  expect(() => checkShape("x", [-1, -1], [0, 9])).not.toThrow();
  expect(() => checkShape("x", [], [1, 2, 3])).not.toThrow();
  expect(toShape("x", [1n, 0n, 3n])).toEqual([1, 0, 3]);
});

test.each(SAMPLES)("%s maps to an onnxruntime type and back", (datatype, data) => {
  const runtime = toRuntimeTensor("x", tensor(datatype, data));
  expect(datatypeOfOrt(runtime.type)).toBe(datatype);
  expect(fromRuntimeTensor("x", runtime)).toEqual(tensor(datatype, data));
});

test("BYTES that are not UTF-8 cannot become an onnxruntime string: INVALID_ARGUMENT", () => {
  expect(codeOf(() => toRuntimeTensor('input "x"', { datatype: "BYTES", shape: [1], data: [Uint8Array.from([0xff])] }))).toBe(status.INVALID_ARGUMENT);
});

test("an output type the protocol cannot carry is an error, not a wrong answer", () => {
  expect(() => fromRuntimeTensor('output "y"', { type: "bfloat16" as never, data: new Uint16Array(1), dims: [1] })).toThrow(/bfloat16/);
});
