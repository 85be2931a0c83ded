import {
  InterceptingCall,
  Metadata,
  ServerInterceptingCall,
  status,
  type Interceptor,
  type ServerInterceptor,
  type StatusObject,
} from "@grpc/grpc-js";
import { DiagnosticsClient, DiagnosticsService, type PingResponse } from "@inferd/grpc-types/v1";
import { createTestServer, implement, type TestMode } from "../../index";
import { parity, settle, shapeOf, type MetadataShape } from "./parity";

const EMPTY = { message: "", payload: Buffer.alloc(0) };

parity(
  "request metadata (text, binary, repeated keys) reaches the handler as sent",
  async (mode) => {
    let seen: MetadataShape = {};
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call, callback) {
            seen = shapeOf(call.metadata);
            callback(null, { ...EMPTY, serverVersion: "" });
          },
        }),
      ],
    });
    const metadata = new Metadata();
    metadata.set("x-request-id", "r-1");
    metadata.add("x-tag", "a");
    metadata.add("x-tag", "b");
    metadata.set("x-trace-bin", Buffer.from([1, 2, 3]));
    metadata.add("x-many-bin", Buffer.from([4]));
    metadata.add("x-many-bin", Buffer.from([5]));
    await settle<PingResponse>((cb) => server.client(DiagnosticsClient).ping(EMPTY, metadata, cb));
    return seen;
  },
  (seen) => {
    expect(seen["x-request-id"]).toEqual(["r-1"]);
    expect(seen["x-tag"]).toEqual(["a, b"]);
    expect(seen["x-trace-bin"]).toEqual([Buffer.from([1, 2, 3])]);
    expect(seen["x-many-bin"]).toEqual([Buffer.from([4]), Buffer.from([5])]);
    expect(seen["user-agent"]?.[0]).toMatch(/^grpc-node-js\//);
    expect(seen["grpc-timeout"]).toBeUndefined();
  },
);

parity(
  "initial metadata and trailing metadata from the handler reach the client",
  async (mode) => {
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call, callback) {
            const initial = new Metadata();
            initial.set("x-served-by", "node-1");
            call.sendMetadata(initial);
            const trailing = new Metadata();
            trailing.set("x-cost-ms", "12");
            trailing.set("x-blob-bin", Buffer.from([9, 9]));
            callback(null, { ...EMPTY, serverVersion: "" }, trailing);
          },
        }),
      ],
    });
    const call = await new Promise<{ initial: MetadataShape; final: StatusObject }>((resolve) => {
      let initial: MetadataShape = {};
      const unary = server.client(DiagnosticsClient).ping(EMPTY, () => undefined);
      unary.on("metadata", (metadata: Metadata) => (initial = shapeOf(metadata)));
      unary.on("status", (final: StatusObject) => resolve({ initial, final }));
    });
    return { initial: call.initial, code: call.final.code, trailing: shapeOf(call.final.metadata) };
  },
  ({ initial, code, trailing }) => {
    expect(initial["x-served-by"]).toEqual(["node-1"]);
    expect(initial["content-type"]).toEqual(["application/grpc+proto"]);
    expect(code).toBe(status.OK);
    expect(trailing).toEqual({ "x-cost-ms": ["12"], "x-blob-bin": [Buffer.from([9, 9])] });
  },
);

/** A typical auth interceptor: rejects calls without the right bearer token before any handler. */
const requireToken: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMetadata(metadata, nextMetadata) {
          if (metadata.get("authorization")[0] !== "Bearer s3cret") {
            call.sendStatus({ code: status.UNAUTHENTICATED, details: "missing or wrong bearer token" });
            return;
          }
          metadata.set("x-user", "alice");
          nextMetadata(metadata);
        },
      });
    },
  });

