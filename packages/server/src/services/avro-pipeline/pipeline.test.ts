import { join } from "node:path";
import { credentials, makeGenericClientConstructor, Metadata, status, type Client, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import {
  avroMethod,
  createAvroCodec,
  InitRequestCodec,
  InitRequestV1Codec,
  JobStatusCodec,
  PipelineClient,
  type JobStatus,
} from "@inferd/grpc-types/avro";
import { createTempDir } from "../../__tests__/files-fixture";
import type { FileStore } from "../../files/file-store";
import { createLocalFileStore } from "../../files/local-file-store";
import { renderSvg } from "../../inference/__tests__/images";
import { classifierModel, writeModel } from "../../models/__tests__/tiny-models";
import { createInferdServer, type InferdServer } from "../../server";

// inferd.avro.Pipeline over real gRPC (loopback, port 0), a real tiny model and real files.
const DEMO_TOKEN = "token-for-project-demo-0001";
const OTHER_TOKEN = "token-for-project-other-001";

interface Fixture {
  server: InferdServer;
  client: PipelineClient;
  store: FileStore;
  /** Holds job reads of "gate/*" images until released. */
  release(): void;
  cleanup(): Promise<void>;
}

async function start(options: { tokens?: boolean } = {}): Promise<Fixture> {
  const temp = await createTempDir("avro-pipeline");
  const modelsDir = join(temp.dir, "models");
  await writeModel(modelsDir, "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } }, classifierModel(32));
  const inner = await createLocalFileStore({ root: join(temp.dir, "files"), quotaBytesPerProject: 0 });
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  const store: FileStore = Object.create(inner) as FileStore;
  store.readFile = async (project, path) => {
    if (path.startsWith("gate/")) await opened;
    return inner.readFile(project, path);
  };
  const tokens = [
    { token: DEMO_TOKEN, projects: ["demo"], name: "demo" },
    { token: OTHER_TOKEN, projects: ["other"], name: "other" },
  ];
  const server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: temp.dir,
    modelsDir,
    fileStore: store,
    inference: { modelThreads: 1, jobWorkers: 1, jobQueueSize: 100 },
    ...(options.tokens ? { tokens } : {}),
  });
  await server.ready;
  const client = new PipelineClient(server.address, credentials.createInsecure());
  return {
    server,
    client,
    store,
    release,
    async cleanup() {
      release();
      client.close();
      await server.shutdown(2000);
      await inner.close();
      await temp.cleanup();
    },
  };
}

const bearer = (token: string): Metadata => {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
};

function collect<T>(stream: ClientReadableStream<T>, onMessage?: (message: T) => void): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on("data", (message: T) => {
      messages.push(message);
      onMessage?.(message);
    });
    stream.on("error", reject);
    stream.on("end", () => resolve(messages));
  });
}

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("the call succeeded");
}

