import type { MethodDefinition } from "@grpc/grpc-js";
import type { AvroCodec } from "./codec";

/** Streaming kind of a method in a service description (avro/**\/*.service.json). */
export type AvroStreaming = "unary" | "server" | "client" | "bidi";

/** The literal stream flags of each kind, so handler types can be read from a definition. */
interface StreamFlags {
  unary: { requestStream: false; responseStream: false };
  server: { requestStream: false; responseStream: true };
  client: { requestStream: true; responseStream: false };
  bidi: { requestStream: true; responseStream: true };
}

/** A grpc-js method of Avro-encoded messages, with literal stream flags (like ts-proto's `as const`). */
export type AvroMethodDefinition<Req, Res, K extends AvroStreaming> = MethodDefinition<Req, Res> & Readonly<StreamFlags[K]>;

/** A grpc-js method whose messages are Avro single-object encoded by the given codecs. */
export function avroMethod<Req, Res, K extends AvroStreaming>(
  path: string,
  streaming: K,
  request: AvroCodec<Req>,
  response: AvroCodec<Res>,
): AvroMethodDefinition<Req, Res, K> {
  const method: MethodDefinition<Req, Res> = {
    path,
    requestStream: streaming === "client" || streaming === "bidi",
    responseStream: streaming === "server" || streaming === "bidi",
    requestSerialize: (value: Req) => request.encode(value),
    requestDeserialize: (bytes: Buffer) => request.decode(bytes),
    responseSerialize: (value: Res) => response.encode(value),
    responseDeserialize: (bytes: Buffer) => response.decode(bytes),
  };
  // The flags computed above are exactly StreamFlags[K].
  return method as AvroMethodDefinition<Req, Res, K>;
}
