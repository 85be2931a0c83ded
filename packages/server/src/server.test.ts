import {
  credentials,
  Metadata,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { DiagnosticsClient } from "@inferd/grpc-types/v1";
import { checkHealth, startServer, type ServerFixture } from "./__tests__/server-fixture";
import { createTempDir, deleteFile } from "./__tests__/files-fixture";
import { generateTestCerts } from "./__tests__/test-certs";
import { createInferdServer, ServerConfigError } from "./server";

const raw = { serialize: (value: Buffer) => value, deserialize: (value: Buffer) => value };
/** A one-method service whose handler the test releases by hand. */
const holdDefinition: ServiceDefinition = {
  Hold: { path: "/test.Hold/Hold", requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
};

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const ping = (client: DiagnosticsClient, metadata = new Metadata()): Promise<unknown> =>
  new Promise((resolve, reject) => client.ping({ message: "hi", payload: Buffer.alloc(0) }, metadata, (e, r) => (e ? reject(e) : resolve(r))));

let f: ServerFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

test("health: NOT_SERVING until start-up work is done, SERVING per service, NOT_SERVING on shutdown; in-flight calls finish, new ones get UNAVAILABLE", async () => {
  const startUp = deferred();
  const entered = deferred<sendUnaryData<Buffer>>();
  f = await startServer({
    extraModules: () => [
      {
        name: "test.Hold",
        definition: holdDefinition,
        implementation: { Hold: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => entered.resolve(callback) },
        start: () => startUp.promise,
      },
    ],
  });
  expect(await checkHealth(f.health, "")).toBe("NOT_SERVING");
  expect(await checkHealth(f.health, "test.Hold")).toBe("NOT_SERVING");
  expect(await checkHealth(f.health, "inferd.v1.Files")).toBe("SERVING");
  expect(await checkHealth(f.health, "inferd.v1.Diagnostics")).toBe("SERVING");
  await expect(checkHealth(f.health, "no.such.Service")).rejects.toMatchObject({ code: status.NOT_FOUND });

  const watch = f.health.watch({ service: "" });
  const seen: string[] = [];
  const sawFirst = deferred();
  const sawNotServingAgain = deferred();
  watch.on("data", (response: { status: string }) => {
    seen.push(response.status);
    if (seen.length === 1) sawFirst.resolve();
    if (seen.length >= 3) sawNotServingAgain.resolve();
  });
  watch.on("error", () => undefined);

  await sawFirst.promise;
  startUp.resolve();
  await f.server.ready;
  expect(await checkHealth(f.health, "")).toBe("SERVING");
  expect(await checkHealth(f.health, "test.Hold")).toBe("SERVING");

  const holdClient = new (await import("@grpc/grpc-js")).Client(f.server.address, credentials.createInsecure());
  const held = new Promise<Buffer>((resolve, reject) =>
    holdClient.makeUnaryRequest("/test.Hold/Hold", raw.serialize, raw.deserialize, Buffer.from("x"), (e, r) => (e ? reject(e) : resolve(r as Buffer))),
  );
  const callback = await entered.promise;
  const stopped = f.server.shutdown(10_000);
  expect(await checkHealth(f.health, "")).toBe("NOT_SERVING");
  expect(await checkHealth(f.health, "inferd.v1.Files")).toBe("NOT_SERVING");
  await expect(ping(f.diagnostics)).rejects.toMatchObject({ code: status.UNAVAILABLE });
  await sawNotServingAgain.promise;
  expect(seen).toEqual(["NOT_SERVING", "SERVING", "NOT_SERVING"]);
  callback(null, Buffer.from("done"));
  expect((await held).toString()).toBe("done");
  watch.cancel();
  await stopped;
  holdClient.close();
});

/** Reads length-delimited fields of a protobuf message (enough for reflection replies). */
function fields(message: Buffer): Array<{ field: number; bytes: Buffer }> {
  const out: Array<{ field: number; bytes: Buffer }> = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 2) {
      const length = varint();
      out.push({ field: tag >>> 3, bytes: message.subarray(at, at + length) });
      at += length;
    } else if (wire === 0) varint();
    else throw new Error(`wire type ${wire} not expected`);
  }
  return out;
}

// Both versions: the server registers stand-ins that build the real services on first use.
test.each(["v1", "v1alpha"])("reflection (%s) resolves inferd.v1.Files to its real file and imports, without a token", async (version) => {
  f = await startServer({ tokens: [{ token: "secret-token-0123456789", projects: ["*"], name: "t" }] });
  const client = new (await import("@grpc/grpc-js")).Client(f.server.address, credentials.createInsecure());
  const call = client.makeBidiStreamRequest(`/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`, raw.serialize, raw.deserialize);
  const reply = new Promise<Buffer>((resolve, reject) => {
    call.once("data", resolve);
    call.once("error", reject);
  });
  const symbol = Buffer.from("inferd.v1.Files");
  call.write(Buffer.concat([Buffer.from([0x22, symbol.length]), symbol])); // file_containing_symbol = 4
  const response = await reply;
  call.end();
  const descriptorResponse = fields(response).find((entry) => entry.field === 4);
  expect(descriptorResponse).toBeDefined();
  const files = fields(descriptorResponse!.bytes).map((entry) => fields(entry.bytes));
  const named = new Map(files.map((file) => [file.find((e) => e.field === 1)!.bytes.toString(), file]));
  expect([...named.keys()].sort()).toEqual(["google/protobuf/timestamp.proto", "inferd/v1/files.proto"]);
  const dependencies = named.get("inferd/v1/files.proto")!.filter((e) => e.field === 3).map((e) => e.bytes.toString());
  expect(dependencies).toEqual(["google/protobuf/timestamp.proto"]);
  client.close();
});

