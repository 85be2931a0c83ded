import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { DiagnosticsClient, type PingResponse, type StreamNumbersResponse } from "@inferd/grpc-types/v1";
import { createInferdServer, type InferdServer } from "../server";

let server: InferdServer;
let client: DiagnosticsClient;

beforeAll(async () => {
  server = await createInferdServer({ host: "127.0.0.1", port: 0 });
  client = new DiagnosticsClient(server.address, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await server.shutdown();
});

function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = [];
    stream.on("data", (item: T) => items.push(item));
    stream.on("error", reject);
    stream.on("end", () => resolve(items));
  });
}

test("binds a real port when asked for port 0", () => {
  expect(server.port).toBeGreaterThan(0);
  expect(server.address).toBe(`127.0.0.1:${server.port}`);
});

test("Ping echoes message and payload with the server version", async () => {
  const payload = Buffer.from([0, 1, 2, 255]);
  const response = await new Promise<PingResponse>((resolve, reject) =>
    client.ping({ message: "hello", payload }, (error, value) => (error ? reject(error) : resolve(value))),
  );
  expect(response.message).toBe("hello");
  expect(Buffer.from(response.payload)).toEqual(payload);
  expect(response.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
  expect(response.serverTime).toBeInstanceOf(Date);
});

test("StreamNumbers streams 1..n in order as bigints", async () => {
  const items = await collect<StreamNumbersResponse>(client.streamNumbers({ count: 500, intervalMs: 0 }));
  expect(items.map((item) => item.value)).toEqual(Array.from({ length: 500 }, (_, i) => BigInt(i + 1)));
});

test("StreamNumbers with count 0 ends with no messages", async () => {
  expect(await collect(client.streamNumbers({ count: 0, intervalMs: 0 }))).toEqual([]);
});

test("StreamNumbers rejects a count over the limit with INVALID_ARGUMENT", async () => {
  await expect(collect(client.streamNumbers({ count: 5_000_000, intervalMs: 0 }))).rejects.toMatchObject({
    code: status.INVALID_ARGUMENT,
  });
});

test("UploadNumbers sums a client stream, beyond 2^53", async () => {
  const big = 2n ** 60n;
  const response = await new Promise<{ sum: bigint; count: bigint }>((resolve, reject) => {
    const call = client.uploadNumbers((error, value) => (error ? reject(error) : resolve(value)));
    for (const value of [big, 5n, -2n]) call.write({ value });
    call.end();
  });
  expect(response).toEqual({ sum: big + 3n, count: 3n });
});

test("Chat echoes every message in order with sequence numbers", async () => {
  const call = client.chat();
  const received = collect<{ text: string; sequence: bigint }>(call);
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
  const again = await collect(client.streamNumbers({ count: 3, intervalMs: 0 }));
  expect(again).toHaveLength(3);
});
