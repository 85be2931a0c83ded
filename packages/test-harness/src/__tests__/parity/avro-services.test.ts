import { Metadata, status } from "@grpc/grpc-js";
import { PipelineClient, PipelineService, type JobStatus } from "@inferd/grpc-types/avro";
import { createTestServer, implement, type TestMode } from "../../index";
import { drain, parity, settle } from "./parity";

// Avro-encoded services (@inferd/grpc-types/avro) in the harness: the same createTestServer,
// implement() and typed clients as protobuf services, in real and fake mode alike.

function status0(jobId: string, state: JobStatus["state"], progress: number): JobStatus {
  return { jobId, state, progress, message: "", imagesTotal: 2, imagesDone: progress === 100 ? 2 : 0, imagesFailed: 0, createdAtMillis: 1764547200000, updatedAtMillis: 1764547200000 + progress, resultUris: [] };
}

const pipeline = implement(PipelineService, {
  init(call) {
    const id = `job-for-${call.request.model}`;
    call.write(status0(id, "PENDING", 0));
    if (call.request.persistence === true) {
      call.write(status0(id, "PROCESSING", 50));
      call.write({ ...status0(id, "SUCCESS", 100), resultUris: call.request.imageUris.map((uri) => `${uri}.json`) });
    }
    call.end();
  },
  cancel(call, callback) {
    if (call.request.jobId === "") callback({ code: status.NOT_FOUND, details: "no such job", metadata: new Metadata() });
    else callback(null, status0(call.request.jobId, "CANCELLED", 0));
  },
});

async function withPipeline<T>(mode: TestMode, run: (client: PipelineClient) => Promise<T>): Promise<T> {
  await using server = await createTestServer({ services: [pipeline], mode });
  return await run(server.client(PipelineClient));
}

parity(
  "Avro server streaming: statuses pass through the Avro codecs in order (enum, double, long, arrays, defaults)",
  (mode) => withPipeline(mode, (client) => drain<JobStatus>(client.init({ project: "p", model: "m", imageUris: ["inferd://p/a.png"], persistence: true }))),
  ({ messages, status: final, error }) => {
    expect(error).toBeUndefined();
    expect(final.code).toBe(status.OK);
    expect(messages.map((m) => m.state)).toEqual(["PENDING", "PROCESSING", "SUCCESS"]);
    expect(messages.at(-1)?.resultUris).toEqual(["inferd://p/a.png.json"]);
  },
);

parity(
  "Avro unary: a response, and an error status, as for protobuf services",
  (mode) =>
    withPipeline(mode, async (client) => ({
      ok: await settle<JobStatus>((cb) => client.cancel({ jobId: "j1" }, cb)),
      missing: await settle<JobStatus>((cb) => client.cancel({ jobId: "" }, cb)),
    })),
  ({ ok, missing }) => {
    expect(ok.response?.state).toBe("CANCELLED");
    expect(missing.error?.code).toBe(status.NOT_FOUND);
  },
);

parity(
  "Avro: a method left out answers UNIMPLEMENTED",
  (mode) => withPipeline(mode, (client) => drain<JobStatus>(client.monitor({ jobId: "j1" }))),
  ({ messages, error }) => {
    expect(messages).toEqual([]);
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  },
);
