import { rm } from "node:fs/promises";
import { join } from "node:path";
import { credentials, status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import { GRPCInferenceServiceClient, type ModelInferRequest, type ModelInferResponse, type ModelStatistics, type ModelStatisticsResponse } from "@inferd/grpc-types/inference";
import { InferenceClient, JobStage, type InferRequest, type InferResponse, type JobUpdate } from "@inferd/grpc-types/v1";
import { renderSvg } from "../inference/__tests__/images";
import { classifierModel, tempDir, writeModel } from "../models/__tests__/tiny-models";
import { loadOnnxModel } from "../models/runtime";
import { createInferdServer, type InferdServer } from "../server";

// One server, three protocols (inferd.v1 Infer and Run, OIP gRPC, OIP REST) over one engine.
let dir: string;
let server: InferdServer;
let v1: InferenceClient;
let oip: GRPCInferenceServiceClient;
const loads: string[] = [];

beforeAll(async () => {
  dir = await tempDir("shared-engine");
  const config = { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } };
  await writeModel(join(dir, "models"), "colors", config, classifierModel(32));
  await writeModel(join(dir, "models"), "colors", config, classifierModel(32), "2");
  server = await createInferdServer({
    host: "127.0.0.1",
    port: 0,
    httpPort: 0,
    dataDir: join(dir, "data"),
    modelsDir: join(dir, "models"),
    inference: {
      modelThreads: 1,
      loader: async (path, options) => {
        loads.push(path);
        return loadOnnxModel(path, options);
      },
    },
  });
  await server.ready;
  v1 = new InferenceClient(server.address, credentials.createInsecure());
  oip = new GRPCInferenceServiceClient(server.address, credentials.createInsecure());
});
afterAll(async () => {
  v1.close();
  oip.close();
  await server.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
});

const infer = (request: Partial<InferRequest>): Promise<InferResponse> =>
  new Promise((resolve, reject) =>
    v1.infer({ model: "colors", version: "1", ...request }, (error: ServiceError | null, response?: InferResponse) => (error ? reject(error) : resolve(response as InferResponse))),
  );

const modelInfer = (request: Partial<ModelInferRequest>): Promise<ModelInferResponse> =>
  new Promise((resolve, reject) =>
    oip.modelInfer({ modelName: "colors", modelVersion: "1", id: "", parameters: {}, inputs: [], outputs: [], rawInputContents: [], ...request }, (error, response) =>
      error ? reject(error) : resolve(response),
    ),
  );

function collect(stream: ClientReadableStream<{ update?: JobUpdate }>): Promise<JobUpdate[]> {
  return new Promise((resolve, reject) => {
    const updates: JobUpdate[] = [];
    stream.on("data", (message: { update?: JobUpdate }) => message.update && updates.push(message.update));
    stream.on("error", reject);
    stream.on("end", () => resolve(updates));
  });
}

const grpcStats = (): Promise<ModelStatistics | undefined> =>
  new Promise((resolve, reject) =>
    oip.modelStatistics({ name: "colors", version: "1" }, (error: ServiceError | null, response: ModelStatisticsResponse) => (error ? reject(error) : resolve(response.modelStats[0]))),
  );

test("every model version loads once, whatever number of protocols serve it", () => {
  expect(loads).toHaveLength(2);
  expect(new Set(loads).size).toBe(2);
});

test("Infer, each image of a Run job and OIP ModelInfer count in the same per-version statistics, over gRPC and REST", async () => {
  const red = await renderSvg(64, 64, "", "#f00");
  // inferd.v1 Infer: one success, one image that does not decode (a failure of version 1).
  await infer({ image: { $case: "imageData", value: red } });
  await expect(infer({ image: { $case: "imageData", value: Buffer.from("not an image") } })).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  // A Run job: two images, one good, one not an image.
  await server.context.fileStore.writeFile("demo", "in/red.png", red);
  await server.context.fileStore.writeFile("demo", "in/bad.png", Buffer.from("not an image"));
  const updates = await collect(v1.run({ project: "demo", model: "colors", version: "1", imageUris: ["inferd://demo/in/red.png", "inferd://demo/in/bad.png"] }));
  expect(updates.at(-1)).toMatchObject({ stage: JobStage.DONE, summary: { imagesSucceeded: 1, imagesFailed: 1 } });
  // OIP ModelInfer on the same version, as raw tensors.
  const response = await modelInfer({
    inputs: [{ name: "x", datatype: "FP32", shape: [1n, 3n, 32n, 32n], parameters: {} }],
    rawInputContents: [Buffer.alloc(3 * 32 * 32 * 4)],
  });
  expect(response.modelVersion).toBe("1");

  const stats = await grpcStats();
  expect(stats?.inferenceStats?.success?.count).toBe(3n); // Infer + Run image + ModelInfer
  expect(stats?.inferenceStats?.fail?.count).toBe(2n); // Infer + Run image
  expect(stats?.inferenceStats?.computeInfer?.count).toBe(3n);
  expect(stats?.inferenceCount).toBe(3n);

  const rest = (await (await fetch(`http://${server.httpAddress ?? "missing"}/v2/models/colors/versions/1/stats`)).json()) as {
    model_stats: Array<{ inference_stats: { success: { count: number }; fail: { count: number } } }>;
  };
  expect(rest.model_stats[0]?.inference_stats).toMatchObject({ success: { count: 3 }, fail: { count: 2 } });

  // Version 2 was never asked for: its counts stay zero.
  const other = await new Promise<ModelStatistics | undefined>((resolve, reject) =>
    oip.modelStatistics({ name: "colors", version: "2" }, (error: ServiceError | null, r: ModelStatisticsResponse) => (error ? reject(error) : resolve(r.modelStats[0]))),
  );
  expect(other?.inferenceStats?.success?.count).toBe(0n);
});

test("the server's context carries the one engine: its registry is what both protocols resolve", () => {
  const { engine } = server.context;
  expect(engine.ready()).toBe(true);
  expect(engine.models.list().map((m) => m.name)).toEqual(["colors"]);
});
