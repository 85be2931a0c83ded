import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from "@grpc/grpc-js";
import { DiagnosticsClient, DiagnosticsService, type DiagnosticsServer } from "@inferd/grpc-types/v1";
import { createTestServer, readAll, TEST_MODES, unary } from "@inferd/test-harness";

// ---- Your code (normally in src/, imported by the test) ----

/** Your implementation of the inferd Diagnostics service. */
function createMyDiagnostics(): DiagnosticsServer {
  return {
    ping(call, callback) {
      callback(null, { ...call.request, serverTime: new Date(), serverVersion: "my-1.0" });
    },
    streamNumbers(call) {
      for (let value = 1n; value <= call.request.count; value++) call.write({ value });
      call.end();
    },
    uploadNumbers(call, callback) {
      let sum = 0n;
      let count = 0n;
      call.on("data", ({ value }: { value: bigint }) => ((sum += value), (count += 1n)));
      call.on("end", () => callback(null, { sum, count }));
    },
    chat(call) {
      call.on("data", ({ text }: { text: string }) => call.write({ text, sequence: 1n }));
      call.on("end", () => call.end());
    },
  };
}

/** Your auth interceptor: every call needs an x-api-key header. */
const requireApiKey: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, nextMetadata) {
          if (metadata.get("x-api-key").length === 0) {
            call.sendStatus({ code: status.UNAUTHENTICATED, details: "send an x-api-key header" });
          } else {
            nextMetadata(metadata);
          }
        },
      });
    },
  });

// ---- Your test ----

const withKey = (): Metadata => {
  const metadata = new Metadata();
  metadata.set("x-api-key", "k1");
  return metadata;
};

describe.each(TEST_MODES)("my Diagnostics service (%s mode)", (mode) => {
  async function startServer() {
    return createTestServer({
      mode,
      services: [[DiagnosticsService, createMyDiagnostics()]],
      interceptors: [requireApiKey],
    });
  }

  test("echoes a ping and the server sees the caller's metadata", async () => {
    await using server = await startServer();
    const client = server.client(DiagnosticsClient);

    const response = await unary(client.ping.bind(client), { message: "hi", payload: Buffer.from([1]) }, { metadata: withKey() });

    expect(response).toMatchObject({ message: "hi", serverVersion: "my-1.0" });
    expect(server.calls[0]?.metadata.get("x-api-key")).toEqual(["k1"]);
  });

  test("streams numbers", async () => {
    await using server = await startServer();
    const client = server.client(DiagnosticsClient);

    const numbers = await readAll(client.streamNumbers({ count: 3, intervalMs: 0 }, withKey()));

    expect(numbers).toEqual([{ value: 1n }, { value: 2n }, { value: 3n }]);
  });

  test("refuses a call without an API key", async () => {
    await using server = await startServer();
    const client = server.client(DiagnosticsClient);

    await expect(unary(client.ping.bind(client), { message: "", payload: Buffer.alloc(0) })).rejects.toMatchObject({
      code: status.UNAUTHENTICATED,
    });
  });

  test("an injected failure and an injected delay, without touching the service", async () => {
    await using server = await startServer();
    const client = server.client(DiagnosticsClient);
    const request = { message: "", payload: Buffer.alloc(0) };

    server.failNext("Ping", { code: status.UNAVAILABLE, details: "maintenance" });
    await expect(unary(client.ping.bind(client), request, { metadata: withKey() })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: "maintenance",
    });

    server.delay("Ping", 5_000);
    await expect(
      unary(client.ping.bind(client), request, { metadata: withKey(), deadline: Date.now() + 100 }),
    ).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
  });
});
