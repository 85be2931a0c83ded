import { readFile } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { credentials } from "@grpc/grpc-js";
import { GRPCInferenceServiceClient, GRPCInferenceServiceService, type ModelInferRequest } from "@inferd/grpc-types/inference";
import { TENSOR_WIDTH, tensorInputs } from "./fixtures/tensor-model";
import { authMetadata, INFER_TOKEN } from "./scenarios/infer-shared";

/** One kind of inference call, made over and over by a load loop. */
export interface Caller {
  call(): Promise<unknown>;
  close(): void;
}

const bytesOf = (values: Float32Array): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

/** The ModelInferRequest of the tiny add model for `batch` rows, inputs as raw_input_contents. */
export function addRequest(model: string, batch: number): ModelInferRequest {
  const { a, b } = tensorInputs(batch);
  const shape = [BigInt(batch), BigInt(TENSOR_WIDTH)];
  return {
    modelName: model,
    modelVersion: "",
    id: "",
    parameters: {},
    inputs: [
      { name: "a", datatype: "FP32", shape, parameters: {} },
      { name: "b", datatype: "FP32", shape, parameters: {} },
    ],
    outputs: [],
    rawInputContents: [bytesOf(a), bytesOf(b)],
  };
}

/** Size of a request on the wire (protobuf), for a bare gRPC round trip of the same size. */
export function requestBytes(request: ModelInferRequest): number {
  return GRPCInferenceServiceService.modelInfer.requestSerialize(request).length;
}

/** ModelInfer over gRPC with the generated client, the same request each time. */
export function createModelInferCaller(address: string, request: ModelInferRequest): Caller {
  const client = new GRPCInferenceServiceClient(address, credentials.createInsecure());
  const metadata = authMetadata();
  return {
    call: () => new Promise((resolve, reject) => client.modelInfer(request, metadata, (error, response) => (error ? reject(error) : resolve(response)))),
    close: () => client.close(),
  };
}

/** The REST inference body: JSON tensors, or JSON plus the binary tensor data extension. */
export function restBody(batch: number, encoding: "json" | "binary"): { body: Buffer; headers: Record<string, string> } {
  const { a, b } = tensorInputs(batch);
  const shape = [batch, TENSOR_WIDTH];
  if (encoding === "json") {
    const json = { inputs: [{ name: "a", datatype: "FP32", shape, data: Array.from(a) }, { name: "b", datatype: "FP32", shape, data: Array.from(b) }] };
    return { body: Buffer.from(JSON.stringify(json)), headers: { "content-type": "application/json" } };
  }
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: "a", datatype: "FP32", shape, parameters: { binary_data_size: a.byteLength } },
        { name: "b", datatype: "FP32", shape, parameters: { binary_data_size: b.byteLength } },
      ],
      parameters: { binary_data_output: true },
    }),
  );
  return {
    body: Buffer.concat([header, bytesOf(a), bytesOf(b)]),
    headers: { "content-type": "application/octet-stream", "inference-header-content-length": String(header.length) },
  };
}

/**
 * POST /v2/models/{model}/infer over keep-alive HTTP/1.1 (node:http with one socket per
 * concurrent call, the lightest client Node has: fetch's costs would be the client's, not the
 * server's). Any status but 200 fails the call.
 */
export function createRestInferCaller(httpAddress: string, model: string, batch: number, encoding: "json" | "binary", concurrency: number): Caller {
  const [host, port] = [httpAddress.slice(0, httpAddress.lastIndexOf(":")), Number(httpAddress.slice(httpAddress.lastIndexOf(":") + 1))];
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const { body, headers } = restBody(batch, encoding);
  const options = {
    host,
    port,
    agent,
    method: "POST",
    path: `/v2/models/${encodeURIComponent(model)}/infer`,
    headers: { ...headers, "content-length": String(body.length), authorization: `Bearer ${INFER_TOKEN}` },
  };
  return {
    call: () =>
      new Promise((resolve, reject) => {
        const req = httpRequest(options, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            if (response.statusCode === 200) resolve(chunks.length);
            else reject(new Error(`REST infer answered ${String(response.statusCode)}: ${Buffer.concat(chunks).toString("utf8")}`));
          });
          response.on("error", reject);
        });
        req.on("error", reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** The REST API's "host:port", from the server log line that announces it (pino JSON). */
export async function restAddressFromLog(logFile: string): Promise<string> {
  for (const line of (await readFile(logFile, "utf8")).split("\n")) {
    if (!line.includes("OIP REST API listening")) continue;
    const match = /http:\/\/([^/"]+)\/v2/.exec(line);
    if (match?.[1]) return match[1];
  }
  throw new Error(`no "OIP REST API listening" line in ${logFile}; was inferd started with --http-port?`);
}
