/**
 * Cross-language test of the Open Inference Protocol: a Python grpcio client (Debian
 * python3-grpcio + python3-numpy), its stubs generated at test time from proto/inference with
 * Debian's protoc and grpc_python_plugin, calls every OIP RPC inferd implements on a running
 * `inferd` binary serving tensor models written by the tests, and checks every output with
 * numpy. Unchanged Triton/KServe clients are generated from the same spec, so this is the
 * closest offline check of "existing clients work".
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// The tests' own tiny-model builders (test code shared across suites, not a package API).
import { addModel, identityAllModel, multiModel } from "../../packages/server/src/models/__tests__/tensor-models";
import { writeModel } from "../../packages/server/src/models/__tests__/tiny-models";

const repo = join(__dirname, "..", "..");
const binary = join(repo, "packages", "server", "dist", "bin", "inferd.js");
/** Debian's python3 (pyenv or venv shims on PATH do not see python3-grpcio); INFERD_PYTHON overrides. */
const python = process.env["INFERD_PYTHON"] ?? (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

let temp: string;
let server: ReturnType<typeof spawn> | undefined;
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), "inferd-python-oip-"));
});
afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(temp, { recursive: true, force: true });
});

function startServer(dataDir: string, modelsDir: string): Promise<string> {
  server = spawn(process.execPath, [binary, "--port", "0", "--data-dir", dataDir, "--models-dir", modelsDir, "--log-level", "warn"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    server?.stdout?.on("data", (data: Buffer) => {
      out += data.toString();
      const match = /inferd listening on (\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    server?.once("exit", (code) => reject(new Error(`inferd exited with ${code} before listening`)));
  });
}

test("Python grpcio OIP client: every RPC, every datatype, numpy-checked outputs, bad input codes", async () => {
  const stubs = join(temp, "stubs");
  mkdirSync(stubs, { recursive: true });
  const plugin = spawnSync("which", ["grpc_python_plugin"]).stdout.toString().trim();
  expect(plugin).not.toBe(""); // apt-get install protobuf-compiler-grpc
  execFileSync("protoc", [
    `-I${join(repo, "proto")}`,
    `-I${join(__dirname, "fixtures")}`,
    `--python_out=${stubs}`,
    `--grpc_python_out=${stubs}`,
    `--plugin=protoc-gen-grpc_python=${plugin}`,
    "inference/grpc_service.proto",
    "inference/model_config.proto",
    "health.proto",
  ]);

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
