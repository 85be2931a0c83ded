import { Server, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";

const MALFORMED = Symbol("inferd.malformed-request");

/** What a request deserializer returns instead of throwing: the bytes did not parse. */
export interface MalformedRequest {
  readonly [MALFORMED]: string;
}

/** True for the stand-in of a request that did not parse (see {@link withTolerantDecode}). */
export function isMalformedRequest(message: unknown): message is MalformedRequest {
  return typeof message === "object" && message !== null && MALFORMED in message;
}

/** The client-facing reason of a malformed request. */
export function malformedDetails(message: MalformedRequest): string {
  return message[MALFORMED];
}

/**
 * A copy of a service definition whose request deserializers never throw: bytes that do not
 * parse become a {@link MalformedRequest}, which the call interceptor answers with
 * INVALID_ARGUMENT. Without this, grpc-js answers INTERNAL ("Error deserializing request"),
 * which tells the client the server is broken when it was the request.
 */
export function withTolerantDecode(service: ServiceDefinition): ServiceDefinition {
  const copy: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(service)) {
    const decode = method.requestDeserialize;
    copy[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (error) {
          // Codecs that explain themselves (the Avro codec names the schema) keep their message.
          if (error instanceof Error && (error as { clientFacing?: unknown }).clientFacing === true) return { [MALFORMED]: error.message };
          const what = method.path.split("/").pop() ?? method.path;
          return { [MALFORMED]: `the ${what} request is not valid protobuf for its message type; send the message the API defines` };
        }
      },
    };
  }
  return copy as ServiceDefinition;
}

/**
 * A grpc-js Server whose every service (inferd's, health, reflection) decodes requests through
 * {@link withTolerantDecode}.
 */
export class TolerantDecodeServer extends Server {
  override addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    super.addService(withTolerantDecode(service), implementation);
  }
}
