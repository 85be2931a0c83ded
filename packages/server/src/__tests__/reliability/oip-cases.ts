/**
 * Bad-input rows of the Open Inference Protocol service (inference.GRPCInferenceService),
 * against the suite server's tensor model (FP32 `a` + `b`, [batch, 3] -> `sum`) in model
 * control mode none. ModelStreamInfer answers a bad request in-band (error_message set, the
 * stream goes on and ends OK): its rows check that each answer is an error or a response as
 * expected, and throw otherwise.
 */
import { Metadata, status } from "@grpc/grpc-js";
import type { BadInputCase, CaseContext, Expected } from "./bad-input-cases";
import { encodeOip as O, OIP_PATH, streamErrors, type InferInput } from "./oip-requests";
import type { RawOutcome } from "./raw-client";
import { TENSOR_MODEL } from "./suite-server";
import { lengthField, varintField } from "./wire";

const { OK, INVALID_ARGUMENT: IA, NOT_FOUND: NF, UNAUTHENTICATED: UA, FAILED_PRECONDITION: FP } = status;

type Run = (ctx: CaseContext) => Promise<RawOutcome>;
const c = (rpc: string, name: string, expected: Expected, run: Run): BadInputCase => ({ rpc: `OIP/${rpc}`, name, expected, run });
const as = (md?: Metadata) => (md ? { metadata: md } : {});
const noToken = new Metadata();

type Tensor = NonNullable<InferInput["inputs"]>[number];
/** An FP32 input of shape [rows, 3] with typed contents 0..3*rows-1. */
const fp32 = (name: string, rows = 1, extra: Partial<Tensor> = {}): Tensor => ({
  name,
  datatype: "FP32",
  shape: [BigInt(rows), 3n],
  contents: { fp32Contents: Array.from({ length: rows * 3 }, (_, i) => i) },
  ...extra,
});
/** A valid request of the tensor model, with `change` applied on top. */
const request = (change: InferInput = {}): InferInput => ({ modelName: TENSOR_MODEL, inputs: [fp32("a"), fp32("b")], ...change });
/** Both inputs given as raw bytes (`a` of `aBytes` bytes). */
const rawRequest = (aBytes = 12, rawCount = 2): InferInput => ({
  modelName: TENSOR_MODEL,
  inputs: [fp32("a", 1, { contents: undefined }), fp32("b", 1, { contents: undefined })],
  rawInputContents: [Buffer.alloc(aBytes), Buffer.alloc(12)].slice(0, rawCount),
});

const unary = (path: string, frame: Buffer, md?: Metadata): Run => ({ s }) => s.call(path, "unary", [frame], as(md));
const infer = (change: InferInput, md?: Metadata): Run => unary(OIP_PATH.modelInfer, O.modelInfer(request(change)), md);
const inferRaw = (body: InferInput): Run => unary(OIP_PATH.modelInfer, O.modelInfer(body));

/**
 * ModelStreamInfer with these requests; each answer must be an error (true) or a response
 * (false) as `errors` says, else the case throws.
 */
const stream = (bodies: readonly InferInput[], errors: readonly boolean[], md?: Metadata): Run => async ({ s }) => {
  const outcome = await s.call(OIP_PATH.modelStreamInfer, "bidi", bodies.map((b) => O.modelInfer(b)), { maxMessages: 1_000, ...as(md) });
  if (outcome.code === OK) {
    const got = streamErrors(outcome.messages).map((message) => message !== "");
    if (got.join(",") !== errors.join(",")) throw new Error(`ModelStreamInfer answers were errors ${got.join(",")}; expected ${errors.join(",")}`);
  }
  return outcome;
};

const many = (n: number, make: (i: number) => Tensor): Tensor[] => Array.from({ length: n }, (_, i) => make(i));
const long = "m".repeat(8000);
const unknownFields = Buffer.concat([lengthField(99, "junk"), varintField(100, 7)]);

