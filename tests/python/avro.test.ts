/**
 * Cross-language test of inferd.avro.Pipeline: Debian's python3-avro (an independent Avro
 * implementation) encodes requests and decodes responses, python3-grpcio carries them as raw
 * bytes, against a running `inferd` binary (Init, Monitor, Cancel, NOT_FOUND, malformed bytes).
 * The exact bytes python3-avro writes for fixed records must equal our codec's. `.ci/run`
 * installs python3-avro with the other Debian packages.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compilePythonStubs, python, repo, startInferd } from "./python-env";
// Root tests reach workspace packages by path (the root does not depend on them).
import { InitRequestCodec, JobStatusCodec } from "../../packages/grpc-types/src/avro";


let temp: string;
let server: ChildProcess | undefined;
beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), "inferd-python-avro-"));
});
afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(temp, { recursive: true, force: true });
});

function startServer(dataDir: string): Promise<string> {
  const started = startInferd(["--data-dir", dataDir, "--models-dir", join(repo, "packages", "server", "models"), "--job-workers", "1"]);
  server = started.child;
  return started.address;
}

test("Python avro + grpcio: exact bytes, Init, Monitor, Cancel, NOT_FOUND and malformed bytes", async () => {
  const stubs = join(temp, "stubs");
  // Protobuf stubs only for health and the image upload; the Avro calls are generic.
  compilePythonStubs(stubs, ["inferd/v1/files.proto", "health.proto"]);

  const address = await startServer(join(temp, "data"));
  const schemaDir = join(repo, "avro", "inferd", "pipeline", "v1");
  const output = execFileSync(python, [join(__dirname, "avro_client.py"), stubs, address, schemaDir], { encoding: "utf8" });
  const result = JSON.parse(output) as Record<string, unknown>;

  const jobStatusBytes = JobStatusCodec.encode({
    jobId: "job-1",
    state: "PROCESSING",
    progress: 37.5,
    message: "é",
    imagesTotal: 3,
    imagesDone: 1,
    imagesFailed: 0,
    createdAtMillis: 1764547200000,
    updatedAtMillis: 1764547201234,
    resultUris: ["inferd://p/results/job-1/a.json"],
  });
  const initBytes = InitRequestCodec.encode({
    project: "p",
    model: "m",
    version: "",
    imageUris: ["inferd://p/a.png", "inferd://p/b.png"],
    parameters: { confidenceThreshold: 0.25, iouThreshold: null, maxResults: 5, returnMask: true },
    persistence: true,
  });
  expect(result).toEqual({
    fixed: { JobStatus: jobStatusBytes.toString("hex"), InitRequest: initBytes.toString("hex") },
    health: "SERVING",
    init_persistent: { states: ["PENDING", "PROCESSING", "SUCCESS"], first: "PENDING", last: "SUCCESS", progress: 100, results: 1 },
    init_once: ["PENDING"],
    monitor_current: ["PENDING"],
    cancel: "CANCELLED",
    monitor_after_cancel: ["CANCELLED"],
    monitor_unknown: "NOT_FOUND",
    cancel_unknown: "NOT_FOUND",
    malformed: "INVALID_ARGUMENT",
    truncated: "INVALID_ARGUMENT",
  });
});
