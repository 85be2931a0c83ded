import { credentials, makeGenericClientConstructor, Server, ServerCredentials, status, type Client, type ClientReadableStream, type ServerWritableStream, type ServiceError } from "@grpc/grpc-js";
import type { AvroCodec } from "./codec";
import { avroMethod } from "./method";
import {
  InitRequestCodec,
  InitRequestV1Codec,
  JobStatusCodec,
  PipelineClient,
  type InitRequest,
  type InitRequestV1,
  type JobStatus,
} from "../gen/avro/inferd/pipeline/v1";

// Schema evolution over real gRPC (loopback, port 0): peers built from different versions of
// InitRequest (history/InitRequest.v1.avsc: no version/parameters, an optional comment).
const INIT = "/inferd.avro.Pipeline/Init";

/** A status that reports what the server decoded, so the client can check it. */
function echo(request: object): JobStatus {
  return { jobId: JSON.stringify(request), state: "PENDING", progress: 0, message: "", imagesTotal: 0, imagesDone: 0, imagesFailed: 0, createdAtMillis: 0, updatedAtMillis: 0, resultUris: [] };
}

async function serve<Req extends object>(codec: AvroCodec<Req>): Promise<{ address: string; close(): Promise<void> }> {
  const server = new Server();
  server.addService({ init: avroMethod(INIT, "server", codec, JobStatusCodec) }, {
    init: (call: ServerWritableStream<Req, JobStatus>) => {
      call.write(echo(call.request));
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
}

function first(stream: ClientReadableStream<JobStatus>): Promise<JobStatus> {
  return new Promise((resolve, reject) => {
    const got: JobStatus[] = [];
    stream.on("data", (message: JobStatus) => got.push(message));
    stream.on("error", reject);
    stream.on("end", () => (got[0] ? resolve(got[0]) : reject(new Error("no message"))));
  });
}

type InitClient<Req> = Client & { init(request: Req): ClientReadableStream<JobStatus> };

it("old client (v1) -> new server: added fields take their defaults, the removed optional field is dropped", async () => {
  const server = await serve<InitRequest>(InitRequestCodec);
  const Old = makeGenericClientConstructor({ init: avroMethod(INIT, "server", InitRequestV1Codec, JobStatusCodec) }, "inferd.avro.Pipeline");
  const client = new Old(server.address, credentials.createInsecure()) as unknown as InitClient<InitRequestV1>;
  try {
    const answer = await first(client.init({ project: "p", model: "m", imageUris: ["inferd://p/a.png"], persistence: true, comment: "old" }));
    expect(JSON.parse(answer.jobId)).toEqual({
      project: "p",
      model: "m",
      version: "",
      imageUris: ["inferd://p/a.png"],
      parameters: { confidenceThreshold: null, iouThreshold: null, maxResults: null, returnMask: false },
      persistence: true,
    });
  } finally {
    client.close();
    await server.close();
  }
});

it("new client -> old server (v1): the new fields are skipped, the removed optional field reads as null", async () => {
  const server = await serve<InitRequestV1>(InitRequestV1Codec);
  const client = new PipelineClient(server.address, credentials.createInsecure());
  try {
    const answer = await first(client.init({ project: "p", model: "m", version: "3", imageUris: [], parameters: { maxResults: 4 }, persistence: false }));
    expect(JSON.parse(answer.jobId)).toEqual({ project: "p", model: "m", imageUris: [], persistence: false, comment: null });
  } finally {
    client.close();
    await server.close();
  }
});

it("a response in a schema the client cannot read fails the call instead of yielding garbage", async () => {
  // The server answers with InitRequest bytes where the client expects a JobStatus.
  const server = new Server();
  server.addService({ init: { ...avroMethod(INIT, "server", InitRequestCodec, JobStatusCodec), responseSerialize: (value: InitRequest) => InitRequestCodec.encode(value) } }, {
    init: (call: ServerWritableStream<InitRequest, InitRequest>) => {
      call.write(call.request);
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  const client = new PipelineClient(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    const error = await first(client.init({ project: "p", model: "m", imageUris: [] })).then(
      () => undefined,
      (e: unknown) => e as ServiceError,
    );
    // grpc-js reports a response that does not deserialize as INTERNAL on the client.
    expect(error?.code).toBe(status.INTERNAL);
  } finally {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
});
