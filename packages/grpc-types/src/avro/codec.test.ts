import { status } from "@grpc/grpc-js";
import type { Schema } from "avsc";
import { AvroDecodeError, createAvroCodec, schemaFingerprint, SINGLE_OBJECT_HEADER_BYTES } from "./codec";
import { crc64Avro } from "./fingerprint";
import {
  InitRequestCodec,
  InitRequestSchema,
  InitRequestV1Codec,
  JobStatusCodec,
  type JobStatus,
} from "../gen/avro/inferd/pipeline/v1";

const status0: JobStatus = {
  jobId: "j-1",
  state: "PROCESSING",
  progress: 50,
  message: "",
  imagesTotal: 2,
  imagesDone: 1,
  imagesFailed: 0,
  createdAtMillis: 1_700_000_000_000,
  updatedAtMillis: 1_700_000_000_500,
  resultUris: ["inferd://p/results/j-1/a.json"],
};

function decodeError(run: () => unknown): AvroDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof AvroDecodeError) return error;
    throw error;
  }
  throw new Error("decode did not fail");
}

describe("Avro single-object codec", () => {
  it("round-trips a record with the marker and its writer fingerprint first", () => {
    const bytes = JobStatusCodec.encode(status0);
    expect([...bytes.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(bytes.subarray(2, SINGLE_OBJECT_HEADER_BYTES).toString("hex")).toBe(JobStatusCodec.fingerprint);
    expect(JobStatusCodec.decode(bytes)).toEqual(status0);
  });

  it("fingerprints are CRC-64-AVRO (the specification's test vectors)", () => {
    // From Avro's share/test/data/schema-tests.txt (signed 64-bit decimal).
    expect(crc64Avro('"null"').readBigInt64LE()).toBe(7195948357588979594n);
    expect(crc64Avro('"int"').readBigInt64LE()).toBe(8247732601305521295n);
    expect(schemaFingerprint(InitRequestSchema)).toBe(InitRequestCodec.fingerprint);
  });

  it("resolves an old writer (v1) on a new reader: added fields take defaults, the removed one is dropped", () => {
    const old = InitRequestV1Codec.encode({ project: "p", model: "m", imageUris: ["inferd://p/a.png"], persistence: true, comment: "hi" });
    expect(InitRequestCodec.decode(old)).toEqual({
      project: "p",
      model: "m",
      version: "",
      imageUris: ["inferd://p/a.png"],
      parameters: { confidenceThreshold: null, iouThreshold: null, maxResults: null, returnMask: false },
      persistence: true,
    });
  });

  it("resolves a new writer on an old reader: new fields skipped, the removed optional field is null", () => {
    const bytes = InitRequestCodec.encode({ project: "p", model: "m", version: "2", imageUris: [], parameters: { returnMask: true }, persistence: false });
    expect(InitRequestV1Codec.decode(bytes)).toEqual({ project: "p", model: "m", imageUris: [], persistence: false, comment: null });
  });

  it("refuses an incompatible writer schema with FAILED_PRECONDITION naming both schemas", () => {
    const incompatible: Schema = { type: "record", name: "InitRequest", namespace: "inferd.pipeline.v1", fields: [{ name: "project", type: "int" }] };
    const writer = createAvroCodec<{ project: number }>(incompatible);
    const reader = createAvroCodec(InitRequestSchema, [incompatible]);
    const error = decodeError(() => reader.decode(writer.encode({ project: 1 })));
    expect(error.code).toBe(status.FAILED_PRECONDITION);
    expect(error.message).toContain("inferd.pipeline.v1.InitRequest");
    expect(error.message).toContain(writer.fingerprint);
  });

  it("refuses an unknown writer fingerprint with FAILED_PRECONDITION", () => {
    const other = createAvroCodec<{ x: number }>({ type: "record", name: "Other", fields: [{ name: "x", type: "int" }] });
    expect(decodeError(() => InitRequestCodec.decode(other.encode({ x: 1 }))).code).toBe(status.FAILED_PRECONDITION);
  });

  it("answers INVALID_ARGUMENT for bad marker, truncated body, trailing bytes and a bad enum index", () => {
    const good = JobStatusCodec.encode(status0);
    expect(decodeError(() => JobStatusCodec.decode(Buffer.from("not avro at all"))).code).toBe(status.INVALID_ARGUMENT);
    expect(decodeError(() => JobStatusCodec.decode(good.subarray(0, good.length - 3))).code).toBe(status.INVALID_ARGUMENT);
    expect(decodeError(() => JobStatusCodec.decode(Buffer.concat([good, Buffer.from([1])]))).code).toBe(status.INVALID_ARGUMENT);
    // The enum is the second field: after the header and the jobId string (length 3 zig-zag = 6, "j-1").
    const badEnum = Buffer.from(good);
    const enumAt = SINGLE_OBJECT_HEADER_BYTES + 1 + 3;
    expect(badEnum[enumAt]).toBe(2); // PROCESSING = index 1, zig-zag 2
    badEnum[enumAt] = 40; // index 20: no such symbol
    expect(decodeError(() => JobStatusCodec.decode(badEnum)).code).toBe(status.INVALID_ARGUMENT);
  });
});
