import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import {
  InferRequest,
  InferResponse,
  JobStage,
  ListModelsRequest,
  ListModelsResponse,
  RunRequest,
  RunResponse,
  UploadRequest,
  UploadResponse,
  WatchJobRequest,
  WatchJobResponse,
} from "@inferd/grpc-types/v1";
import { tempDir } from "../../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../../server";
import { grpcWebCall } from "./__tests__/grpc-web-fetch";

const SAMPLE = join(__dirname, "../../../../../examples/sample-text.png");
const ORIGIN = "http://studio.test:8080";
const TOKEN = "s3cret-token-for-grpc-web";

let dir: string;
let server: InferdServer;
let base: string;
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  dir = await tempDir("grpc-web");
  server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    httpPort: 0,
    dataDir: join(dir, "data"),
    tokens: [{ token: TOKEN, projects: ["*"], name: "test" }],
    corsOrigins: [ORIGIN],
    maxMessageBytes: 4 * 1024 * 1024,
    inference: { modelThreads: 1 },
  });
  await server.ready;
  base = `http://${server.httpAddress ?? "missing"}`;
}, 60_000);
afterAll(async () => {
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

test.each([false, true])("unary ListModels over gRPC-Web (text mode: %s)", async (text) => {
  const reply = await grpcWebCall(base, "/inferd.v1.Inference/ListModels", [ListModelsRequest.encode({}).finish()], { text, headers: auth });
  expect(reply.httpStatus).toBe(200);
  expect(reply.grpcStatus).toBe(status.OK);
  expect(reply.headers.get("content-type")).toBe(text ? "application/grpc-web-text+proto" : "application/grpc-web+proto");
  expect(reply.messages).toHaveLength(1);
  const models = ListModelsResponse.decode(reply.messages[0] ?? Buffer.alloc(0)).models;
  expect(models.map((m) => m.name)).toEqual(["pp-ocrv4-det"]);
  expect(models[0]?.ready).toBe(true);
});

test("unary Infer of the sample image returns the same results as native gRPC would compute", async () => {
  const image = await readFile(SAMPLE);
  const request = InferRequest.encode({ model: "pp-ocrv4-det", version: "", image: { $case: "imageData", value: image }, parameters: { returnMask: true } }).finish();
  const reply = await grpcWebCall(base, "/inferd.v1.Inference/Infer", [request], { headers: auth });
  expect(reply.grpcStatus).toBe(status.OK);
  const answer = InferResponse.decode(reply.messages[0] ?? Buffer.alloc(0));
  expect(answer.results.length).toBeGreaterThan(0);
  expect(answer.results[0]?.label).toBe("text");
  expect(answer.imageWidth).toBeGreaterThan(0);
  expect(answer.maskPng.subarray(1, 4).toString()).toBe("PNG");
});

test("errors become grpc-status: auth, unknown model, unknown method, oversize body", async () => {
  const list = ListModelsRequest.encode({}).finish();
  expect((await grpcWebCall(base, "/inferd.v1.Inference/ListModels", [list])).grpcStatus).toBe(status.UNAUTHENTICATED);
  const unknown = InferRequest.encode({ model: "nope", version: "", image: { $case: "imageData", value: Buffer.from([1]) } }).finish();
  const notFound = await grpcWebCall(base, "/inferd.v1.Inference/Infer", [unknown], { headers: auth });
  expect(notFound.httpStatus).toBe(200);
  expect(notFound.grpcStatus).toBe(status.NOT_FOUND);
  expect(notFound.messages).toHaveLength(0);
  expect((await grpcWebCall(base, "/inferd.v1.Inference/Nope", [list], { headers: auth })).grpcStatus).toBe(status.UNIMPLEMENTED);
  const huge = InferRequest.encode({ model: "pp-ocrv4-det", version: "", image: { $case: "imageData", value: Buffer.alloc(5 * 1024 * 1024) } }).finish();
  expect((await grpcWebCall(base, "/inferd.v1.Inference/Infer", [huge], { headers: auth })).grpcStatus).toBe(status.RESOURCE_EXHAUSTED);
});

test("CORS: the configured origin may call, others get no allow-origin header", async () => {
  const preflight = (origin: string): Promise<Response> =>
    fetch(`${base}/inferd.v1.Inference/Infer`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" } });
  const allowed = await preflight(ORIGIN);
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
  const other = await preflight("http://evil.test");
  expect(other.headers.get("access-control-allow-origin")).toBeNull();
  const call = await grpcWebCall(base, "/inferd.v1.Inference/ListModels", [ListModelsRequest.encode({}).finish()], { headers: { ...auth, origin: ORIGIN } });
  expect(call.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  expect(call.headers.get("access-control-expose-headers")).toContain("grpc-status");
});

test("Files.Upload as a whole-body client stream, then server-streaming Run and WatchJob", async () => {
  const image = await readFile(SAMPLE);
  const half = Math.floor(image.length / 2);
  const upload = await grpcWebCall(
    base,
    "/inferd.v1.Files/Upload",
    [
      UploadRequest.encode({ content: { $case: "header", value: { project: "web", path: "in/a.png", offset: 0n, sha256: "", restart: false } } }).finish(),
      UploadRequest.encode({ content: { $case: "chunk", value: image.subarray(0, half) } }).finish(),
      UploadRequest.encode({ content: { $case: "chunk", value: image.subarray(half) } }).finish(),
    ],
    { headers: auth },
  );
  expect(upload.grpcStatus).toBe(status.OK);
  const stored = UploadResponse.decode(upload.messages[0] ?? Buffer.alloc(0));
  expect(stored).toMatchObject({ uri: "inferd://web/in/a.png", storedBytes: BigInt(image.length), complete: true });

  const run = await grpcWebCall(
    base,
    "/inferd.v1.Inference/Run",
    [RunRequest.encode({ project: "web", model: "pp-ocrv4-det", version: "", imageUris: [stored.uri, stored.uri] }).finish()],
    { headers: auth, text: true },
  );
  expect(run.grpcStatus).toBe(status.OK);
  const updates = run.messages.map((m) => RunResponse.decode(m).update);
  expect(updates.length).toBeGreaterThan(1);
  const last = updates[updates.length - 1];
  expect(last).toMatchObject({ stage: JobStage.DONE, summary: { imagesSucceeded: 2 } });

  const watch = await grpcWebCall(base, "/inferd.v1.Inference/WatchJob", [WatchJobRequest.encode({ jobId: last?.jobId ?? "" }).finish()], { headers: auth });
  expect(watch.grpcStatus).toBe(status.OK);
  expect(watch.messages.map((m) => WatchJobResponse.decode(m).update?.stage)).toEqual([JobStage.DONE]);
  const missing = await grpcWebCall(base, "/inferd.v1.Inference/WatchJob", [WatchJobRequest.encode({ jobId: "00000000-0000-4000-8000-000000000000" }).finish()], { headers: auth });
  expect(missing.grpcStatus).toBe(status.NOT_FOUND);
}, 60_000);

test("the REST API on the same port still answers", async () => {
  const live = await fetch(`${base}/v2/health/live`);
  expect(live.status).toBe(200);
});
