/**
 * Cross-language test of the Open Inference Protocol: a Python grpcio client (Debian
 * python3-grpcio + python3-numpy), its stubs generated at test time from proto/inference with
 * Debian's protoc and grpc_python_plugin, calls every OIP RPC inferd implements on a running
 * `inferd` binary serving tensor models written by the tests, and checks every output with
 * numpy. Unchanged Triton/KServe clients are generated from the same spec, so this is the
 * closest offline check of "existing clients work".
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compilePythonStubs, python, startInferd } from "./python-env";
// The tests' own tiny-model builders (test code shared across suites, not a package API).
import { addModel, identityAllModel, multiModel } from "../../packages/server/src/models/__tests__/tensor-models";
import { writeModel } from "../../packages/server/src/models/__tests__/tiny-models";


let temp: string;
let server: ChildProcess | undefined;
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), "inferd-python-oip-"));
});
afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(temp, { recursive: true, force: true });
});

function startServer(dataDir: string, modelsDir: string): Promise<string> {
  const started = startInferd(["--data-dir", dataDir, "--models-dir", modelsDir]);
  server = started.child;
  return started.address;
}

test("Python grpcio OIP client: every RPC, every datatype, numpy-checked outputs, bad input codes", async () => {
  const stubs = join(temp, "stubs");
  compilePythonStubs(stubs, ["inference/grpc_service.proto", "inference/model_config.proto", "health.proto"]);

  const models = join(temp, "models");
  await writeModel(models, "identity", {}, identityAllModel());
  await writeModel(models, "add", {}, addModel("FP32"));
  await writeModel(models, "add", {}, addModel("FP32"), "2");
  await writeModel(models, "add64", {}, addModel("INT64"));
  await writeModel(models, "multi", {}, multiModel());
  const address = await startServer(join(temp, "data"), models);
  const output = execFileSync(python, [join(__dirname, "oip_client.py"), stubs, address], { encoding: "utf8" });
  const result = JSON.parse(output) as Record<string, unknown>;
  const allTrue = Object.fromEntries(["BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"].map((dt) => [dt, true]));
  expect(result).toEqual({
    live: true,
    ready: true,
    server: { name: "inferd", extensions: ["model_configuration", "model_repository", "statistics"] },
    model_ready: { add: true, add_v9: false },
    model_metadata: {
      platform: "onnxruntime_onnx",
      versions: ["2", "1"],
      inputs: [
        ["a", "FP32", [-1, 3]],
        ["b", "FP32", [-1, 3]],
      ],
    },
    model_config: {
      platform: "onnxruntime_onnx",
      max_batch_size: 0,
      inputs: [
        ["x", "TYPE_FP32", [-1, 2]],
        ["k", "TYPE_INT64", [-1]],
        ["flag", "TYPE_BOOL", [-1]],
        ["half", "TYPE_FP16", [-1]],
      ],
    },
    identity: allTrue,
    add: { id: "py-1", version: "1", shape: [5, 3], equal: true },
    add64_typed: true,
    multi: { names: ["x_as_half", "not_flag", "half_as_float"], x_as_half: true, not_flag: true, half_as_float: true },
    bad: {
      wrong_dtype: "INVALID_ARGUMENT",
      wrong_shape: "INVALID_ARGUMENT",
      raw_length: "INVALID_ARGUMENT",
      unknown_output: "INVALID_ARGUMENT",
      too_many_inputs: "INVALID_ARGUMENT",
      unknown_model: "NOT_FOUND",
      unknown_version: "NOT_FOUND",
      load: "FAILED_PRECONDITION", // model control mode none
    },
    alive_after_bad: true,
    stream: [
      ["s1", false],
      ["", true],
      ["s3", false],
    ],
    stream_last_equal: true,
    stats: { name: "add", version: "1", success: 3, fail: 1, infer_ns_positive: true },
    index: ["add/1:READY", "add/2:READY", "add64/1:READY", "identity/1:READY", "multi/1:READY"],
  });
});
