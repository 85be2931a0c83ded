import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import {
  DiagnosticsClient,
  DiagnosticsService,
  type PingRequest,
  type PingResponse,
  type StreamNumbersResponse,
} from "@inferd/grpc-types/v1";
import { createTestServer, implement, type ServiceEntry, type TestMode, type TestServerOptions } from "../../index";
import { drain, parity, settle } from "./parity";

const EMPTY: PingRequest = { message: "", payload: Buffer.alloc(0) };

async function pingOnce(
  mode: TestMode,
  entry: ServiceEntry,
  request: PingRequest = EMPTY,
  extra: Partial<TestServerOptions> = {},
) {
  await using server = await createTestServer({ ...extra, services: [entry], mode });
  return await settle<PingResponse>((cb) => server.client(DiagnosticsClient).ping(request, cb));
}

function trailers(): Metadata {
  const metadata = new Metadata();
  metadata.set("x-reason", "quota");
  metadata.add("x-reason", "retry later");
  metadata.set("x-detail-bin", Buffer.from([0, 1, 2, 255]));
  return metadata;
}

parity(
  "an error with a code, details and trailing metadata reaches the client intact",
  (mode) =>
    pingOnce(
      mode,
      implement(DiagnosticsService, {
        ping(_call, callback) {
          callback({ code: status.RESOURCE_EXHAUSTED, details: "quota: 3 of 3 used; wait 1 s", metadata: trailers() });
        },
      }),
    ),
  ({ error }) => {
    expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(error?.details).toBe("quota: 3 of 3 used; wait 1 s");
    expect(error?.metadata["x-reason"]).toEqual(["quota, retry later"]);
    expect(error?.metadata["x-detail-bin"]).toEqual([Buffer.from([0, 1, 2, 255])]);
  },
);

parity(
  "details with non-ASCII and percent signs survive the grpc-message encoding",
  (mode) =>
    pingOnce(
      mode,
      implement(DiagnosticsService, {
        ping(_call, callback) {
          callback({ code: status.INVALID_ARGUMENT, details: "größe 100% über dem Limit: «x»\nzeile 2" });
        },
      }),
    ),
  ({ error }) => expect(error?.details).toBe("größe 100% über dem Limit: «x»\nzeile 2"),
);

parity(
  "a plain Error passed to the callback becomes UNKNOWN with its message",
  (mode) =>
    pingOnce(
      mode,
      implement(DiagnosticsService, {
        ping(_call, callback) {
          callback(new Error("disk on fire"));
        },
      }),
    ),
  ({ error }) => expect(error).toMatchObject({ code: status.UNKNOWN, details: "disk on fire" }),
);

parity(
  "a handler that throws answers UNKNOWN without leaking the error",
  (mode) =>
    pingOnce(
      mode,
      implement(DiagnosticsService, {
        ping() {
          throw new Error("secret internals");
        },
      }),
    ),
  ({ error }) => expect(error).toMatchObject({ code: status.UNKNOWN, details: "Unknown error" }),
);

parity(
  "a method the implementation leaves out answers UNIMPLEMENTED",
  async (mode) => {
    await using server = await createTestServer({ services: [implement(DiagnosticsService, {})], mode });
    return await drain<StreamNumbersResponse>(server.client(DiagnosticsClient).streamNumbers({ count: 1, intervalMs: 0 }));
  },
  ({ error, messages }) => {
    expect(messages).toEqual([]);
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  },
);

parity(
  "a server stream that fails midway delivers its messages, then the error with trailers",
  async (mode) => {
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          streamNumbers(call) {
            call.write({ value: 1n });
            call.write({ value: 2n });
            call.emit("error", { code: status.ABORTED, details: "source went away", metadata: trailers() });
          },
        }),
      ],
    });
    return await drain<StreamNumbersResponse>(server.client(DiagnosticsClient).streamNumbers({ count: 5, intervalMs: 0 }));
  },
  ({ messages, error }) => {
    expect(messages.map((m) => m.value)).toEqual([1n, 2n]);
    expect(error).toMatchObject({ code: status.ABORTED, details: "source went away" });
    expect(error?.metadata["x-reason"]).toEqual(["quota, retry later"]);
  },
);

