import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { DiagnosticsClient, DiagnosticsService, type PingResponse } from "@inferd/grpc-types/v1";
import { implement } from "./service-entry";
import { createTestServer } from "./test-server";

const echo = implement(DiagnosticsService, {
  ping(call, callback) {
    callback(null, { message: call.request.message, payload: call.request.payload, serverVersion: "test" });
  },
});

function ping(client: DiagnosticsClient, message: string, metadata = new Metadata()): Promise<PingResponse> {
  return new Promise((resolve, reject) =>
    client.ping({ message, payload: Buffer.alloc(0) }, metadata, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );
}

describe.each(["real", "fake"] as const)("createTestServer (%s)", (mode) => {
  test("serves typed clients and records each call", async () => {
    await using server = await createTestServer({ services: [echo], mode });
    expect(server.mode).toBe(mode);
    const client = server.client(DiagnosticsClient);
    const metadata = new Metadata();
    metadata.set("x-request-id", "r1");
    expect(await ping(client, "hi", metadata)).toMatchObject({ message: "hi", serverVersion: "test" });
    await server.settled();
    expect(server.calls).toHaveLength(1);
    const [call] = server.calls;
    expect(call).toMatchObject({ service: "inferd.v1.Diagnostics", method: "Ping", path: DiagnosticsService.ping.path });
    expect(call?.metadata.get("x-request-id")).toEqual(["r1"]);
    expect(call?.requests).toEqual([{ message: "hi", payload: Buffer.alloc(0) }]);
    expect(call?.responses).toEqual([{ message: "hi", payload: Buffer.alloc(0), serverVersion: "test" }]);
    expect(call?.status?.code).toBe(status.OK);
  });

  test("failNext fails exactly the next call, with code, details and trailing metadata", async () => {
    await using server = await createTestServer({ services: [echo], mode });
    const client = server.client(DiagnosticsClient);
    const trailers = new Metadata();
    trailers.set("retry-after-ms", "50");
    server.failNext("Ping", { code: status.UNAVAILABLE, details: "try later", metadata: trailers });
    const error: ServiceError = await ping(client, "a").then(
      () => Promise.reject(new Error("expected a failure")),
      (e: ServiceError) => e,
    );
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toBe("try later");
    expect(error.metadata.get("retry-after-ms")).toEqual(["50"]);
    expect(await ping(client, "b")).toMatchObject({ message: "b" });
  });

  test("failNext names methods by definition, path or name, and rejects unknown ones", async () => {
    await using server = await createTestServer({ services: [echo], mode });
    expect(() => server.failNext(DiagnosticsService.ping, { code: status.INTERNAL })).not.toThrow();
    expect(() => server.failNext("/inferd.v1.Diagnostics/Ping", { code: status.INTERNAL })).not.toThrow();
    expect(() => server.failNext("Diagnostics/Ping", { code: status.INTERNAL })).not.toThrow();
    expect(() => server.failNext("Pong", { code: status.INTERNAL })).toThrow(/no method "Pong"/);
  });

  test("a delayed method runs into the client's deadline", async () => {
    await using server = await createTestServer({ services: [echo], mode });
    const client = server.client(DiagnosticsClient);
    await ping(client, "warm-up"); // connect first, so the timed call surely reaches the server
    server.delay(DiagnosticsService.ping, 10_000);
    const error = await new Promise<ServiceError | null>((resolve) =>
      client.ping({ message: "slow", payload: Buffer.alloc(0) }, new Metadata(), { deadline: Date.now() + 300 }, (e) =>
        resolve(e),
      ),
    );
    expect(error?.code).toBe(status.DEADLINE_EXCEEDED);
    await server.settled();
    expect(server.calls.map((call) => call.status?.code)).toEqual([status.OK, status.DEADLINE_EXCEEDED]);
  });

  test("close() refuses new clients and is idempotent", async () => {
    const server = await createTestServer({ services: [echo], mode });
    await Promise.all([server.close(), server.close()]);
    expect(() => server.client(DiagnosticsClient)).toThrow(/closed/);
  });
});
