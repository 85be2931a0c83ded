/**
 * Every INTERNAL is logged with its cause and a request id that the client also gets (in the
 * message and in the trailers). Real server, real onnxruntime: a model whose output is a
 * string tensor, which inferd cannot read, fails inside the Inference service with a plain
 * error, exactly the kind of fault that used to vanish.
 */
import { join } from "node:path";
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { InferenceClient } from "@inferd/grpc-types/v1";
import { onnx } from "onnx-proto";
import { createTempDir } from "../__tests__/files-fixture";
import { REQUEST_ID_HEADER } from "../errors";
import { renderSvg } from "../inference/__tests__/images";
import type { Logger } from "../logger";
import { writeModel } from "../models/__tests__/tiny-models";
import { createInferdServer } from "../server";

/** Input x [1,3,32,32] → the channel means cast to strings: a model that loads and runs but yields text. */
function stringOutputModel(): Buffer {
  const tensor = (name: string, elemType: number, dims: number[]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "string-output",
      input: [tensor("x", onnx.TensorProto.DataType.FLOAT, [1, 3, 32, 32])],
      output: [tensor("logits", onnx.TensorProto.DataType.STRING, [1, 3])],
      node: [
        { opType: "GlobalAveragePool", input: ["x"], output: ["pooled"] },
        { opType: "Flatten", input: ["pooled"], output: ["flat"] },
        { opType: "Cast", input: ["flat"], output: ["logits"], attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.STRING }] },
      ],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

interface Entry {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

function capturingLogger(entries: Entry[]): Logger {
  const at = (level: string) => (obj: object, msg?: string) => entries.push({ level, obj: obj as Record<string, unknown>, msg });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

test("an INTERNAL in Infer is logged with its cause under the request id the client gets in its message and trailers", async () => {
  const temp = await createTempDir("internal-errors");
  const modelsDir = join(temp.dir, "models");
  await writeModel(modelsDir, "texts", { task: "classification", labels: ["a", "b", "c"], input: { width: 32, height: 32 } }, stringOutputModel());
  const entries: Entry[] = [];
  const server = await createInferdServer({ host: "127.0.0.1", port: 0, dataDir: temp.dir, modelsDir, logger: capturingLogger(entries), inference: { modelThreads: 1 } });
  const client = new InferenceClient(server.address, credentials.createInsecure());
  try {
    await server.ready;
    const image = await renderSvg(32, 32, "", "#f00");
    const call = (model: string): Promise<ServiceError> =>
      new Promise((resolve, reject) =>
        client.infer({ model, version: "", image: { $case: "imageData", value: image } }, (error) => (error ? resolve(error) : reject(new Error("the call succeeded")))),
      );

    const error = await call("texts");
    expect(error.code).toBe(status.INTERNAL);
    const requestId = String(error.metadata.get(REQUEST_ID_HEADER)[0] ?? "");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.details).toContain(requestId);
    const logged = entries.filter((e) => e.level === "error" && e.obj["requestId"] === requestId);
    expect(logged).toHaveLength(1);
    expect(logged[0]?.obj["method"]).toBe("/inferd.v1.Inference/Infer");
    // The cause itself, not a stand-in: onnxruntime's string output that inferd cannot read.
    expect(logged[0]?.obj["err"]).toBeInstanceOf(Error);
    expect((logged[0]?.obj["err"] as Error).message).toMatch(/logits/);

    // Other failures carry a request id too (a different one), and are not logged as internal.
    const notFound = await call("nope");
    expect(notFound.code).toBe(status.NOT_FOUND);
    const otherId = String(notFound.metadata.get(REQUEST_ID_HEADER)[0] ?? "");
    expect(otherId).toMatch(/^[0-9a-f-]{36}$/);
    expect(otherId).not.toBe(requestId);
    expect(entries.filter((e) => e.level === "error" && e.obj["requestId"] === otherId)).toEqual([]);
  } finally {
    client.close();
    await server.shutdown(1000);
    await temp.cleanup();
  }
});