parity(
  "a response field that cannot serialise fails the call with INTERNAL",
  (mode) =>
    pingOnce(
      mode,
      implement(DiagnosticsService, {
        ping(_call, callback) {
          // A string where bytes belong: the generated encoder throws.
          callback(null, { message: "", payload: 42 as unknown as Buffer, serverVersion: "" });
        },
      }),
    ),
  ({ error }) => expect(error).toMatchObject({ code: status.INTERNAL }),
);

parity(
  "a request field that cannot serialise fails on the client with INTERNAL",
  (mode) =>
    pingOnce(
      mode,
      implement(DiagnosticsService, { ping: (_call, callback) => callback(null, { ...EMPTY, serverVersion: "" }) }),
      { message: "", payload: 42 as unknown as Buffer },
    ),
  ({ error }) => expect(error?.code).toBe(status.INTERNAL),
);

const echo = implement(DiagnosticsService, {
  ping(call, callback) {
    callback(null, { message: "", payload: call.request.payload, serverVersion: "" });
  },
});

parity(
  "a payload just under the default 4 MiB limit goes both ways",
  async (mode) => {
    const payload = Buffer.alloc(4 * 1024 * 1024 - 64, 0xab);
    const { response, error } = await pingOnce(mode, echo, { message: "", payload });
    return { error, length: response?.payload.length, same: response?.payload.equals(payload) };
  },
  ({ error, length, same }) => {
    expect(error).toBeUndefined();
    expect(length).toBe(4 * 1024 * 1024 - 64);
    expect(same).toBe(true);
  },
);

parity(
  "a request over the server's receive limit is refused with RESOURCE_EXHAUSTED",
  (mode) =>
    pingOnce(mode, echo, { message: "", payload: Buffer.alloc(64 * 1024) }, {
      serverOptions: { "grpc.max_receive_message_length": 32 * 1024 },
    }),
  ({ error }) => expect(error?.code).toBe(status.RESOURCE_EXHAUSTED),
);

parity(
  "a response over the client's receive limit fails with RESOURCE_EXHAUSTED",
  async (mode) => {
    await using server = await createTestServer({ services: [echo], mode });
    const client = server.client(DiagnosticsClient, { "grpc.max_receive_message_length": 32 * 1024 });
    return await settle<PingResponse>((cb) => client.ping({ message: "", payload: Buffer.alloc(48 * 1024) }, cb));
  },
  ({ error }) => expect(error?.code).toBe(status.RESOURCE_EXHAUSTED),
);

parity(
  "a response over the server's send limit fails with RESOURCE_EXHAUSTED",
  (mode) =>
    pingOnce(mode, echo, { message: "", payload: Buffer.alloc(48 * 1024) }, {
      serverOptions: { "grpc.max_send_message_length": 32 * 1024 },
    }),
  ({ error }) => expect(error?.code).toBe(status.RESOURCE_EXHAUSTED),
);

parity(
  "failNext injects code, details and trailers before the handler, once",
  async (mode) => {
    await using server = await createTestServer({ services: [echo], mode });
    server.failNext("Ping", { code: status.UNAVAILABLE, details: "injected", metadata: trailers() });
    const client = server.client(DiagnosticsClient);
    const first = await settle<PingResponse>((cb) => client.ping(EMPTY, cb));
    const second = await settle<PingResponse>((cb) => client.ping(EMPTY, cb));
    return { first: first.error, second: second.error, requests: server.calls.map((c) => c.requests.length) };
  },
  ({ first, second, requests }) => {
    expect(first).toMatchObject({ code: status.UNAVAILABLE, details: "injected" });
    expect(first?.metadata["x-detail-bin"]).toEqual([Buffer.from([0, 1, 2, 255])]);
    expect(second).toBeUndefined();
    expect(requests).toEqual([1, 1]);
  },
);

test("ServiceError keeps the grpc-js shape in fake mode (code, details, metadata, Error)", async () => {
  await using server = await createTestServer({ services: [implement(DiagnosticsService, {})], mode: "fake" });
  const error = await new Promise<ServiceError | null>((resolve) =>
    server.client(DiagnosticsClient).ping(EMPTY, (e) => resolve(e)),
  );
  expect(error).toBeInstanceOf(Error);
  expect(error?.code).toBe(status.UNIMPLEMENTED);
  expect(error?.metadata).toBeInstanceOf(Metadata);
});