async function authenticatedPing(mode: TestMode, token: string | undefined) {
  let handlerRan = false;
  let user: unknown;
  await using server = await createTestServer({
    mode,
    interceptors: [requireToken],
    services: [
      implement(DiagnosticsService, {
        ping(call, callback) {
          handlerRan = true;
          user = call.metadata.get("x-user")[0];
          callback(null, { ...EMPTY, serverVersion: "" });
        },
      }),
    ],
  });
  const metadata = new Metadata();
  if (token) metadata.set("authorization", token);
  const { error } = await settle<PingResponse>((cb) => server.client(DiagnosticsClient).ping(EMPTY, metadata, cb));
  await server.settled();
  return { error, handlerRan, user, recorded: server.calls.map((c) => c.status?.code) };
}

parity(
  "a server interceptor rejects an unauthenticated call before the handler",
  (mode) => authenticatedPing(mode, undefined),
  ({ error, handlerRan, recorded }) => {
    expect(error).toMatchObject({ code: status.UNAUTHENTICATED, details: "missing or wrong bearer token" });
    expect(handlerRan).toBe(false);
    expect(recorded).toEqual([status.UNAUTHENTICATED]);
  },
);

parity(
  "a server interceptor admits a good token and passes what it learned to the handler",
  (mode) => authenticatedPing(mode, "Bearer s3cret"),
  ({ error, handlerRan, user }) => {
    expect(error).toBeUndefined();
    expect(handlerRan).toBe(true);
    expect(user).toBe("alice");
  },
);

parity(
  "server interceptors run in grpc-js order and can rewrite responses and add trailers",
  async (mode) => {
    const order: string[] = [];
    const tag =
      (name: string): ServerInterceptor =>
      (_method, call) =>
        new ServerInterceptingCall(call, {
          start(next) {
            order.push(`start ${name}`);
            next({ onReceiveMetadata: (metadata, go) => (order.push(`metadata ${name}`), go(metadata)) });
          },
          sendMessage(message: PingResponse, next) {
            next({ ...message, message: `${message.message}+${name}` });
          },
          sendStatus(final, next) {
            const metadata = final.metadata ?? new Metadata();
            metadata.add("x-via", name);
            next({ ...final, metadata });
          },
        });
    await using server = await createTestServer({
      mode,
      interceptors: [tag("outer"), tag("inner")],
      services: [implement(DiagnosticsService, { ping: (_call, cb) => cb(null, { ...EMPTY, message: "m", serverVersion: "" }) })],
    });
    const result = await new Promise<{ response?: PingResponse; trailers?: MetadataShape }>((resolve) => {
      let response: PingResponse | undefined;
      const call = server.client(DiagnosticsClient).ping(EMPTY, (_e, r) => (response = r));
      call.on("status", (final: StatusObject) => setImmediate(() => resolve({ response, trailers: shapeOf(final.metadata) })));
    });
    return { order, ...result };
  },
  ({ order, response, trailers }) => {
    expect(order).toEqual(["start inner", "start outer", "metadata outer", "metadata inner"]);
    expect(response?.message).toBe("m+inner+outer");
    expect(trailers?.["x-via"]).toEqual(["inner, outer"]);
  },
);

parity(
  "client interceptors run in both modes and their metadata reaches the server",
  async (mode) => {
    let seen: unknown;
    await using server = await createTestServer({
      mode,
      services: [
        implement(DiagnosticsService, {
          ping(call, callback) {
            seen = call.metadata.get("x-client-interceptor")[0];
            callback(null, { ...EMPTY, serverVersion: "" });
          },
        }),
      ],
    });
    const addHeader: Interceptor = (options, nextCall) =>
      new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          metadata.set("x-client-interceptor", "yes");
          next(metadata, listener);
        },
      });
    const client = server.client(DiagnosticsClient, { interceptors: [addHeader] });
    const { error } = await settle<PingResponse>((cb) => client.ping(EMPTY, cb));
    return { error, seen };
  },
  ({ error, seen }) => {
    expect(error).toBeUndefined();
    expect(seen).toBe("yes");
  },
);
