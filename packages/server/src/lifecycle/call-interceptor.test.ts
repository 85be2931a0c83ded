import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { DiagnosticsClient, DiagnosticsService, type DiagnosticsServer } from "@inferd/grpc-types/v1";
import { createTestServer, unary, type TestServer } from "@inferd/test-harness";
import { REQUEST_ID_HEADER, toServiceError } from "../errors";
import { createDiagnosticsService } from "../services/diagnostics";
import { createCallInterceptor, type CallCheck } from "./call-interceptor";

const PING = "/inferd.v1.Diagnostics/Ping";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pingError = (client: DiagnosticsClient, metadata: Metadata): Promise<ServiceError | null> =>
  new Promise((resolve) => client.ping({ message: "x", payload: Buffer.alloc(0) }, metadata, (error) => resolve(error)));

/** A server with one combined interceptor; returns what its observers saw. */
async function serve(checks: CallCheck[]): Promise<{ client: DiagnosticsClient; seen: string[] }> {
  const seen: string[] = [];
  const record = (name: string) => (path: string) => {
    seen.push(`${name} start ${path}`);
    return (code: status) => seen.push(`${name} end ${status[code]}`);
  };
  server = await createTestServer({
    services: [[DiagnosticsService, createDiagnosticsService()]],
    interceptors: [createCallInterceptor({ observers: [record("a"), record("b")], checks })],
    mode: "real",
  });
  return { client: server.client(DiagnosticsClient), seen };
}

test("observers see each call's start and its final status once, in order", async () => {
  const { client, seen } = await serve([]);
  await unary(client.ping.bind(client), { message: "x", payload: Buffer.alloc(0) });
  expect(seen).toEqual([`a start ${PING}`, `b start ${PING}`, "a end OK", "b end OK"]);
});

test("the first refusing check answers the call; later checks and the handler do not run; observers see the refusal", async () => {
  const ran: string[] = [];
  const { client, seen } = await serve([
    (_path, metadata) => {
      ran.push("first");
      return metadata.get("x-deny").length > 0 ? { code: status.PERMISSION_DENIED, details: "denied" } : undefined;
    },
    () => {
      ran.push("second");
      return { code: status.UNAUTHENTICATED, details: "no token" };
    },
  ]);
  const denied = new Metadata();
  denied.set("x-deny", "1");
  const error = await pingError(client, denied);
  expect(error?.code).toBe(status.PERMISSION_DENIED);
  expect(ran).toEqual(["first"]);
  expect(seen).toEqual([`a start ${PING}`, `b start ${PING}`, "a end PERMISSION_DENIED", "b end PERMISSION_DENIED"]);

  const error2 = await pingError(client, new Metadata());
  expect(error2?.code).toBe(status.UNAUTHENTICATED);
  expect(ran).toEqual(["first", "first", "second"]);
});

test("a call the client cancels ends as CANCELLED", async () => {
  const { client, seen } = await serve([]);
  const stream = client.streamNumbers({ count: 1_000, intervalMs: 1_000 });
  stream.on("error", () => undefined);
  await new Promise((resolve) => stream.once("data", resolve));
  stream.cancel();
  await server?.close();
  server = undefined;
  expect(seen.filter((line) => line.includes(" end "))).toEqual(["a end CANCELLED", "b end CANCELLED"]);
});

test("any service's INTERNAL is logged with its cause and the request id, which the client gets in the message and trailers", async () => {
  const logged: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const error = (obj: object, msg?: string): void => void logged.push({ obj: obj as Record<string, unknown>, msg });
  const ignore = (): void => undefined;
  const cause = new Error("disk controller on fire");
  const failing: DiagnosticsServer = { ...createDiagnosticsService(), ping: (_call, callback) => callback(toServiceError(cause)) };
  server = await createTestServer({
    services: [[DiagnosticsService, failing]],
    interceptors: [createCallInterceptor({ logger: { debug: ignore, info: ignore, warn: ignore, error } })],
    mode: "real",
  });
  const client = server.client(DiagnosticsClient);
  const failure = await pingError(client, new Metadata());
  expect(failure?.code).toBe(status.INTERNAL);
  const requestId = String(failure?.metadata.get(REQUEST_ID_HEADER)[0] ?? "");
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(failure?.details).toContain(requestId);
  expect(logged).toHaveLength(1);
  expect(logged[0]?.obj).toMatchObject({ err: cause, requestId, method: PING });
});
