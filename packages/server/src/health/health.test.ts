/**
 * The hand-coded grpc.health.v1 service against grpc-health-check's own definition (its
 * health.proto through proto-loader) as the client: an independent codec, over real gRPC.
 */
import { credentials, makeGenericClientConstructor, Server, ServerCredentials, status, type Client, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { service as referenceHealth } from "grpc-health-check";
import { createServerHealth, OVERALL, type ServerHealth } from "./health";
import { decodeCheckRequest, encodeCheckRequest } from "./health-codec";

type Reply = { status?: string; statuses?: Record<string, { status: string }> };
type Unary = (request: { service?: string }, callback: (error: ServiceError | null, reply: Reply) => void) => void;
type HealthClient = Client & { check: Unary; list: Unary; watch(request: { service: string }): ClientReadableStream<Reply> };

let server: Server;
let health: ServerHealth;
let client: HealthClient;

beforeAll(async () => {
  server = new Server();
  health = createServerHealth(["a.Service"]);
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const Constructor = makeGenericClientConstructor(referenceHealth, "Health");
  client = new Constructor(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as HealthClient;
});
afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

const call = (method: Unary, service: string): Promise<Reply> =>
  new Promise((resolve, reject) => method.call(client, { service }, (error, reply) => (error ? reject(error) : resolve(reply))));

test("Check answers each name's status and NOT_FOUND for an unknown one", async () => {
  expect(await call(client.check, OVERALL)).toEqual({ status: "NOT_SERVING" });
  health.set("a.Service", "SERVING");
  expect(await call(client.check, "a.Service")).toEqual({ status: "SERVING" });
  await expect(call(client.check, "no.Such")).rejects.toMatchObject({ code: status.NOT_FOUND });
  health.setAllNotServing();
  expect(await call(client.check, "a.Service")).toEqual({ status: "NOT_SERVING" });
});

test("Watch sends the current status, then every change; SERVICE_UNKNOWN for an unknown name", async () => {
  const stream = client.watch({ service: OVERALL });
  const seen: string[] = [];
  const two = new Promise<void>((resolve) =>
    stream.on("data", (reply: Reply) => {
      seen.push(reply.status ?? "");
      if (seen.length === 1) health.set(OVERALL, "SERVING");
      if (seen.length === 2) resolve();
    }),
  );
  stream.on("error", () => undefined); // the cancel below
  await two;
  stream.cancel();
  expect(seen).toEqual(["NOT_SERVING", "SERVING"]);
  const unknown = client.watch({ service: "no.Such" });
  unknown.on("error", () => undefined);
  const first = await new Promise<Reply>((resolve) => unknown.once("data", resolve));
  unknown.cancel();
  expect(first).toEqual({ status: "SERVICE_UNKNOWN" });
});

test("List returns every name's status", async () => {
  health.set("a.Service", "SERVING");
  const reply = await call(client.list, "");
  expect(reply.statuses).toEqual({ [OVERALL]: { status: expect.any(String) }, "a.Service": { status: "SERVING" } });
});

test("request codec: long names (multi-byte length) round-trip", () => {
  const service = "x".repeat(300);
  expect(decodeCheckRequest(encodeCheckRequest({ service }))).toEqual({ service });
  expect(decodeCheckRequest(encodeCheckRequest({ service: "" }))).toEqual({ service: "" });
});
