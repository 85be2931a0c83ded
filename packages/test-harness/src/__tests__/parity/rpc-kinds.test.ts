import { Metadata, status } from "@grpc/grpc-js";
import {
  DiagnosticsClient,
  DiagnosticsService,
  type ChatResponse,
  type PingResponse,
  type StreamNumbersResponse,
  type UploadNumbersResponse,
} from "@inferd/grpc-types/v1";
import { createTestServer, implement, type TestMode } from "../../index";
import { drain, parity, settle } from "./parity";

/** Diagnostics with plain, well-behaved handlers of all four kinds. */
const diagnostics = implement(DiagnosticsService, {
  ping(call, callback) {
    const { message, payload } = call.request;
    callback(null, { message, payload, serverTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), serverVersion: "9.9.9" });
  },
  streamNumbers(call) {
    for (let value = 1; value <= call.request.count; value++) call.write({ value: BigInt(value) });
    call.end();
  },
  uploadNumbers(call, callback) {
    let sum = 0n;
    let count = 0n;
    call.on("data", (request: { value: bigint }) => ((sum += request.value), (count += 1n)));
    call.on("end", () => callback(null, { sum: BigInt.asIntN(64, sum), count }));
  },
  chat(call) {
    let sequence = 0n;
    call.on("data", (request: { text: string }) => call.write({ text: request.text.toUpperCase(), sequence: ++sequence }));
    call.on("end", () => call.end());
  },
});

async function withDiagnostics<T>(mode: TestMode, run: (client: DiagnosticsClient) => Promise<T>): Promise<T> {
  await using server = await createTestServer({ services: [diagnostics], mode });
  return await run(server.client(DiagnosticsClient));
}

parity(
  "unary: request and response pass through the generated codecs (bytes, Timestamp)",
  (mode) =>
    withDiagnostics(mode, (client) =>
      settle<PingResponse>((cb) => client.ping({ message: "héllo", payload: Buffer.from([0, 1, 254, 255]) }, cb)),
    ),
  ({ response, error }) => {
    expect(error).toBeUndefined();
    expect(response).toEqual({
      message: "héllo",
      payload: Buffer.from([0, 1, 254, 255]),
      serverTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
      serverVersion: "9.9.9",
    });
  },
);

parity(
  "server streaming: every message arrives in order, then OK",
  (mode) => withDiagnostics(mode, (client) => drain<StreamNumbersResponse>(client.streamNumbers({ count: 300, intervalMs: 0 }))),
  ({ messages, status: final, error }) => {
    expect(error).toBeUndefined();
    expect(final.code).toBe(status.OK);
    expect(messages.map((m) => m.value)).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(i + 1)));
  },
);

parity(
  "server streaming: no messages, then OK",
  (mode) => withDiagnostics(mode, (client) => drain<StreamNumbersResponse>(client.streamNumbers({ count: 0, intervalMs: 0 }))),
  ({ messages, status: final }) => {
    expect(messages).toEqual([]);
    expect(final.code).toBe(status.OK);
  },
);

parity(
  "client streaming: int64 values beyond 2^53 and negatives are summed after half-close",
  (mode) =>
    withDiagnostics(mode, (client) =>
      settle<UploadNumbersResponse>((cb) => {
        const call = client.uploadNumbers(cb);
        for (const value of [2n ** 62n, 5n, -7n]) call.write({ value });
        call.end();
      }),
    ),
  ({ response }) => expect(response).toEqual({ sum: 2n ** 62n - 2n, count: 3n }),
);

parity(
  "client streaming: an empty stream still gets its answer",
  (mode) =>
    withDiagnostics(mode, (client) => settle<UploadNumbersResponse>((cb) => client.uploadNumbers(cb).end())),
  ({ response }) => expect(response).toEqual({ sum: 0n, count: 0n }),
);

parity(
  "bidi streaming: each reply arrives before the next request is sent (ping-pong)",
  (mode) =>
    withDiagnostics(mode, async (client) => {
      const call = client.chat();
      const replies: ChatResponse[] = [];
      for (const text of ["a", "b", "c"]) {
        const reply = new Promise<ChatResponse>((resolve) => call.once("data", resolve));
        call.write({ text });
        replies.push(await reply);
      }
      const rest = drain<ChatResponse>(call);
      call.end();
      return { replies, rest: (await rest).messages, code: (await rest).status.code };
    }),
  ({ replies, rest, code }) => {
    expect(replies).toEqual([
      { text: "A", sequence: 1n },
      { text: "B", sequence: 2n },
      { text: "C", sequence: 3n },
    ]);
    expect(rest).toEqual([]);
    expect(code).toBe(status.OK);
  },
);

parity(
  "many concurrent calls of every kind are each answered correctly",
  (mode) =>
    withDiagnostics(mode, async (client) => {
      const unary = Array.from({ length: 200 }, (_, i) =>
        settle<PingResponse>((cb) => client.ping({ message: `m${i}`, payload: Buffer.alloc(i) }, cb)).then(
          ({ response }) => `${response?.message}:${response?.payload.length}`,
        ),
      );
      const streams = Array.from({ length: 20 }, (_, i) =>
        drain<StreamNumbersResponse>(client.streamNumbers({ count: i + 1, intervalMs: 0 })).then(
          ({ messages }) => messages.length,
        ),
      );
      return { unary: await Promise.all(unary), streams: await Promise.all(streams) };
    }),
  ({ unary, streams }) => {
    expect(unary).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}:${i}`));
    expect(streams).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  },
);

parity(
  "flow control: write() reports backpressure and a stream that honours it delivers everything",
  async (mode) => {
    let sawBackpressure = false;
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          streamNumbers(call) {
            let value = 0;
            const pump = (): void => {
              while (value < call.request.count) {
                value += 1;
                if (!call.write({ value: BigInt(value) })) {
                  sawBackpressure = true;
                  call.once("drain", pump);
                  return;
                }
              }
              call.end();
            };
            pump();
          },
        }),
      ],
    });
    const client = server.client(DiagnosticsClient);
    const stream = client.streamNumbers({ count: 2_000, intervalMs: 0 });
    const result = await drain<StreamNumbersResponse>(stream);
    return { count: result.messages.length, last: result.messages.at(-1)?.value, sawBackpressure, ...result.status };
  },
  ({ count, last, code, sawBackpressure }) => {
    expect(count).toBe(2_000);
    expect(last).toBe(2_000n);
    expect(code).toBe(status.OK);
    expect(sawBackpressure).toBe(true);
  },
);

test("metadata given to a call is not mutated by sending it", async () => {
  await using server = await createTestServer({ services: [diagnostics], mode: "fake" });
  const metadata = new Metadata();
  metadata.set("x-a", "1");
  await settle((cb) => server.client(DiagnosticsClient).ping({ message: "", payload: Buffer.alloc(0) }, metadata, cb));
  expect(metadata.toJSON()).toEqual({ "x-a": ["1"] });
});
