import { status } from "@grpc/grpc-js";
import { AvroDecodeError, InitRequestCodec, InitRequestV1Codec, PipelineService, type InitRequest } from "@inferd/grpc-types/avro";

// The module serves PipelineService as generated: its request decoder is the shared codec,
// whose block-count guard refuses an array count larger than the bytes left before avsc
// allocates it (2^30 made the server abort with an out-of-memory error).
const decode = (bytes: Buffer): unknown => PipelineService.init.requestDeserialize(bytes);

/** An Avro long (zigzag varint). */
function long(value: number): Buffer {
  let v = BigInt.asUintN(64, (BigInt(value) << 1n) ^ (BigInt(value) >> 63n));
  const out: number[] = [];
  do {
    out.push(Number(v & 0x7fn) | (v >= 0x80n ? 0x80 : 0));
    v >>= 7n;
  } while (v > 0n);
  return Buffer.from(out);
}
const str = (s: string): Buffer => Buffer.concat([long(s.length), Buffer.from(s)]);
const header = InitRequestCodec.encode({ project: "", model: "", imageUris: [] }).subarray(0, 10);
const withCount = (count: number, extra: Buffer[] = []): Buffer => Buffer.concat([header, str("demo"), str("m"), str(""), long(count), ...extra, Buffer.alloc(5)]);

function codeOf(bytes: Buffer): status | undefined {
  try {
    decode(bytes);
    return undefined;
  } catch (error) {
    return error instanceof AvroDecodeError ? error.code : status.UNKNOWN;
  }
}

it("refuses block counts larger than the message (positive, negative with a size, 2^62)", () => {
  expect(codeOf(withCount(2 ** 30))).toBe(status.INVALID_ARGUMENT);
  expect(codeOf(withCount(-(2 ** 30), [long(4)]))).toBe(status.INVALID_ARGUMENT);
  expect(codeOf(withCount(2 ** 62))).toBe(status.INVALID_ARGUMENT);
});

it("lets valid requests through, of this version and of version 1", () => {
  const request: InitRequest = { project: "demo", model: "m", imageUris: ["inferd://demo/a.png", "inferd://demo/b.png"], persistence: true };
  expect(decode(InitRequestCodec.encode(request))).toMatchObject(request);
  expect(decode(InitRequestV1Codec.encode({ project: "demo", model: "m", imageUris: ["inferd://demo/a.png"], comment: "v1" }))).toMatchObject({ project: "demo", imageUris: ["inferd://demo/a.png"] });
  // A count that fits, items and all.
  expect(decode(withCount(2, [str("a"), str("b"), long(0)]))).toMatchObject({ imageUris: ["a", "b"] });
});

it("leaves other faults to the codec (still INVALID_ARGUMENT)", () => {
  expect(codeOf(Buffer.concat([header, long(2 ** 40)]))).toBe(status.INVALID_ARGUMENT);
});