/** The OIP rows of the table. */
export const OIP_CASES: readonly BadInputCase[] = [
  // ---- ServerLive / ServerReady / ServerMetadata ---------------------------------------
  c("ServerLive", "unknown fields are ignored", OK, unary(OIP_PATH.serverLive, unknownFields)),
  c("ServerLive", "no token", UA, unary(OIP_PATH.serverLive, O.serverLive(), noToken)),
  c("ServerReady", "unknown fields are ignored", OK, unary(OIP_PATH.serverReady, unknownFields)),
  c("ServerMetadata", "unknown fields are ignored", OK, unary(OIP_PATH.serverMetadata, unknownFields)),
  c("ServerMetadata", "no token", UA, unary(OIP_PATH.serverMetadata, O.serverMetadata(), noToken)),
  // ---- ModelReady / ModelMetadata / ModelConfig / ModelStatistics ------------------------
  c("ModelReady", "unknown model answers not ready", OK, unary(OIP_PATH.modelReady, O.modelReady({ name: "nope" }))),
  c("ModelReady", "name of 8,000 characters answers not ready", OK, unary(OIP_PATH.modelReady, O.modelReady({ name: long, version: "../1" }))),
  c("ModelMetadata", "empty name", IA, unary(OIP_PATH.modelMetadata, O.modelMetadata({ name: "" }))),
  c("ModelMetadata", "unknown model", NF, unary(OIP_PATH.modelMetadata, O.modelMetadata({ name: "nope" }))),
  c("ModelMetadata", "unknown version", NF, unary(OIP_PATH.modelMetadata, O.modelMetadata({ name: TENSOR_MODEL, version: "999" }))),
  c("ModelMetadata", "name of 8,000 characters", NF, unary(OIP_PATH.modelMetadata, O.modelMetadata({ name: long }))),
  c("ModelMetadata", "version of 8,000 characters", NF, unary(OIP_PATH.modelMetadata, O.modelMetadata({ name: TENSOR_MODEL, version: long }))),
  c("ModelConfig", "empty name", IA, unary(OIP_PATH.modelConfig, O.modelConfig({ name: "" }))),
  c("ModelConfig", "unknown model", NF, unary(OIP_PATH.modelConfig, O.modelConfig({ name: "../text" }))),
  c("ModelConfig", "unknown version", NF, unary(OIP_PATH.modelConfig, O.modelConfig({ name: TENSOR_MODEL, version: "-1" }))),
  c("ModelStatistics", "every model (empty name)", OK, unary(OIP_PATH.modelStatistics, O.modelStatistics({}))),
  c("ModelStatistics", "unknown model", NF, unary(OIP_PATH.modelStatistics, O.modelStatistics({ name: "nope" }))),
  c("ModelStatistics", "unknown version", NF, unary(OIP_PATH.modelStatistics, O.modelStatistics({ name: TENSOR_MODEL, version: "999" }))),
  c("ModelStatistics", "name of 8,000 characters", NF, unary(OIP_PATH.modelStatistics, O.modelStatistics({ name: long }))),
  // ---- RepositoryIndex / RepositoryModelLoad / RepositoryModelUnload ---------------------
  c("RepositoryIndex", "unknown repository name is ignored", OK, unary(OIP_PATH.repositoryIndex, O.repositoryIndex({ repositoryName: "nope", ready: true }))),
  c("RepositoryModelLoad", "in model control mode none", FP, unary(OIP_PATH.repositoryModelLoad, O.repositoryModelLoad({ modelName: TENSOR_MODEL }))),
  c("RepositoryModelLoad", "an unknown model in mode none", FP, unary(OIP_PATH.repositoryModelLoad, O.repositoryModelLoad({ modelName: "../../etc" }))),
  c("RepositoryModelLoad", "empty model name", IA, unary(OIP_PATH.repositoryModelLoad, O.repositoryModelLoad({ modelName: "" }))),
  c("RepositoryModelLoad", "a config parameter", IA, unary(OIP_PATH.repositoryModelLoad, O.repositoryModelLoad({ modelName: TENSOR_MODEL, parameters: { config: { parameterChoice: { $case: "stringParam", value: "{}" } } } }))),
  c("RepositoryModelLoad", "a parameter key of 10,000 characters", IA, unary(OIP_PATH.repositoryModelLoad, O.repositoryModelLoad({ modelName: TENSOR_MODEL, parameters: { ["k".repeat(10_000)]: { parameterChoice: { $case: "boolParam", value: true } } } }))),
  c("RepositoryModelLoad", "no token", UA, unary(OIP_PATH.repositoryModelLoad, O.repositoryModelLoad({ modelName: TENSOR_MODEL }), noToken)),
  c("RepositoryModelUnload", "in model control mode none", FP, unary(OIP_PATH.repositoryModelUnload, O.repositoryModelUnload({ modelName: TENSOR_MODEL }))),
  c("RepositoryModelUnload", "unload_dependents in mode none", FP, unary(OIP_PATH.repositoryModelUnload, O.repositoryModelUnload({ modelName: TENSOR_MODEL, parameters: { unload_dependents: { parameterChoice: { $case: "boolParam", value: true } } } }))),
  c("RepositoryModelUnload", "empty model name", IA, unary(OIP_PATH.repositoryModelUnload, O.repositoryModelUnload({ modelName: "" }))),
  c("RepositoryModelUnload", "an unsupported parameter", IA, unary(OIP_PATH.repositoryModelUnload, O.repositoryModelUnload({ modelName: TENSOR_MODEL, parameters: { force: { parameterChoice: { $case: "int64Param", value: -1n } } } }))),
  // ---- ModelInfer -------------------------------------------------------------------------
  c("ModelInfer", "a valid request (control)", OK, infer({})),
  c("ModelInfer", "a valid raw request (control)", OK, inferRaw(rawRequest())),
  c("ModelInfer", "odd parameters and a long id are echoed", OK, infer({ id: "i".repeat(10_000), parameters: { "": { parameterChoice: { $case: "doubleParam", value: NaN } }, x: { parameterChoice: { $case: "uint64Param", value: 2n ** 64n - 1n } } } })),
  c("ModelInfer", "empty model name", IA, infer({ modelName: "" })),
  c("ModelInfer", "unknown model", NF, infer({ modelName: "nope" })),
  c("ModelInfer", "model name of 8,000 characters", NF, infer({ modelName: long })),
  c("ModelInfer", "unknown version", NF, infer({ modelVersion: "999" })),
  c("ModelInfer", "version ../1", NF, infer({ modelVersion: "../1" })),
  c("ModelInfer", "wrong datatype (INT32 for FP32)", IA, infer({ inputs: [fp32("a", 1, { datatype: "INT32", contents: { intContents: [1, 2, 3] } }), fp32("b")] })),
  c("ModelInfer", "a datatype the protocol does not have", IA, infer({ inputs: [fp32("a", 1, { datatype: "FLOAT" }), fp32("b")] })),
  c("ModelInfer", "a datatype of 10,000 characters", IA, infer({ inputs: [fp32("a", 1, { datatype: "D".repeat(10_000) }), fp32("b")] })),
  c("ModelInfer", "contents in the wrong field", IA, infer({ inputs: [fp32("a", 1, { contents: { fp64Contents: [1, 2, 3] } }), fp32("b")] })),
  c("ModelInfer", "wrong rank", IA, infer({ inputs: [fp32("a", 1, { shape: [3n], contents: { fp32Contents: [1, 2, 3] } }), fp32("b")] })),
  c("ModelInfer", "wrong fixed dimension", IA, infer({ inputs: [fp32("a", 1, { shape: [1n, 4n], contents: { fp32Contents: [1, 2, 3, 4] } }), fp32("b")] })),
  c("ModelInfer", "negative dimension", IA, infer({ inputs: [fp32("a", 1, { shape: [-1n, 3n] }), fp32("b")] })),
  c("ModelInfer", "dimension 2^62", IA, infer({ inputs: [fp32("a", 1, { shape: [2n ** 62n, 3n] }), fp32("b")] })),
  c("ModelInfer", "dimensions whose product overflows", IA, infer({ inputs: [fp32("a", 1, { shape: [2n ** 31n, 2n ** 31n] }), fp32("b")] })),
  c("ModelInfer", "a shape of 10,000 dimensions", IA, infer({ inputs: [fp32("a", 1, { shape: Array.from({ length: 10_000 }, () => 1n) }), fp32("b")] })),
  c("ModelInfer", "fewer contents than the shape needs", IA, infer({ inputs: [fp32("a", 1, { contents: { fp32Contents: [1, 2] } }), fp32("b")] })),
  c("ModelInfer", "raw contents one byte short", IA, inferRaw(rawRequest(11))),
  c("ModelInfer", "raw contents of 512 KiB for 3 elements", IA, inferRaw(rawRequest(2 ** 19))),
  c("ModelInfer", "fewer raw_input_contents than inputs", IA, inferRaw(rawRequest(12, 1))),
  c("ModelInfer", "raw_input_contents and contents both set", IA, inferRaw({ ...request(), rawInputContents: [Buffer.alloc(12), Buffer.alloc(12)] })),
  c("ModelInfer", "a missing input", IA, infer({ inputs: [fp32("a")] })),
  c("ModelInfer", "no inputs", IA, infer({ inputs: [] })),
  c("ModelInfer", "an input the model does not have (too many inputs)", IA, infer({ inputs: [fp32("a"), fp32("b"), fp32("c")] })),
  c("ModelInfer", "an input given twice", IA, infer({ inputs: [fp32("a"), fp32("b"), fp32("a")] })),
  c("ModelInfer", "10,000 inputs", IA, infer({ inputs: many(10_000, (i) => fp32(`in${i}`, 0)) })),
  c("ModelInfer", "an input name of 10,000 characters", IA, infer({ inputs: [fp32("a"), fp32("b"), fp32("n".repeat(10_000))] })),
  c("ModelInfer", "batches that do not broadcast (onnxruntime refuses)", IA, infer({ inputs: [fp32("a", 2), fp32("b", 3)] })),
  c("ModelInfer", "an unknown output", IA, infer({ outputs: [{ name: "nope" }] })),
  c("ModelInfer", "an output requested twice", IA, infer({ outputs: [{ name: "sum" }, { name: "sum" }] })),
  c("ModelInfer", "an output name of 10,000 characters", IA, infer({ outputs: [{ name: "o".repeat(10_000) }] })),
  c("ModelInfer", "model name as a varint (wrong wire type)", IA, unary(OIP_PATH.modelInfer, varintField(1, 42))),
  c("ModelInfer", "no token", UA, infer({}, noToken)),
  // ---- ModelStreamInfer (errors in-band) --------------------------------------------------
  c("ModelStreamInfer", "empty stream", OK, stream([], [])),
  c("ModelStreamInfer", "a valid request (control)", OK, stream([request()], [false])),
  c("ModelStreamInfer", "wrong datatype is answered in-band", OK, stream([request({ inputs: [fp32("a", 1, { datatype: "FP64" }), fp32("b")] })], [true])),
  c("ModelStreamInfer", "wrong shape is answered in-band", OK, stream([request({ inputs: [fp32("a", 1, { shape: [1n, 3n, 1n] }), fp32("b")] })], [true])),
  c("ModelStreamInfer", "raw length mismatch is answered in-band", OK, stream([rawRequest(13)], [true])),
  c("ModelStreamInfer", "unknown model and version are answered in-band", OK, stream([request({ modelName: "nope" }), request({ modelVersion: "999" })], [true, true])),
  c("ModelStreamInfer", "an unknown output is answered in-band", OK, stream([request({ outputs: [{ name: "nope" }] })], [true])),
  c("ModelStreamInfer", "the stream goes on after a bad request", OK, stream([request({ modelName: "" }), request(), rawRequest(12, 1), rawRequest()], [true, false, true, false])),
  c("ModelStreamInfer", "no token", UA, stream([request()], [], noToken)),
];
