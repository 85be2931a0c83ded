import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Metadata, status } from "@grpc/grpc-js";
import { DownloadResponse } from "@inferd/grpc-types/v1";
import { startBinary, type RunningBinary } from "../binary";
import { createTempDir } from "../files-fixture";
import { renderSvg } from "../../inference/__tests__/images";
import { addModel } from "../../models/__tests__/tensor-models";
import { textDetectorModel, writeModel } from "../../models/__tests__/tiny-models";
import { createRawClient, type CallKind, type RawCallOptions, type RawClient, type RawOutcome } from "./raw-client";
import { encodeRequest, PATH, uploadFrames } from "./requests";
import { healthRequest } from "./wire";

/** Bearer tokens of the suite server: one for every project, one for "demo" only. */
export const TOKENS = {
  admin: "admin-token-0123456789abcdef",
  demoOnly: "demo-only-token-0123456789ab",
} as const;

/** The model the suite server loads: a tiny real text detector (ONNX ReduceMean). */
export const MODEL = "text";

/** The tensor model for the OIP cases: FP32 `a` + `b`, shape [batch, 3] -> `sum` (ONNX Add). */
export const TENSOR_MODEL = "add";

/** Largest message the suite server accepts, in MiB (small, so limit cases stay cheap). */
export const SUITE_MAX_MESSAGE_MB = 1;

/** A file stored before the cases run; it must be byte-identical after every case. */
export interface Canary {
  readonly project: string;
  readonly path: string;
  readonly bytes: Buffer;
}

/** The real `inferd` binary on loopback with auth, a tiny model, canary files and a symlink trap. */
export interface SuiteServer {
  readonly binary: RunningBinary;
  readonly address: string;
  readonly dataDir: string;
  /** A folder beside the data dir that the server must never write to or reveal. */
  readonly outsideDir: string;
  readonly canaries: readonly Canary[];
  /** A small PNG stored at inferd://demo/present.png. */
  readonly png: Buffer;
  /** Calls `path` with `frames`; the admin token is sent unless `options.metadata` is given. */
  call(path: string, kind: CallKind, frames: readonly Buffer[], options?: RawCallOptions): Promise<RawOutcome>;
  /** Throws unless the process runs, Ping echoes and health reports SERVING. */
  assertAlive(): Promise<void>;
  /** Throws unless every canary downloads byte-identical and the outside folder is untouched. */
  assertCanariesIntact(): Promise<void>;
  close(): Promise<void>;
}

/** Metadata with `authorization: Bearer <token>`. */
export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

const OUTSIDE_SECRET = "outside secret: must never be read or overwritten\n";

/** Resolves once Health.Watch("") says SERVING (models loaded, jobs replayed). */
export async function waitServing(raw: RawClient): Promise<void> {
  const serving = Buffer.from([0x08, 0x01]);
  // Watch streams the current status, then every change: stop at the first SERVING.
  const outcome = await raw.call(PATH.healthWatch, "server", [healthRequest("")], {
    maxMessages: 1_000,
    deadlineMs: 60_000,
    stopWhen: (message) => message.equals(serving),
  });
  if (!outcome.messages.some((message) => message.equals(serving))) throw new Error(`health watch ended with ${String(outcome.code)}`);
}

