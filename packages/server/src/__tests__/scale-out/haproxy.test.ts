import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import {
  DiagnosticsClient,
  FilesClient,
  InferenceClient,
  JobStage,
  type InferResponse,
  type JobUpdate,
  type PingResponse,
} from "@inferd/grpc-types/v1";
import { createTempDir, uploadBytes } from "../files-fixture";
import { renderSvg } from "../../inference/__tests__/images";
import { textDetectorModel, writeModel } from "../../models/__tests__/tiny-models";
import { createRawClient } from "../reliability/raw-client";
import { PATH } from "../reliability/requests";
import { healthRequest } from "../reliability/wire";
import { haproxyConfig } from "./haproxy-config";
import { startReplica, type Replica, type ReplicaSet } from "./replicas";

// The README's HAProxy configuration, run for real (Debian's haproxy; .ci/run installs it) in
// front of two replicas on free loopback ports, everything in a temp dir: health and calls
// pass through it, uploads and jobs land on either replica (they share one files folder),
// and a replica that drains (NOT_SERVING while its port is still open) gets no more calls,
// which only the grpc.health.v1 check can tell (a TCP check would still pass).
jest.setTimeout(180_000);

const README = join(__dirname, "..", "..", "..", "README.md");

function haproxyBinary(): string {
  for (const candidate of ["/usr/sbin/haproxy", "/usr/bin/haproxy"]) if (existsSync(candidate)) return candidate;
  const found = spawnSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" }).stdout.trim();
  if (found !== "") return found;
  throw new Error("haproxy is not installed: `apt-get install haproxy` (Debian 12 has 2.6; .ci/run installs it for CI)");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface Proxy {
  readonly child: ChildProcess;
  readonly address: string;
  /** Resolves once HAProxy logged a line matching `pattern` (now or later). */
  logged(pattern: RegExp): Promise<void>;
}

async function startProxy(dir: string, replicas: readonly Replica[]): Promise<Proxy> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = join(dir, "haproxy.cfg");
  await writeFile(config, haproxyConfig({ bind: address, replicas: replicas.map((r) => r.address), checkIntervalMs: 200, pidFile: join(dir, "haproxy.pid") }));
  const child = spawn(haproxyBinary(), ["-db", "-f", config], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (data: Buffer): void => {
    log += data.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(log)) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`haproxy exited (${code}): ${log}`))));
  exited.catch(() => undefined);
  return {
    child,
    address,
    logged: (pattern) =>
      Promise.race([
        new Promise<void>((resolve) => (pattern.test(log) ? resolve() : waiters.push({ pattern, resolve }))),
        exited,
      ]),
  };
}

let temp: { dir: string; cleanup: () => Promise<void> };
let set: ReplicaSet;
const replicas: Replica[] = [];
let proxy: Proxy | undefined;
beforeAll(async () => {
  temp = await createTempDir("haproxy");
  set = { root: temp.dir, sharedFiles: join(temp.dir, "shared-files"), models: join(temp.dir, "models") };
  await writeModel(set.models, "text", { task: "text-detection", input: { resize: "fit", max_side: 512, scale: 1 / 255 } }, textDetectorModel());
});
afterAll(async () => {
  if (proxy && proxy.child.exitCode === null) {
    const exited = new Promise((resolve) => proxy?.child.once("exit", resolve));
    proxy.child.kill("SIGTERM");
    await exited;
  }
  await Promise.all(replicas.splice(0).map((replica) => replica.kill()));
  await temp.cleanup();
});

const unary = <T>(start: (callback: (error: ServiceError | null, response: T) => void) => unknown): Promise<T> =>
  new Promise((resolve, reject) => start((error, response) => (error ? reject(error) : resolve(response))));

