/**
 * fast-check arbitraries of the Open Inference Protocol requests (and ListJobs): structurally
 * valid messages with absurd values, mixed with near-valid ones for the suite's tensor model
 * (FP32 `a` + `b` [batch, 3] -> `sum`): huge and negative dimensions, raw contents of the wrong
 * length, wrong or unknown datatypes, unknown models, versions, inputs and outputs, odd
 * parameters, many inputs.
 */
import fc from "fast-check";
import { encodeOip as O, OIP_PATH, type InferInput } from "./oip-requests";
import { encodeRequest as E, PATH } from "./requests";
import { MODEL, TENSOR_MODEL } from "./suite-server";
import { lengthField } from "./wire";

type Tensor = NonNullable<InferInput["inputs"]>[number];

const anyText = fc.string({ unit: "binary", maxLength: 48 });
const text = (...interesting: string[]): fc.Arbitrary<string> =>
  fc.oneof({ arbitrary: fc.constantFrom(...interesting), weight: 4 }, { arbitrary: anyText, weight: 1 }, fc.string({ maxLength: 300 }));
const bytes = (maxLength: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const int64 = fc.oneof(fc.constantFrom(0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const uint64 = fc.oneof(fc.constantFrom(0n, 1n, 2n ** 64n - 1n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const small = <T>(arbitrary: fc.Arbitrary<T>, maxLength = 8): fc.Arbitrary<T[]> => fc.array(arbitrary, { maxLength });

const modelName = text(TENSOR_MODEL, TENSOR_MODEL, MODEL, "", "nope", "../add", "add/1", "m".repeat(2000));
const version = text("", "", "1", "2", "999", "-1", "../1", "v".repeat(2000));

/** One InferParameter value of any kind, the edge values included. */
const parameter = fc.oneof(
  fc.boolean().map((value) => ({ parameterChoice: { $case: "boolParam" as const, value } })),
  int64.map((value) => ({ parameterChoice: { $case: "int64Param" as const, value } })),
  anyText.map((value) => ({ parameterChoice: { $case: "stringParam" as const, value } })),
  fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -0)).map((value) => ({ parameterChoice: { $case: "doubleParam" as const, value } })),
  uint64.map((value) => ({ parameterChoice: { $case: "uint64Param" as const, value } })),
  fc.constant({}),
);
const parameters = fc.dictionary(text("", "binary_data_size", "priority", "timeout", "sequence_id"), parameter, { maxKeys: 4 });

const datatype = text("FP32", "FP32", "FP32", "FP64", "INT32", "INT64", "UINT8", "BOOL", "BYTES", "FP16", "FLOAT", "fp32", "", "UINT128");
const dim = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: 4n }), weight: 6 },
  fc.constantFrom(3n, -1n, -(2n ** 63n), 2n ** 31n, 2n ** 31n + 1n, 2n ** 62n, 2n ** 63n - 1n),
  int64,
);
const shape = fc.oneof({ arbitrary: small(dim, 4), weight: 8 }, fc.constant<bigint[]>([1n, 3n]), small(dim, 64));
const contents = fc.record(
  {
    boolContents: small(fc.boolean()),
    intContents: small(fc.integer()),
    int64Contents: small(int64),
    uintContents: small(fc.integer({ min: 0, max: 2 ** 32 - 1 })),
    uint64Contents: small(uint64),
    fp32Contents: small(fc.float()),
    fp64Contents: small(fc.double()),
    bytesContents: small(bytes(16), 4),
  },
  { requiredKeys: [] },
);
const input: fc.Arbitrary<Tensor> = fc.record(
  { name: text("a", "b", "c", "", "sum", "x"), datatype, shape, parameters, contents: fc.option(contents, { nil: undefined }) },
  { requiredKeys: ["name", "datatype", "shape"] },
);
/** The tensor model's two inputs, right but for what the generated tensor changes. */
const nearValidInputs = fc.tuple(input, fc.boolean()).map(([tensor, first]): Tensor[] => {
  const valid: Tensor = { name: first ? "b" : "a", datatype: "FP32", shape: [1n, 3n], contents: { fp32Contents: [1, 2, 3] } };
  return first ? [{ ...tensor, name: "a" }, valid] : [valid, { ...tensor, name: "b" }];
});
/** Both inputs valid (batch 0-3, any floats): the run path, with odd ids, parameters and outputs. */
const validInputs = fc.integer({ min: 0, max: 3 }).chain((batch) =>
  fc.tuple(...["a", "b"].map((name) =>
    fc.array(fc.float(), { minLength: batch * 3, maxLength: batch * 3 }).map((values): Tensor => ({ name, datatype: "FP32", shape: [BigInt(batch), 3n], contents: { fp32Contents: values } })),
  )),
);
const inputs = fc.oneof(
  { arbitrary: validInputs, weight: 3 },
  { arbitrary: small(input, 4), weight: 4 },
  { arbitrary: nearValidInputs, weight: 4 },
  fc.integer({ min: 5, max: 300 }).chain((n) => fc.array(input, { minLength: n, maxLength: n })),
);
const rawInputContents = fc.oneof(
  { arbitrary: fc.constant<Buffer[]>([]), weight: 3 },
  small(bytes(64), 4),
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })).map(([a, b]) => [Buffer.alloc(a), Buffer.alloc(b)]),
);
const outputs = small(fc.record({ name: text("sum", "nope", "", "a"), parameters }, { requiredKeys: ["name"] }), 3);