function cancel(client: PipelineClient, jobId: string, metadata = new Metadata()): Promise<JobStatus> {
  return new Promise((resolve, reject) => client.cancel({ jobId }, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

const red = (): Promise<Buffer> => renderSvg(16, 16, "", "#f00");

let f: Fixture;
afterEach(async () => f.cleanup());

it("Init with persistence streams PENDING, PROCESSING with progress, then SUCCESS with the result URIs", async () => {
  f = await start();
  await f.store.writeFile("demo", "a.png", await red());
  await f.store.writeFile("demo", "b.png", await red());
  const statuses = await collect(f.client.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png", "inferd://demo/b.png"], persistence: true }));
  const first = statuses[0];
  const last = statuses.at(-1);
  expect(first?.state).toBe("PENDING");
  expect(first?.jobId).not.toBe("");
  expect(statuses.some((s) => s.state === "PROCESSING")).toBe(true);
  expect(last?.state).toBe("SUCCESS");
  expect(last?.progress).toBe(100);
  expect(last?.imagesDone).toBe(2);
  expect(last?.resultUris).toHaveLength(2);
  expect(statuses.every((s) => s.jobId === first?.jobId)).toBe(true);
  // The result is a real stored file.
  const resultPath = (last?.resultUris[0] ?? "").replace("inferd://demo/", "");
  expect(await f.store.stat("demo", resultPath)).toBeDefined();
});

it("Init without persistence answers PENDING only; Monitor follows the job to its end and reports the current status", async () => {
  f = await start();
  await f.store.writeFile("demo", "gate/a.png", await red());
  const init = await collect(f.client.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/gate/a.png"], persistence: false }));
  expect(init.map((s) => s.state)).toEqual(["PENDING"]);
  const jobId = init[0]?.jobId ?? "";
  const followed = collect(f.client.monitor({ jobId, follow: true }), (s) => {
    if (s.state === "PROCESSING") f.release();
  });
  const updates = await followed;
  expect(updates.at(-1)?.state).toBe("SUCCESS");
  const now = await collect(f.client.monitor({ jobId }));
  expect(now).toHaveLength(1);
  expect(now[0]?.state).toBe("SUCCESS");
  expect(now[0]?.resultUris).toHaveLength(1);
});

it("Cancel ends a running job CANCELLED, and the Init stream ends with it", async () => {
  f = await start();
  await f.store.writeFile("demo", "a.png", await red());
  await f.store.writeFile("demo", "gate/b.png", await red());
  await f.store.writeFile("demo", "c.png", await red());
  let cancelled: Promise<JobStatus> | undefined;
  const statuses = await collect(f.client.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png", "inferd://demo/gate/b.png", "inferd://demo/c.png"], persistence: true }), (s) => {
    // Image 0 is done, image 1 waits at the gate: cancel, then let the worker finish image 1 and stop.
    if (s.state === "PROCESSING" && s.imagesDone === 1 && cancelled === undefined) {
      cancelled = cancel(f.client, s.jobId);
      setImmediate(() => f.release());
    }
  });
  expect(statuses.at(-1)?.state).toBe("CANCELLED");
  expect(statuses.at(-1)?.imagesDone).toBe(2);
  expect((await cancelled)?.state).toBe("CANCELLED");
});

it("an unknown job id is NOT_FOUND for Monitor and Cancel; an unknown model is NOT_FOUND for Init", async () => {
  f = await start();
  expect((await failure(collect(f.client.monitor({ jobId: "no-such-job" })))).code).toBe(status.NOT_FOUND);
  expect((await failure(cancel(f.client, "no-such-job"))).code).toBe(status.NOT_FOUND);
  expect((await failure(collect(f.client.init({ project: "demo", model: "nope", imageUris: ["inferd://demo/a.png"] })))).code).toBe(status.NOT_FOUND);
  expect((await failure(collect(f.client.init({ project: "demo", model: "colors", imageUris: [] })))).code).toBe(status.INVALID_ARGUMENT);
});

it("uses inferd.v1's auth: no token is UNAUTHENTICATED, another project's job is NOT_FOUND", async () => {
  f = await start({ tokens: true });
  await f.store.writeFile("demo", "a.png", await red());
  expect((await failure(collect(f.client.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png"] })))).code).toBe(status.UNAUTHENTICATED);
  expect((await failure(collect(f.client.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png"] }, bearer(OTHER_TOKEN))))).code).toBe(status.PERMISSION_DENIED);
  const [pending] = await collect(f.client.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png"] }, bearer(DEMO_TOKEN)));
  const jobId = pending?.jobId ?? "";
  expect((await failure(collect(f.client.monitor({ jobId }, bearer(OTHER_TOKEN))))).code).toBe(status.NOT_FOUND);
  expect((await failure(cancel(f.client, jobId, bearer(OTHER_TOKEN)))).code).toBe(status.NOT_FOUND);
  const mine = await collect(f.client.monitor({ jobId, follow: true }, bearer(DEMO_TOKEN)));
  expect(mine.at(-1)?.state).toBe("SUCCESS");
});

/** A client of Init sending raw bytes, to check what the server does with them. */
function rawInitClient(address: string): Client & { init(request: Buffer): ClientReadableStream<JobStatus> } {
  const Raw = makeGenericClientConstructor(
    { init: { ...avroMethod("/inferd.avro.Pipeline/Init", "server", JobStatusCodec, JobStatusCodec), requestSerialize: (bytes: Buffer) => bytes } },
    "inferd.avro.Pipeline",
  );
  return new Raw(address, credentials.createInsecure()) as unknown as Client & { init(request: Buffer): ClientReadableStream<JobStatus> };
}

it("evolution over gRPC: a client built from InitRequest v1 submits to this server", async () => {
  f = await start();
  await f.store.writeFile("demo", "a.png", await red());
  const Old = makeGenericClientConstructor({ init: avroMethod("/inferd.avro.Pipeline/Init", "server", InitRequestV1Codec, JobStatusCodec) }, "inferd.avro.Pipeline");
  const old = new Old(f.server.address, credentials.createInsecure()) as unknown as Client & { init(request: object): ClientReadableStream<JobStatus> };
  try {
    const statuses = await collect(old.init({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png"], persistence: true, comment: "from v1" }));
    expect(statuses[0]?.state).toBe("PENDING");
    expect(statuses.at(-1)?.state).toBe("SUCCESS");
  } finally {
    old.close();
  }
});

it("malformed, truncated and unknown-schema requests are INVALID_ARGUMENT and the server stays up", async () => {
  f = await start();
  await f.store.writeFile("demo", "a.png", await red());
  const raw = rawInitClient(f.server.address);
  try {
    const incompatible = createAvroCodec<{ project: number }>({ type: "record", name: "InitRequest", namespace: "inferd.pipeline.v1", fields: [{ name: "project", type: "int" }] });
    const good = InitRequestCodec.encode({ project: "demo", model: "colors", imageUris: ["inferd://demo/a.png"] });
    // Junk, a cut record, trailing bytes, and a schema that is not a known InitRequest version.
    const cases = [Buffer.from("junk"), good.subarray(0, good.length - 4), Buffer.concat([good, Buffer.from([7])]), incompatible.encode({ project: 3 })];
    for (const bytes of cases) {
      const error = await failure(collect(raw.init(bytes)));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
    }
    // Still serving: a good request goes through on the same connection.
    const ok = await collect(raw.init(good));
    expect(ok[0]?.state).toBe("PENDING");
  } finally {
    raw.close();
  }
});