function run(inference: InferenceClient, uris: string[]): Promise<JobUpdate[]> {
  return new Promise((resolve, reject) => {
    const updates: JobUpdate[] = [];
    const stream = inference.run({ project: "proxied", model: "text", version: "", imageUris: uris, parameters: { returnMask: false } });
    stream.on("data", (message: { update?: JobUpdate }) => message.update && updates.push(message.update));
    stream.on("error", reject);
    stream.on("end", () => resolve(updates));
  });
}

test("the README's HAProxy configuration is the one this test runs", async () => {
  const readme = await readFile(README, "utf8");
  const block = /```haproxy\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBe(
    haproxyConfig({ bind: "0.0.0.0:50051", replicas: ["10.0.0.11:50051", "10.0.0.12:50051"], checkIntervalMs: 2000, pidFile: "/run/haproxy/inferd.pid" }),
  );
});

test("through HAProxy: health, Infer and a Run job reach the replicas; a draining replica is taken out by the health check", async () => {
  const started = await Promise.all([startReplica(set, "a"), startReplica(set, "b", ["--shutdown-grace-ms", "60000"])]);
  replicas.push(...started);
  const [a, b] = started;
  proxy = await startProxy(temp.dir, started);
  await Promise.all([proxy.logged(/replica1 succeeded/), proxy.logged(/replica2 succeeded/)]);

  const raw = createRawClient(proxy.address);
  const health = await raw.call(PATH.healthCheck, "unary", [healthRequest("")]);
  raw.close();
  expect(health.code).toBe(status.OK);
  expect(health.messages[0]?.equals(Buffer.from([0x08, 0x01]))).toBe(true); // SERVING

  const insecure = credentials.createInsecure();
  const files = new FilesClient(proxy.address, insecure);
  const inference = new InferenceClient(proxy.address, insecure);
  const diagnostics = new DiagnosticsClient(proxy.address, insecure);
  try {
    const uris: string[] = [];
    for (let i = 0; i < 4; i++) {
      const png = await renderSvg(256, 256, `<rect x="${10 + i * 20}" y="80" width="160" height="30" fill="#fff"/>`);
      uris.push((await uploadBytes(files, { project: "proxied", path: `page-${i}.png`, chunks: [png] })).uri);
    }
    // Each call may land on either replica: the images are in the shared files folder.
    for (const uri of uris) {
      const response = await unary<InferResponse>((cb) => inference.infer({ model: "text", version: "", image: { $case: "imageUri", value: uri }, parameters: { returnMask: false } }, cb));
      expect(response.imageWidth).toBe(256);
    }
    const updates = await run(inference, uris);
    expect(updates.at(-1)).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: 4, imagesSucceeded: 4 } });

    // b drains: a call open on it keeps it in its shutdown grace, port open, health NOT_SERVING.
    const held = b.diagnostics.streamNumbers({ count: 10_000, intervalMs: 100 });
    held.on("error", () => undefined);
    // Fails the test if b's held call ends (its grace ran out, its port closed) before the check took b out.
    const heldEnded = new Promise<never>((_, reject) => {
      const ended = (): void => reject(new Error("b's held call ended before HAProxy took b out: the check did not see NOT_SERVING"));
      held.once("error", ended);
      held.once("end", ended);
    });
    heldEnded.catch(() => undefined);
    await new Promise((resolve) => held.once("data", resolve));
    b.binary.child.kill("SIGTERM");
    await Promise.race([proxy.logged(/replica2 is DOWN/), heldEnded]);
    for (let i = 0; i < 12; i++) {
      const pong = await unary<PingResponse>((cb) => diagnostics.ping({ message: `after drain ${i}`, payload: Buffer.alloc(0) }, cb));
      expect(pong.message).toBe(`after drain ${i}`);
    }
    // b is still draining (its held call still streams): only the gRPC health check took it out.
    await Promise.race([new Promise((resolve) => held.once("data", resolve)), heldEnded]);
    held.cancel();
    expect(a.binary.child.exitCode).toBeNull();
  } finally {
    files.close();
    inference.close();
    diagnostics.close();
  }
});