const id = text("", "req-1", "i".repeat(5000));
/** A ModelInferRequest of any shape (also each message of ModelStreamInfer); a quarter run the model. */
export const inferRequest: fc.Arbitrary<InferInput> = fc.oneof(
  { arbitrary: fc.record({ modelName, modelVersion: version, id, parameters, inputs, outputs, rawInputContents }, { requiredKeys: ["modelName", "inputs"] }), weight: 3 },
  fc.record({
    modelName: fc.constant(TENSOR_MODEL),
    modelVersion: fc.constantFrom("", "1"),
    id,
    parameters,
    inputs: validInputs,
    outputs: fc.constantFrom<{ name: string }[]>([], [{ name: "sum" }]),
  }),
);

const named = fc.record({ name: modelName, version });
const repositoryParameter = fc.oneof(
  fc.boolean().map((value) => ({ parameterChoice: { $case: "boolParam" as const, value } })),
  int64.map((value) => ({ parameterChoice: { $case: "int64Param" as const, value } })),
  anyText.map((value) => ({ parameterChoice: { $case: "stringParam" as const, value } })),
  bytes(64).map((value) => ({ parameterChoice: { $case: "bytesParam" as const, value } })),
);
const control = fc.record({
  repositoryName: text("", "models", "../.."),
  modelName,
  parameters: fc.dictionary(text("unload_dependents", "config", "file:1/model.onnx"), repositoryParameter, { maxKeys: 3 }),
});
/** An empty request, or one with unknown fields only. */
const empty = fc.oneof(fc.constant(Buffer.alloc(0)), fc.tuple(fc.integer({ min: 1, max: 2 ** 29 - 1 }), anyText).map(([field, value]) => lengthField(field, value)));

/** A page token in the server's form (base64url of [createdAt, id]) at any position. */
const serverToken = fc.tuple(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyText), anyText).map((key) => Buffer.from(JSON.stringify(key)).toString("base64url"));
/** A ListJobs page token: forged, server-shaped with odd keys, or arbitrary text. */
const pageToken = fc.oneof(
  fc.constantFrom("", "x", "A".repeat(200)),
  serverToken,
  fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? "null").toString("base64url")),
  anyText,
);

/** Arbitrary calls of ListJobs and every OIP RPC, keyed by path. */
export function oipArbitraries(project: fc.Arbitrary<string>): Record<string, fc.Arbitrary<Buffer[]>> {
  return {
    [PATH.listJobs]: fc
      .oneof(
        fc.record({ project, pageSize: fc.oneof(fc.constantFrom(0, 1, 1000, 1001, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 })), pageToken }),
        // Valid requests: jobs of the fuzz projects (Run is fuzzed before), any page size and position.
        fc.record({ project: fc.constantFrom("demo", "fuzz", "never-used"), pageSize: fc.integer({ min: 0, max: 1000 }), pageToken: fc.oneof(fc.constant(""), serverToken) }),
      )
      .map((r) => [E.listJobs(r)]),
    [OIP_PATH.serverLive]: empty.map((frame) => [frame]),
    [OIP_PATH.serverReady]: empty.map((frame) => [frame]),
    [OIP_PATH.serverMetadata]: empty.map((frame) => [frame]),
    [OIP_PATH.modelReady]: named.map((r) => [O.modelReady(r)]),
    [OIP_PATH.modelMetadata]: named.map((r) => [O.modelMetadata(r)]),
    [OIP_PATH.modelConfig]: named.map((r) => [O.modelConfig(r)]),
    [OIP_PATH.modelStatistics]: named.map((r) => [O.modelStatistics(r)]),
    [OIP_PATH.modelInfer]: inferRequest.map((r) => [O.modelInfer(r)]),
    [OIP_PATH.modelStreamInfer]: fc.array(inferRequest, { maxLength: 4 }).map((requests) => requests.map((r) => O.modelInfer(r))),
    [OIP_PATH.repositoryIndex]: fc
      .record({ repositoryName: text("", "models", "nope"), ready: fc.boolean() })
      .map((r) => [O.repositoryIndex(r)]),
    [OIP_PATH.repositoryModelLoad]: control.map((r) => [O.repositoryModelLoad(r)]),
    [OIP_PATH.repositoryModelUnload]: control.map((r) => [O.repositoryModelUnload(r)]),
  };
}
