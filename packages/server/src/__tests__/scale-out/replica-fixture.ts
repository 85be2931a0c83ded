import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { FilesClient, InferenceClient } from "@inferd/grpc-types/v1";
import { createRawClient } from "../reliability/raw-client";
import { waitServing } from "../reliability/suite-server";

/** The built server package (run `pnpm build` first; `pnpm test` does). */
const SERVER_DIST = join(__dirname, "..", "..", "..", "dist", "index.js");

// One replica: the real server in its own process (so a test can SIGKILL it), with its own
// data dir and the shared file store (--shared-files-dir) on the directory all replicas share.
const REPLICA_MAIN = `
const { createInferdServer } = require(process.env.SERVER_DIST);
(async () => {
  const server = await createInferdServer({
    host: "127.0.0.1", port: 0, dataDir: process.env.DATA_DIR, modelsDir: process.env.MODELS_DIR, sharedFilesDir: process.env.SHARED_FILES,
    inference: { modelThreads: 1, jobWorkers: Number(process.env.JOB_WORKERS || 1), jobRedis: process.env.REDIS_URL ? { url: process.env.REDIS_URL, lockMs: Number(process.env.LOCK_MS) } : undefined },
  });
  await server.ready;
  process.stdout.write("replica listening on " + server.address + "\\n");
  process.on("SIGTERM", () => server.shutdown(5000).then(() => process.exit(0)));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** A running replica. */
export interface Replica {
  readonly name: string;
  readonly child: ChildProcess;
  readonly address: string;
  readonly files: FilesClient;
  readonly inference: InferenceClient;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (drain), then waits for the exit. */
  stop(): Promise<void>;
}

/** What a replica runs with. */
export interface ReplicaOptions {
  readonly name: string;
  /** Omit for the embedded job engine (the bench compares the two). */
  readonly redisUrl?: string;
  readonly sharedFilesDir: string;
  readonly dataDir: string;
  readonly modelsDir: string;
  readonly lockMs?: number;
  readonly jobWorkers?: number;
}

/** Starts a replica and resolves once it reports SERVING. */
export async function startReplica(options: ReplicaOptions): Promise<Replica> {
  const child = spawn(process.execPath, ["-e", REPLICA_MAIN], {
    env: {
      ...process.env,
      SERVER_DIST,
      SHARED_FILES: options.sharedFilesDir,
      DATA_DIR: options.dataDir,
      MODELS_DIR: options.modelsDir,
      REDIS_URL: options.redisUrl ?? "",
      LOCK_MS: String(options.lockMs ?? 2000),
      JOB_WORKERS: String(options.jobWorkers ?? 1),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (data: Buffer) => {
      stdout += data.toString();
      const match = /replica listening on (\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(({ code, signal }) => reject(new Error(`replica ${options.name} exited (${code ?? signal}) before serving: ${stderr}`)));
  });
  const raw = createRawClient(address);
  await waitServing(raw);
  raw.close();
  const files = new FilesClient(address, credentials.createInsecure());
  const inference = new InferenceClient(address, credentials.createInsecure());
  const closeClients = (): void => {
    files.close();
    inference.close();
  };
  return {
    name: options.name,
    child,
    address,
    files,
    inference,
    exited,
    stderr: () => stderr,
    async kill() {
      child.kill("SIGKILL");
      await exited;
      closeClients();
    },
    async stop() {
      child.kill("SIGTERM");
      await exited;
      closeClients();
    },
  };
}