/** Starts {@link SuiteServer}; extra flags are appended to the binary's command line. */
export async function startSuiteServer(extraFlags: readonly string[] = []): Promise<SuiteServer> {
  const temp = await createTempDir("reliability");
  const dataDir = join(temp.dir, "data");
  const modelsDir = join(temp.dir, "models");
  const outsideDir = join(temp.dir, "outside");
  await mkdir(outsideDir, { recursive: true });
  await writeFile(join(outsideDir, "secret.txt"), OUTSIDE_SECRET);
  await writeModel(modelsDir, MODEL, { task: "text-detection", input: { resize: "fit", max_side: 256, scale: 1 / 255 } }, textDetectorModel());
  await writeModel(modelsDir, TENSOR_MODEL, { task: "tensor" }, addModel("FP32"));
  const tokensFile = join(temp.dir, "tokens.json");
  await writeFile(
    tokensFile,
    JSON.stringify({ tokens: [{ token: TOKENS.admin, projects: ["*"] }, { token: TOKENS.demoOnly, projects: ["demo"] }] }),
  );
  const binary = await startBinary([
    "--port", "0", "--data-dir", dataDir, "--models-dir", modelsDir, "--tokens-file", tokensFile,
    "--max-message-mb", String(SUITE_MAX_MESSAGE_MB), "--log-level", "silent", "--model-threads", "1", "--job-workers", "1",
    ...extraFlags,
  ]);
  const raw = createRawClient(binary.address);
  const call = (path: string, kind: CallKind, frames: readonly Buffer[], options: RawCallOptions = {}): Promise<RawOutcome> =>
    raw.call(path, kind, frames, { ...options, metadata: options.metadata ?? bearer(TOKENS.admin) });
  await waitServing(raw);

  const png = await renderSvg(64, 48, `<rect x="8" y="8" width="40" height="10" fill="#fff"/>`);
  const canaries: Canary[] = [
    { project: "canary", path: "keep.bin", bytes: randomBytes(200 * 1024) },
    { project: "demo", path: "present.png", bytes: png },
    { project: "demo", path: "notes/readme.txt", bytes: Buffer.from("hello\n") },
    { project: "other", path: "private.txt", bytes: Buffer.from("other project's data\n") },
  ];
  for (const canary of canaries) {
    const chunks = [];
    for (let at = 0; at < canary.bytes.length; at += 64 * 1024) chunks.push(canary.bytes.subarray(at, at + 64 * 1024));
    const outcome = await call(PATH.upload, "client", uploadFrames({ project: canary.project, path: canary.path }, chunks));
    if (outcome.code !== status.OK) throw new Error(`canary upload failed with ${String(outcome.code)}`);
  }
  // Symbolic links planted inside a project that point out of it: a directory and a file.
  const demoData = join(dataDir, "files", "demo", "data");
  await symlink(outsideDir, join(demoData, "escape"));
  await symlink(join(outsideDir, "secret.txt"), join(demoData, "escape.txt"));
  await symlink(join(outsideDir, "secret.txt"), join(demoData, "escape-upload.txt"));

  const download = async (project: string, path: string): Promise<Buffer> => {
    const outcome = await call(PATH.download, "server", [encodeRequest.download({ uri: `inferd://${project}/${path}` })], { maxMessages: 1_000 });
    if (outcome.code !== status.OK) throw new Error(`download of ${project}/${path} failed with ${String(outcome.code)}`);
    return Buffer.concat(outcome.messages.map((message) => DownloadResponse.decode(message).chunk));
  };

  return {
    binary,
    address: binary.address,
    dataDir,
    outsideDir,
    canaries,
    png,
    call,
    async assertAlive() {
      if (binary.child.exitCode !== null || binary.child.signalCode !== null) throw new Error(`inferd exited: ${binary.stderr()}`);
      const payload = randomBytes(16);
      const pong = await call(PATH.ping, "unary", [encodeRequest.ping({ message: "alive?", payload })]);
      if (pong.code !== status.OK) throw new Error(`Ping answered ${String(pong.code)}`);
      const health = await raw.call(PATH.healthCheck, "unary", [healthRequest("")]);
      if (health.code !== status.OK || !health.messages[0]?.equals(Buffer.from([0x08, 0x01]))) {
        throw new Error(`health answered ${String(health.code)}`);
      }
    },
    async assertCanariesIntact() {
      for (const canary of canaries) {
        const bytes = await download(canary.project, canary.path);
        if (!bytes.equals(canary.bytes)) throw new Error(`canary ${canary.project}/${canary.path} changed`);
      }
      const outside = await readdir(outsideDir);
      if (outside.join(",") !== "secret.txt") throw new Error(`the outside folder now holds ${outside.join(", ")}`);
      if ((await readFile(join(outsideDir, "secret.txt"), "utf8")) !== OUTSIDE_SECRET) throw new Error("the outside secret changed");
    },
    async close() {
      raw.close();
      binary.child.kill("SIGKILL");
      await binary.exited;
      await temp.cleanup();
    },
  };
}
