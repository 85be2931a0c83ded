import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Client, type ClientUnaryCall, type Metadata, type CallOptions, type ServiceError } from "@grpc/grpc-js";
import type { Connection } from "./connection";
import { callUnary } from "./unary";

/** A serving status of the standard grpc.health.v1 protocol. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const STATUS_BY_NUMBER: readonly ServingStatus[] = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"];

// grpc.health.v1.HealthCheckRequest { string service = 1; }
function encodeRequest(service: string): Buffer {
  const writer = new BinaryWriter();
  if (service !== "") writer.uint32(10).string(service);
  return Buffer.from(writer.finish());
}

// grpc.health.v1.HealthCheckResponse { ServingStatus status = 1; }
function decodeResponse(bytes: Buffer): ServingStatus {
  const reader = new BinaryReader(bytes);
  let value = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 8) value = reader.int32();
    else reader.skip(tag & 7);
  }
  return STATUS_BY_NUMBER[value] ?? "UNKNOWN";
}

/** A minimal client of the standard health service (`grpc.health.v1.Health/Check`). */
export interface HealthClient {
  /** Asks for the serving status of a service; "" for the server as a whole. */
  check(service: string): Promise<ServingStatus>;
}

/**
 * Creates a health client on the connection's channel. The two health messages are small
 * enough to encode by hand, which saves loading health.proto at run time.
 */
export function createHealthClient(connection: Connection): HealthClient {
  const client = new Client(connection.address, connection.credentials, connection.clientOptions);
  const check = (
    request: string,
    metadata: Metadata,
    options: Partial<CallOptions>,
    callback: (error: ServiceError | null, response: ServingStatus) => void,
  ): ClientUnaryCall =>
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      encodeRequest,
      decodeResponse,
      request,
      metadata,
      options,
      (error, response) => callback(error ?? null, response ?? "UNKNOWN"),
    );
  return {
    check: (service) => callUnary(connection, check, service),
  };
}
