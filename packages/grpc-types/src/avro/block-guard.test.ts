import { status } from "@grpc/grpc-js";
import type { Schema } from "avsc";
import { AvroDecodeError, createAvroCodec, SINGLE_OBJECT_HEADER_BYTES } from "./codec";
import { InitRequestCodec, InitRequestV1Codec, JobStatusCodec, PipelineService, type JobStatus } from "../gen/avro/inferd/pipeline/v1";

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

function codeOf(decode: () => unknown): status | undefined {
  try {
    decode();
    return undefined;
  } catch (error) {
    return error instanceof AvroDecodeError ? error.code : status.UNKNOWN;
  }
}

const TWO_30 = 2 ** 30;

describe("block-count guard of the shared Avro codec", () => {
  it("refuses a 2^30-item array in a request (InitRequest, both writer versions) before avsc allocates it", () => {
    const header = InitRequestCodec.encode({ project: "", model: "", imageUris: [] }).subarray(0, SINGLE_OBJECT_HEADER_BYTES);
    // project, model, parentJobId (this version), then the imageUris block count.
    const bytes = Buffer.concat([header, str("demo"), str("m"), str(""), long(TWO_30), Buffer.alloc(5)]);
    expect(bytes.length).toBeLessThan(31);
    expect(codeOf(() => InitRequestCodec.decode(bytes))).toBe(status.INVALID_ARGUMENT);
    expect(codeOf(() => PipelineService.init.requestDeserialize(bytes))).toBe(status.INVALID_ARGUMENT);
    // A negative count is followed by the block's size in bytes.
    const negative = Buffer.concat([header, str("demo"), str("m"), str(""), long(-TWO_30), long(4), Buffer.alloc(5)]);
    expect(codeOf(() => InitRequestCodec.decode(negative))).toBe(status.INVALID_ARGUMENT);
    // Version 1 of InitRequest (project, model, imageUris, ...), read by the current codec.
    const v1Header = InitRequestV1Codec.encode({ project: "", model: "", imageUris: [], comment: "" }).subarray(0, SINGLE_OBJECT_HEADER_BYTES);
    expect(codeOf(() => InitRequestCodec.decode(Buffer.concat([v1Header, str("demo"), str("m"), long(TWO_30), Buffer.alloc(5)])))).toBe(status.INVALID_ARGUMENT);
  });

  it("refuses a 2^30-item array in a response (JobStatus.resultUris), in the client's deserializer too", () => {
    const valid: JobStatus = { jobId: "j", state: "PROCESSING", progress: 0, message: "", imagesTotal: 0, imagesDone: 0, imagesFailed: 0, createdAtMillis: 0, updatedAtMillis: 0, resultUris: [] };
    const encoded = JobStatusCodec.encode(valid);
    // resultUris is the last field: its empty block (a single 0) ends the message.
    expect(encoded[encoded.length - 1]).toBe(0);
    const bytes = Buffer.concat([encoded.subarray(0, encoded.length - 1), long(TWO_30), Buffer.alloc(4)]);
    expect(codeOf(() => JobStatusCodec.decode(bytes))).toBe(status.INVALID_ARGUMENT);
    expect(codeOf(() => PipelineService.init.responseDeserialize(bytes))).toBe(status.INVALID_ARGUMENT);
    expect(JobStatusCodec.decode(encoded)).toMatchObject(valid);
  });

  // No served schema has a map yet: a record of its own shows every codec is covered.
  const withMap: Schema = { type: "record", name: "test.Labels", fields: [{ name: "id", type: "string" }, { name: "labels", type: { type: "map", values: "long" } }] };
  const mapCodec = createAvroCodec<{ id: string; labels: Record<string, number> }>(withMap);

  it("refuses a 2^30-entry map block and lets a map that fits through", () => {
    const header = mapCodec.encode({ id: "", labels: {} }).subarray(0, SINGLE_OBJECT_HEADER_BYTES);
    expect(codeOf(() => mapCodec.decode(Buffer.concat([header, str("x"), long(TWO_30), Buffer.alloc(6)])))).toBe(status.INVALID_ARGUMENT);
    expect(codeOf(() => mapCodec.decode(Buffer.concat([header, str("x"), long(-TWO_30), long(6), Buffer.alloc(6)])))).toBe(status.INVALID_ARGUMENT);
    expect(mapCodec.decode(mapCodec.encode({ id: "x", labels: { a: 1, b: 2 } }))).toEqual({ id: "x", labels: { a: 1, b: 2 } });
  });

  it("leaves other faults to avsc (still INVALID_ARGUMENT): a string longer than the message", () => {
    const header = mapCodec.encode({ id: "", labels: {} }).subarray(0, SINGLE_OBJECT_HEADER_BYTES);
    expect(codeOf(() => mapCodec.decode(Buffer.concat([header, long(2 ** 40)])))).toBe(status.INVALID_ARGUMENT);
  });
});
