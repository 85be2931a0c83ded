/**
 * The grpc.health.v1 messages, hand-coded: each is one or two small fields, so a few bytes of
 * protobuf replace loading health.proto through @grpc/proto-loader at start-up (which
 * grpc-health-check does on import, ~100-170 ms of start-up on a 2-vCPU machine).
 */

/** grpc.health.v1.HealthCheckResponse.ServingStatus, by the names grpc-health-check used. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const STATUS_NUMBER: Readonly<Record<ServingStatus, number>> = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
const STATUS_NAME: readonly ServingStatus[] = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

/** HealthCheckRequest { string service = 1 } (also HealthListRequest, which has no fields). */
export interface HealthCheckRequest {
  readonly service: string;
}

/** HealthCheckResponse { ServingStatus status = 1 }. */
export interface HealthCheckResponse {
  readonly status: ServingStatus;
}

/** HealthListResponse { map<string, HealthCheckResponse> statuses = 1 }. */
export interface HealthListResponse {
  readonly statuses: Readonly<Record<string, HealthCheckResponse>>;
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 0x80)) bytes.push((value % 0x80) | 0x80);
  bytes.push(value);
  return bytes;
}

/** Field `field` as length-delimited bytes. */
function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes]);
}

/** Reads every field of a message: (field number, wire type, varint value or bytes). */
function* fields(bytes: Uint8Array): Generator<{ field: number; varint: number; bytes: Uint8Array | undefined }> {
  let at = 0;
  const readVarint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length || shift > 63) throw new Error("truncated health message");
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const tag = readVarint();
    const wireType = tag & 7;
    const field = Math.floor(tag / 8);
    if (wireType === 0) yield { field, varint: readVarint(), bytes: undefined };
    else if (wireType === 2) {
      const length = readVarint();
      if (at + length > bytes.length) throw new Error("truncated health message");
      yield { field, varint: 0, bytes: bytes.subarray(at, (at += length)) };
    } else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else throw new Error(`unsupported wire type ${wireType} in a health message`);
  }
}

/** Decodes a HealthCheckRequest, skipping unknown fields. */
export function decodeCheckRequest(bytes: Uint8Array): HealthCheckRequest {
  let service = "";
  for (const f of fields(bytes)) if (f.field === 1 && f.bytes) service = Buffer.from(f.bytes).toString("utf8");
  return { service };
}

/** Encodes a HealthCheckRequest. */
export function encodeCheckRequest(request: HealthCheckRequest): Buffer {
  return request.service === "" ? Buffer.alloc(0) : lengthDelimited(1, Buffer.from(request.service, "utf8"));
}

/** Encodes a HealthCheckResponse (UNKNOWN, the default, as no field). */
export function encodeCheckResponse(response: HealthCheckResponse): Buffer {
  const value = STATUS_NUMBER[response.status];
  return value === 0 ? Buffer.alloc(0) : Buffer.from([0x08, ...varint(value)]);
}

/** Decodes a HealthCheckResponse (an unknown status number reads as UNKNOWN). */
export function decodeCheckResponse(bytes: Uint8Array): HealthCheckResponse {
  let status: ServingStatus = "UNKNOWN";
  for (const f of fields(bytes)) if (f.field === 1 && !f.bytes) status = STATUS_NAME[f.varint] ?? "UNKNOWN";
  return { status };
}

/** Encodes a HealthListResponse: one map entry (key = 1, value = 2) per service. */
export function encodeListResponse(response: HealthListResponse): Buffer {
  return Buffer.concat(
    Object.entries(response.statuses).map(([service, value]) =>
      lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(service, "utf8")), lengthDelimited(2, encodeCheckResponse(value))])),
    ),
  );
}
