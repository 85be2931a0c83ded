import { status, type ServiceError } from "@grpc/grpc-js";
import {
  DiagnosticsClient,
  DiagnosticsService,
  type ChatResponse,
  type StreamNumbersResponse,
  type UploadNumbersResponse,
} from "@inferd/grpc-types/v1";
import { createTestServer, readAll, TEST_MODES, unary, type TestServer } from "@inferd/test-harness";
import { createDiagnosticsService, MAX_STREAM_COUNT } from "./diagnostics";

describe.each(TEST_MODES)("Diagnostics service (%s mode)", (mode) => {
  let server: TestServer;
  let client: DiagnosticsClient;

  beforeAll(async () => {
    server = await createTestServer({ services: [[DiagnosticsService, createDiagnosticsService()]], mode });
    client = server.client(DiagnosticsClient);
  });

  afterAll(() => server.close());

  test("Ping echoes message and payload with the server version and time", async () => {
    const payload = Buffer.from([0, 1, 2, 255]);
    const response = await unary(client.ping.bind(client), { message: "hello", payload });
    expect(response.message).toBe("hello");
    expect(Buffer.from(response.payload)).toEqual(payload);
    expect(response.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(response.serverTime).toBeInstanceOf(Date);
  });

  test("StreamNumbers streams 1..n in order as bigints", async () => {
    const items = await readAll<StreamNumbersResponse>(client.streamNumbers({ count: 500, intervalMs: 0 }));
    expect(items.map((item) => item.value)).toEqual(Array.from({ length: 500 }, (_, i) => BigInt(i + 1)));
  });

  test("StreamNumbers with count 0 ends with no messages", async () => {
    expect(await readAll(client.streamNumbers({ count: 0, intervalMs: 0 }))).toEqual([]);
  });

  test("StreamNumbers rejects a count over the limit with INVALID_ARGUMENT", async () => {
    await expect(readAll(client.streamNumbers({ count: MAX_STREAM_COUNT + 1, intervalMs: 0 }))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  test("UploadNumbers sums a client stream, beyond 2^53", async () => {
    const big = 2n ** 60n;
    const response = await new Promise<UploadNumbersResponse>((resolve, reject) => {
      const call = client.uploadNumbers((error, value) => (error ? reject(error) : resolve(value)));
      for (const value of [big, 5n, -2n]) call.write({ value });
      call.end();
    });
    expect(response).toEqual({ sum: big + 3n, count: 3n });
  });

  test("Chat echoes every message in order with sequence numbers", async () => {
    const call = client.chat();
    const received = readAll<ChatResponse>(call);
    for (const text of ["a", "b", "c"]) call.write({ text });
    call.end();
    expect(await received).toEqual([
      { text: "a", sequence: 1n },
      { text: "b", sequence: 2n },
      { text: "c", sequence: 3n },
    ]);
  });

  test("a cancelled StreamNumbers call stops the server stream and the server keeps serving", async () => {
    const call = client.streamNumbers({ count: 1000, intervalMs: 5 });
    const error = await new Promise<ServiceError>((resolve) => {
      call.once("data", () => call.cancel());
      call.on("error", resolve);
    });
    expect(error.code).toBe(status.CANCELLED);
    await server.settled();
    const cancelled = server.calls.find(
      (call) => call.method === "StreamNumbers" && (call.requests[0] as { count?: number } | undefined)?.count === 1000,
    );
    expect(cancelled?.status?.code).toBe(status.CANCELLED);
    expect(cancelled?.responses.length).toBeLessThan(1000);
    expect(await readAll(client.streamNumbers({ count: 3, intervalMs: 0 }))).toHaveLength(3);
  });
});