describe("auth", () => {
  const token = "secret-token-0123456789";
  test("with a token: RPCs need it (UNAUTHENTICATED otherwise); health needs none", async () => {
    f = await startServer({ tokens: [{ token, projects: ["*"], name: "t" }] });
    await expect(ping(f.diagnostics)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const wrong = new Metadata();
    wrong.set("authorization", "Bearer secret-token-0123456780");
    await expect(ping(f.diagnostics, wrong)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const malformed = new Metadata();
    malformed.set("authorization", token);
    await expect(ping(f.diagnostics, malformed)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const right = new Metadata();
    right.set("authorization", `Bearer ${token}`);
    await expect(ping(f.diagnostics, right)).resolves.toMatchObject({ message: "hi" });
    await f.server.ready;
    expect(await checkHealth(f.health, "")).toBe("SERVING");
  });

  test("without a token: calls are open on loopback; a public host is refused unless allowed", async () => {
    f = await startServer();
    await expect(ping(f.diagnostics)).resolves.toMatchObject({ message: "hi" });
    await expect(createInferdServer({ host: "0.0.0.0", port: 0 })).rejects.toBeInstanceOf(ServerConfigError);
    const temp = await createTempDir("open");
    const open = await createInferdServer({ host: "0.0.0.0", port: 0, allowUnauthenticated: true, dataDir: temp.dir });
    await open.shutdown(100);
    await temp.cleanup();
  });
});

describe("TLS", () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let certs: ReturnType<typeof generateTestCerts>;
  beforeAll(async () => {
    temp = await createTempDir("tls");
    certs = generateTestCerts(temp.dir);
  });
  afterAll(async () => temp.cleanup());

  test("TLS: a client trusting the CA gets through; a plaintext client does not", async () => {
    f = await startServer({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    const secure = new DiagnosticsClient(f.server.address, credentials.createSsl(certs.ca));
    await expect(ping(secure)).resolves.toMatchObject({ message: "hi" });
    secure.close();
    // Long enough that only a refused connection (UNAVAILABLE), not the deadline, ends the call.
    const deadline = new Date(Date.now() + 20_000);
    const plain = new DiagnosticsClient(f.server.address, credentials.createInsecure());
    await expect(
      new Promise((resolve, reject) => plain.ping({ message: "", payload: Buffer.alloc(0) }, new Metadata(), { deadline }, (e, r) => (e ? reject(e) : resolve(r)))),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    plain.close();
  });

  test("mutual TLS: the client certificate is required", async () => {
    f = await startServer({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
    const withCert = new DiagnosticsClient(f.server.address, credentials.createSsl(certs.ca, certs.clientKey, certs.clientCert));
    await expect(ping(withCert)).resolves.toMatchObject({ message: "hi" });
    withCert.close();
    const withoutCert = new DiagnosticsClient(f.server.address, credentials.createSsl(certs.ca));
    const error = (await ping(withoutCert).catch((e: ServiceError) => e)) as ServiceError;
    expect(error.code).toBe(status.UNAVAILABLE);
    withoutCert.close();
  });
});

test("metrics: off by default; on --metrics-port it serves per-RPC counts by code, latency, in-flight, file bytes and process metrics", async () => {
  f = await startServer({ metricsPort: 0 });
  expect(f.server.metricsAddress).toBeDefined();
  await ping(f.diagnostics);
  await expect(deleteFile(f.files, { uri: "bad" })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  const text = await (await fetch(`http://${f.server.metricsAddress}/metrics`)).text();
  expect(text).toMatch(/inferd_grpc_requests_total\{service="inferd\.v1\.Diagnostics",method="Ping",code="OK"\} 1/);
  expect(text).toMatch(/inferd_grpc_requests_total\{service="inferd\.v1\.Files",method="DeleteFile",code="INVALID_ARGUMENT"\} 1/);
  expect(text).toContain("# TYPE inferd_grpc_request_duration_seconds histogram\n");
  expect(text).toMatch(/inferd_grpc_request_duration_seconds_bucket\{le="60",service="inferd\.v1\.Diagnostics",method="Ping"\} 1\n/);
  expect(text).toMatch(/inferd_grpc_request_duration_seconds_bucket\{le="\+Inf",service="inferd\.v1\.Diagnostics",method="Ping"\} 1\n/);
  expect(text).toMatch(/inferd_grpc_request_duration_seconds_sum\{service="inferd\.v1\.Diagnostics",method="Ping"\} 0\.\d+\n/);
  expect(text).toMatch(/inferd_grpc_request_duration_seconds_count\{service="inferd\.v1\.Diagnostics",method="Ping"\} 1\n/);
  expect(text).toContain("inferd_grpc_in_flight_calls");
  expect(text).toContain("inferd_files_uploaded_bytes_total");
  expect(text).toContain("process_cpu_user_seconds_total");
  expect((await fetch(`http://${f.server.metricsAddress}/other`)).status).toBe(404);
  await f.close();
  f = await startServer();
  expect(f.server.metricsAddress).toBeUndefined();
});
