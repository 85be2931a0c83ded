import { Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from "@grpc/grpc-js";

/** A generated client's unary method, in its full (request, metadata, options, callback) form. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Per-call options of {@link unary}: call options plus the metadata to send. */
export interface UnaryOptions extends Partial<CallOptions> {
  metadata?: Metadata;
}

/**
 * Calls a unary method and resolves with its response; rejects with the grpc-js ServiceError.
 * Pass the method bound to its client: `await unary(client.ping.bind(client), request)`.
 */
export function unary<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, options: UnaryOptions = {}): Promise<Res> {
  const { metadata = new Metadata(), ...callOptions } = options;
  return new Promise((resolve, reject) => {
    method(request, metadata, callOptions, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Reads a response stream to its end; rejects with the ServiceError if the call fails. */
export function readAll<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on("data", (message: T) => messages.push(message));
    stream.on("error", reject);
    stream.on("end", () => resolve(messages));
  });
}
