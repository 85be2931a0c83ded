/**
 * Requests of inferd.avro.Pipeline for the suite: valid single-object encodings from the
 * generated codecs, and the raw Avro pieces (zigzag longs, strings) that deliberately wrong
 * bodies are built from, which no generated encoder would write.
 */
import { CancelRequestCodec, InitRequestCodec, JobStatusCodec, MonitorRequestCodec, PipelineService, SINGLE_OBJECT_HEADER_BYTES, type InitRequest, type JobStatus } from "@inferd/grpc-types/avro";
import type { RawOutcome } from "./raw-client";

/** Paths of the Avro pipeline RPCs. */
export const AVRO_PATH = {
  init: PipelineService.init.path,
  monitor: PipelineService.monitor.path,
  cancel: PipelineService.cancel.path,
} as const;

/** Single-object encoders of the request records. */
export const encodeAvro = {
  init: (request: InitRequest): Buffer => InitRequestCodec.encode(request),
  monitor: (jobId: string, follow = false): Buffer => MonitorRequestCodec.encode({ jobId, follow }),
  cancel: (jobId: string): Buffer => CancelRequestCodec.encode({ jobId }),
};

/** The 10-byte single-object header (C3 01 + fingerprint) of each request record. */
export const AVRO_HEADER = {
  init: InitRequestCodec.encode({ project: "", model: "", imageUris: [] }).subarray(0, SINGLE_OBJECT_HEADER_BYTES),
  monitor: MonitorRequestCodec.encode({ jobId: "" }).subarray(0, SINGLE_OBJECT_HEADER_BYTES),
  cancel: CancelRequestCodec.encode({ jobId: "" }).subarray(0, SINGLE_OBJECT_HEADER_BYTES),
};

/** An Avro long (zigzag varint). */
export function avroLong(value: number | bigint): Buffer {
  const n = BigInt(value);
  let v = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Buffer.from(bytes);
}

/** An Avro string: its length as a long, then UTF-8. */
export function avroString(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  return Buffer.concat([avroLong(bytes.length), bytes]);
}

/** The statuses a call answered, decoded (throws if one is not a JobStatus). */
export function jobStatuses(outcome: RawOutcome): JobStatus[] {
  return outcome.messages.map((message) => JobStatusCodec.decode(message));
}
