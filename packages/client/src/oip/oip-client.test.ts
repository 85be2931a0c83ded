import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { startServer, type ServerFixture } from "../__tests__/helpers/server";
import { mixedModel, writeTensorModel } from "../__tests__/helpers/tensor-models";
import { InferdClientError } from "../errors";
import { createOipClient, type OipClient } from "./oip-client";

let models: string;
let f: ServerFixture;
let oip: OipClient;
const token = "client-oip-token-0123456789";

beforeAll(async () => {
  models = await mkdtemp(join(tmpdir(), "inferd-client-oip-"));
  await writeTensorModel(models, "mixed", mixedModel());
  f = await startServer({ modelsDir: models, tokens: [{ token, projects: ["*"], name: "t" }] });
  oip = createOipClient({ address: f.address, token });
});
afterAll(async () => {
  oip.close();
  await f.close();
  await rm(models, { recursive: true, force: true });
});

test("health, metadata, config, index and statistics as plain promises", async () => {
  expect(await oip.serverLive()).toBe(true);
  expect(await oip.serverReady()).toBe(true);
  expect(await oip.modelReady("mixed")).toBe(true);
  expect(await oip.modelReady("nope")).toBe(false);
  expect((await oip.serverMetadata()).name).toBe("inferd");
  expect((await oip.modelMetadata("mixed")).inputs.map((i) => `${i.name}:${i.datatype}`)).toEqual(["x:FP32", "k:INT64", "flag:BOOL", "text:BYTES"]);
  expect((await oip.modelConfig("mixed"))?.platform).toBe("onnxruntime_onnx");
  expect((await oip.repositoryIndex()).map((m) => `${m.name}/${m.version}:${m.state}`)).toEqual(["mixed/1:READY"]);
  expect((await oip.modelStatistics("mixed")).map((s) => s.name)).toEqual(["mixed"]);
});

test("infer: typed arrays in, typed arrays out, datatypes inferred or named", async () => {
  const result = await oip.infer({
    model: "mixed",
    id: "c-1",
    inputs: [
      { name: "x", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: "k", shape: [2], data: BigInt64Array.from([3n, -(2n ** 31n)]) },
      { name: "flag", shape: [2], data: Uint8Array.from([1, 0]), datatype: "BOOL" },
      { name: "text", shape: [2], data: [Buffer.from("héllo"), Buffer.from("")] },
    ],
    outputs: ["k_squared", "doubled", "not_flag", "text_out", "x_half"],
  });
  expect(result).toMatchObject({ model: "mixed", version: "1", id: "c-1" });
  expect(result.outputs.map((o) => o.name)).toEqual(["k_squared", "doubled", "not_flag", "text_out", "x_half"]);
  expect(result.output("doubled")).toEqual({ name: "doubled", datatype: "FP32", shape: [2, 3], data: Float32Array.from([2, 4, 6, 8, 10, 12]) });
  expect(result.output("k_squared").data).toEqual(BigInt64Array.from([9n, 2n ** 62n]));
  expect(result.output("not_flag")).toMatchObject({ datatype: "BOOL", data: Uint8Array.from([0, 1]) });
  expect((result.output("text_out").data as Uint8Array[]).map((b) => Buffer.from(b).toString())).toEqual(["héllo", ""]);
  expect(result.output("x_half")).toMatchObject({ datatype: "FP16", data: Uint16Array.from([0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600]) });
  expect(() => result.output("nope")).toThrow(/no output "nope"/);
});

test("failures reject with InferdClientError carrying the gRPC code", async () => {
  const wrongShape = oip.infer({ model: "mixed", inputs: [{ name: "x", shape: [2, 2], data: new Float32Array(4) }] });
  await expect(wrongShape).rejects.toBeInstanceOf(InferdClientError);
  await expect(wrongShape).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  await expect(oip.modelMetadata("nope")).rejects.toMatchObject({ code: status.NOT_FOUND });
  const noToken = createOipClient({ address: f.address });
  await expect(noToken.serverLive()).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  noToken.close();
});
