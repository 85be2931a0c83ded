import type { CallOptions, ClientUnaryCall, Metadata, ServiceError } from "@grpc/grpc-js";
import type { Connection } from "./connection";
import { toClientError } from "./errors";

/** The shape of a generated unary method taking metadata and call options. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * Calls a generated unary method with the connection's metadata and deadline, and resolves
 * with its response or rejects with an InferdClientError.
 */
export function callUnary<Req, Res>(
  connection: Connection,
  method: UnaryMethod<Req, Res>,
  request: Req,
  options: Partial<CallOptions> = {},
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    method(request, connection.metadata(), { ...connection.unaryOptions(), ...options }, (error, response) => {
      if (error) reject(toClientError(error, connection.address));
      else resolve(response);
    });
  });
}
