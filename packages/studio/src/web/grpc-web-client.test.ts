/** The page's gRPC-Web client against a real inferd HTTP port (Node's fetch is the browser's API). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiagnosticsService, ListModelsRequest, ListModelsResponse, PingRequest, PingResponse, StreamNumbersRequest, StreamNumbersResponse } from "@inferd/grpc-types/v1";
import { createInferdServer, type InferdServer } from "@inferd/server";
import { Code, createGrpcWebClient, RpcError } from "./grpc-web-client";

let dir: string;
let server: InferdServer;
let base: string;
const TOKEN = "studio-client-test-token";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "inferd-studio-client-"));
  server = await createInferdServer({ host: "127.0.0.1", port: 0, httpPort: 0, dataDir: dir, tokens: [{ token: TOKEN, projects: ["*"], name: "t" }], inference: { modelThreads: 1 } });
  await server.ready;
  base = `http://${server.httpAddress ?? ""}`;
}, 60_000);
afterAll(async () => {
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

test("unary and server-streaming calls with a token", async () => {
  const client = createGrpcWebClient({ baseUrl: base, token: () => TOKEN });
  const models = await client.unary("inferd.v1.Inference/ListModels", {}, ListModelsRequest, ListModelsResponse);
  expect(models.models.map((m) => m.name)).toEqual(["pp-ocrv4-det"]);
  const ping = await client.unary(DiagnosticsService.ping.path.slice(1), PingRequest.fromPartial({ message: "hi" }), PingRequest, PingResponse);
  expect(ping.message).toBe("hi");
  const numbers: bigint[] = [];
  for await (const n of client.serverStream("inferd.v1.Diagnostics/StreamNumbers", StreamNumbersRequest.fromPartial({ count: 5 }), StreamNumbersRequest, StreamNumbersResponse)) numbers.push(n.value);
  expect(numbers).toEqual([1n, 2n, 3n, 4n, 5n]);
});

test("failures carry the gRPC status code", async () => {
  const anonymous = createGrpcWebClient({ baseUrl: base });
  await expect(anonymous.unary("inferd.v1.Inference/ListModels", {}, ListModelsRequest, ListModelsResponse)).rejects.toMatchObject({ code: Code.UNAUTHENTICATED });
  const unreachable = createGrpcWebClient({ baseUrl: "http://127.0.0.1:9" });
  const error: unknown = await unreachable.unary("inferd.v1.Inference/ListModels", {}, ListModelsRequest, ListModelsResponse).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  expect((error as RpcError).code).toBe(Code.UNAVAILABLE);
});
