import type { MethodDefinition } from "@grpc/grpc-js";
import type { AvroCodec } from "./codec";

/** Streaming kind of a method in a service description (avro/**\/*.service.json). */
export type AvroStreaming = "unary" | "server" | "client" | "bidi";

/** A grpc-js method whose messages are Avro single-object encoded by the given codecs. */
export function avroMethod<Req, Res>(
  path: string,
  streaming: AvroStreaming,
  request: AvroCodec<Req>,
  response: AvroCodec<Res>,
): MethodDefinition<Req, Res> {
  return {
    path,
    requestStream: streaming === "client" || streaming === "bidi",
    responseStream: streaming === "server" || streaming === "bidi",
    requestSerialize: (value: Req) => request.encode(value),
    requestDeserialize: (bytes: Buffer) => request.decode(bytes),
    responseSerialize: (value: Res) => response.encode(value),
    responseDeserialize: (bytes: Buffer) => response.decode(bytes),
  };
}
