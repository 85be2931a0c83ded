/**
 * POST .../infer bodies: the JSON inference request (with the binary tensor data extension:
 * an `Inference-Header-Content-Length` header says how many leading bytes are JSON, and the
 * inputs whose `parameters.binary_data_size` is set take their raw bytes, in order, from the
 * rest), to a gRPC ModelInferRequest; and a ModelInferResponse back to JSON or JSON + binary.
 */
import type { ModelInferRequest, ModelInferResponse } from "@inferd/grpc-types/inference";
import { invalidArgument } from "../../../errors";
import { isOipDatatype, type OipDatatype } from "../../../tensors/datatypes";
import { decodeRaw, encodeRaw } from "../../../tensors/raw-codec";
import { toShape } from "../../../tensors/shape";
import { jsonToTensor, parametersFromJson, parametersToJson, tensorToJson, toJsonText } from "./json-tensors";
import { quote } from "../../../quote";

/** The header of the binary tensor data extension. */
export const HEADER_LENGTH = "inference-header-content-length";

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidArgument(`${what} must be a JSON object`);
  return value as Json;
}

function array(value: unknown, what: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgument(`${what} must be a JSON array`);
  return value;
}

function text(value: unknown, what: string): string {
  if (value === undefined) return "";
  if (typeof value !== "string") throw invalidArgument(`${what} must be a string`);
  return value;
}

/** Splits a body into its JSON part and its binary part. */
function split(body: Buffer, headerLength: string | undefined): { json: Json; binary: Buffer } {
  let jsonBytes: Buffer = body;
  let binary: Buffer = Buffer.alloc(0);
  if (headerLength !== undefined) {
    const n = Number(headerLength);
    if (!Number.isSafeInteger(n) || n < 0 || n > body.length) {
      throw invalidArgument(`Inference-Header-Content-Length is ${headerLength}; it must be the JSON part's length, at most the body's ${body.length} bytes`);
    }
    jsonBytes = body.subarray(0, n);
    binary = body.subarray(n);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonBytes.toString("utf8"));
  } catch {
    throw invalidArgument("the request body is not valid JSON (with binary tensors, set Inference-Header-Content-Length to the JSON part's length)");
  }
  return { json: object(parsed, "the request body"), binary };
}

/** What a REST inference request asks for besides the gRPC request itself. */
export interface RestInferRequest {
  readonly request: ModelInferRequest;
  /** Output names whose data goes back as binary. */
  readonly binaryOutputs: ReadonlySet<string>;
  /** Every output goes back as binary (`parameters.binary_data_output`). */
  readonly allBinary: boolean;
}

/** Parses an inference request body; every input becomes raw contents, as the gRPC path reads them. */
export function parseInferBody(model: string, version: string, body: Buffer, headerLength: string | undefined): RestInferRequest {
  const { json, binary } = split(body, headerLength);
  let at = 0;
  const rawInputContents: Buffer[] = [];
  const inputs = array(json["inputs"], "inputs").map((raw, i) => {
    const input = object(raw, `inputs[${i}]`);
    const name = text(input["name"], `inputs[${i}].name`);
    const what = `input ${quote(name)}`;
    const datatype = text(input["datatype"], `${what}: datatype`);
    if (!isOipDatatype(datatype)) throw invalidArgument(`${what}: ${quote(datatype)} is not a datatype of the inference protocol`);
    const shape = toShape(what, array(input["shape"], `${what}: shape`).map((d) => (Number.isSafeInteger(d) ? (d as number) : -1)));
    const parameters = object(input["parameters"] ?? {}, `${what}: parameters`);
    const size = parameters["binary_data_size"];
    if (size !== undefined) {
      if (!Number.isSafeInteger(size) || (size as number) < 0 || at + (size as number) > binary.length) {
        throw invalidArgument(`${what}: binary_data_size ${String(size)} does not fit the ${binary.length - at} binary bytes left`);
      }
      rawInputContents.push(binary.subarray(at, at + (size as number)));
      at += size as number;
    } else {
      rawInputContents.push(encodeRaw(jsonToTensor(what, datatype, shape, input["data"])));
    }
    const { binary_data_size: _size, ...rest } = parameters;
    return { name, datatype, shape: shape.map(BigInt), parameters: parametersFromJson(what, rest) };
  });
  if (at !== binary.length) throw invalidArgument(`the body has ${binary.length - at} binary bytes that no input's binary_data_size accounts for`);
  const binaryOutputs = new Set<string>();
  const outputs = array(json["outputs"], "outputs").map((raw, i) => {
    const output = object(raw, `outputs[${i}]`);
    const name = text(output["name"], `outputs[${i}].name`);
    const { binary_data: wantsBinary, ...rest } = object(output["parameters"] ?? {}, `output ${quote(name)}: parameters`);
    if (wantsBinary === true) binaryOutputs.add(name);
    return { name, parameters: parametersFromJson(`output ${quote(name)}`, rest) };
  });
  const { binary_data_output: allBinary, ...parameters } = object(json["parameters"] ?? {}, "parameters");
  return {
    request: {
      modelName: model,
      modelVersion: version,
      id: text(json["id"], "id"),
      parameters: parametersFromJson("request", parameters),
      inputs,
      outputs,
      rawInputContents,
    },
    binaryOutputs,
    allBinary: allBinary === true,
  };
}

/** A response body and its headers: JSON, or JSON followed by binary outputs. */
export interface RestBody {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

/** Encodes a ModelInferResponse as the REST inference response. */
export function inferResponseBody(response: ModelInferResponse, wanted: RestInferRequest): RestBody {
  const binaries: Buffer[] = [];
  const outputs = response.outputs.map((o, i) => {
    const raw = response.rawOutputContents[i] ?? Buffer.alloc(0);
    const shape = o.shape.map(Number);
    const base = { name: o.name, datatype: o.datatype, shape };
    if (wanted.allBinary || wanted.binaryOutputs.has(o.name)) {
      binaries.push(raw);
      return { ...base, parameters: { ...parametersToJson(o.parameters), binary_data_size: raw.length } };
    }
    return { ...base, data: tensorToJson(decodeRaw(`output "${o.name}"`, o.datatype as OipDatatype, shape, raw)) };
  });
  const json = Buffer.from(
    toJsonText({
      model_name: response.modelName,
      model_version: response.modelVersion,
      ...(response.id ? { id: response.id } : {}),
      ...(Object.keys(response.parameters).length > 0 ? { parameters: parametersToJson(response.parameters) } : {}),
      outputs,
    }),
  );
  if (binaries.length === 0) return { body: json, headers: { "content-type": "application/json" } };
  return {
    body: Buffer.concat([json, ...binaries]),
    headers: { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(json.length) },
  };
}
