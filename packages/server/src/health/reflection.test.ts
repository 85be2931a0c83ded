import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import {
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ClientDuplexStream,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createTempDir } from "../__tests__/files-fixture";
import { startServer, type ServerFixture } from "../__tests__/server-fixture";
import type { Logger } from "../logger";
import type { ServiceModule } from "../service-module";
import { descriptorsOfDefinition } from "./proto-loader-descriptors";

// Reflection as clients use it: `buf curl` against the real server, and a raw grpc.reflection
// client for what buf curl does not ask.

const BUF = join(resolve(__dirname, "..", "..", "..", ".."), "node_modules", ".bin", "buf");

// An embedder's own services: Echo comes as a proto-loader definition (descriptors derived);
// Shout as a definition without descriptors plus the FileDescriptorProtos handed over with it.
const ECHO_PROTO = `syntax = "proto3";
package embedder.v1;
message EchoRequest { string text = 1; }
message EchoResponse { string text = 1; }
service Echo { rpc Echo(EchoRequest) returns (EchoResponse); }
`;
const SHOUT_PROTO = `syntax = "proto3";
package embedder.v2;
message ShoutRequest { string text = 1; }
message ShoutResponse { string text = 1; }
service Shout { rpc Shout(ShoutRequest) returns (ShoutResponse); }
`;

const raw = { serialize: (value: Buffer) => value, deserialize: (value: Buffer) => value };

async function embedderModules(dir: string): Promise<ServiceModule[]> {
  await writeFile(join(dir, "echo.proto"), ECHO_PROTO);
  await writeFile(join(dir, "shout.proto"), SHOUT_PROTO);
  const echo = loadSync("echo.proto", { includeDirs: [dir] })["embedder.v1.Echo"] as ServiceDefinition;
  const shoutDescriptors = descriptorsOfDefinition(loadSync("shout.proto", { includeDirs: [dir] })["embedder.v2.Shout"] as ServiceDefinition);
  const shout: ServiceDefinition = {
    Shout: { path: "/embedder.v2.Shout/Shout", requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  };
  return [
    {
      name: "embedder.v1.Echo",
      definition: echo,
      implementation: { Echo: (call: ServerUnaryCall<{ text: string }, unknown>, callback: sendUnaryData<unknown>) => callback(null, { text: call.request.text }) },
    },
    {
      name: "embedder.v2.Shout",
      definition: shout,
      // ShoutRequest and ShoutResponse have the same fields: echoing the bytes is a valid answer.
      implementation: { Shout: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => callback(null, call.request) },
      fileDescriptorProtos: shoutDescriptors,
    },
  ];
}

async function bufCurl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], { timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

let f: ServerFixture | undefined;
let temp: Awaited<ReturnType<typeof createTempDir>> | undefined;
afterEach(async () => {
  await f?.close();
  await temp?.cleanup();
  f = temp = undefined;
});

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<ServerFixture> {
  temp = await createTempDir("reflection");
  const modules = await embedderModules(temp.dir);
  f = await startServer({ extraModules: () => modules, ...options });
  await f.server.ready;
  return f;
}

test("buf curl lists every served service through reflection, health and reflection included", async () => {
  const { server } = await start();
  const listed = await bufCurl(["--list-services", `http://${server.address}`]);
  expect(listed.code).toBe(0);
  expect(listed.stdout.trim().split("\n").sort()).toEqual([
    "embedder.v1.Echo",
    "embedder.v2.Shout",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
    "inferd.v1.Diagnostics",
    "inferd.v1.Files",
    "inferd.v1.Inference",
    "inference.GRPCInferenceService",
  ]);
}, 90_000);

test("buf curl calls grpc.health.v1.Health/Check and an embedder's service with no local schema", async () => {
  const { server } = await start();
  const health = await bufCurl(["-d", '{"service":""}', `http://${server.address}/grpc.health.v1.Health/Check`]);
  expect(health.stderr).toBe("");
  expect(JSON.parse(health.stdout)).toEqual({ status: "SERVING" });

  const echo = await bufCurl(["-d", '{"text":"hi"}', `http://${server.address}/embedder.v1.Echo/Echo`]);
  expect(echo.stderr).toBe("");
  expect(JSON.parse(echo.stdout)).toEqual({ text: "hi" });

  // The service whose module handed its descriptors over (its handler echoes the raw bytes).
  const shout = await bufCurl(["-d", '{"text":"hey"}', `http://${server.address}/embedder.v2.Shout/Shout`]);
  expect(shout.stderr).toBe("");
  expect(JSON.parse(shout.stdout)).toEqual({ text: "hey" });
}, 90_000);

/** A raw grpc.reflection client (v1 or v1alpha), from @grpc/reflection's own proto. */
function reflectionClient(address: string, version: "v1" | "v1alpha"): Client & { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionReply> } {
  const protoDir = join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto");
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [protoDir], longs: Number, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => never }> };
  };
  const Ctor = pkg.grpc.reflection[version]!.ServerReflection;
  return new Ctor(address, credentials.createInsecure());
}

interface ReflectionReply {
  messageResponse: string;
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  errorResponse?: { errorCode: number };
}

async function ask(address: string, version: "v1" | "v1alpha", request: object): Promise<ReflectionReply> {
  const client = reflectionClient(address, version);
  const stream = client.ServerReflectionInfo();
  const reply = new Promise<ReflectionReply>((resolve, reject) => {
    stream.once("data", resolve);
    stream.once("error", reject);
  });
  stream.write(request);
  stream.end();
  try {
    return await reply;
  } finally {
    client.close();
  }
}

test.each(["v1", "v1alpha"] as const)("%s: extension numbers of a message without extensions are an empty list; an unknown type is NOT_FOUND", async (version) => {
  const { server } = await start();
  const known = await ask(server.address, version, { allExtensionNumbersOfType: "inferd.v1.InferRequest" });
  expect(known.messageResponse).toBe("allExtensionNumbersResponse");
  expect(known.allExtensionNumbersResponse).toEqual({ baseTypeName: "inferd.v1.InferRequest", extensionNumber: [] });

  const embedder = await ask(server.address, version, { allExtensionNumbersOfType: "embedder.v1.EchoRequest" });
  expect(embedder.allExtensionNumbersResponse?.extensionNumber).toEqual([]);

  const unknown = await ask(server.address, version, { allExtensionNumbersOfType: "no.such.Type" });
  expect(unknown.messageResponse).toBe("errorResponse");
  expect(unknown.errorResponse?.errorCode).toBe(status.NOT_FOUND);
});

test("a module that reflection cannot describe is named in a warning at start-up", async () => {
  const warnings: object[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (obj) => warnings.push(obj) };
  f = await startServer({
    logger,
    extraModules: () => [
      {
        name: "test.Undescribed",
        definition: { Hold: { path: "/test.Undescribed/Hold", requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize } },
        implementation: { Hold: () => undefined },
      },
    ],
  });
  expect(warnings).toContainEqual({ services: ["test.Undescribed"] });
});
