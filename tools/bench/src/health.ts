import { credentials, makeGenericClientConstructor, type Client, type ServiceDefinition } from "@grpc/grpc-js";

/** grpc.health.v1 ServingStatus.SERVING. */
export const SERVING = 1;

/**
 * The grpc.health.v1 Check method, hand-coded: its two messages are one field each, so a
 * few bytes of protobuf replace a proto loader, and the bare baseline server can serve it
 * with nothing but grpc-js.
 */
export const healthService: ServiceDefinition = {
  check: {
    path: "/grpc.health.v1.Health/Check",
    requestStream: false,
    responseStream: false,
    // HealthCheckRequest { string service = 1 } (names < 128 bytes); the overall status is
    // the empty service, sent explicitly: grpc-js treats a zero-length request as none at all.
    requestSerialize: (request: { service: string }) => {
      const bytes = Buffer.from(request.service, "utf8");
      return Buffer.concat([Buffer.from([0x0a, bytes.length]), bytes]);
    },
    // An object, not the bare string: grpc-js takes a falsy request for a missing one.
    requestDeserialize: (buffer: Buffer) => ({ service: buffer.subarray(2).toString("utf8") }),
    // HealthCheckResponse { ServingStatus status = 1 } (values < 128: one varint byte).
    responseSerialize: (status: number) => Buffer.from([0x08, status]),
    responseDeserialize: (buffer: Buffer) => (buffer.length >= 2 && buffer[0] === 0x08 ? buffer[1]! : 0),
  },
};

/** A client of grpc.health.v1.Health/Check. */
export interface HealthClient {
  /** The overall status; rejects when the server cannot be reached. */
  check(deadlineMs?: number): Promise<number>;
  close(): void;
}

/** Creates a {@link HealthClient} for address. */
export function createHealthClient(address: string): HealthClient {
  const Constructor = makeGenericClientConstructor(healthService, "Health");
  const client = new Constructor(address, credentials.createInsecure()) as unknown as Client & {
    check(request: { service: string }, options: { deadline: number }, callback: (error: Error | null, status?: number) => void): void;
  };
  return {
    check(deadlineMs = 1000) {
      return new Promise((resolve, reject) => {
        client.check({ service: "" }, { deadline: Date.now() + deadlineMs }, (error, status) =>
          error ? reject(error) : resolve(status ?? 0),
        );
      });
    },
    close: () => client.close(),
  };
}

/**
 * Polls Check every pollMs until the server answers SERVING; resolves with the time it
 * happened (performance.now()). Rejects after timeoutMs.
 */
export async function waitForServing(address: string, timeoutMs: number, pollMs = 5): Promise<number> {
  const client = createHealthClient(address);
  const deadline = performance.now() + timeoutMs;
  try {
    for (;;) {
      try {
        if ((await client.check(Math.max(50, pollMs * 10))) === SERVING) return performance.now();
      } catch {
        // not listening yet
      }
      if (performance.now() > deadline) throw new Error(`${address} was not SERVING after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    client.close();
  }
}
