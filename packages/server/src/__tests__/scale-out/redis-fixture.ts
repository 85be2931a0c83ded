import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** Debian's redis-server (`apt-get install redis-server`; `.ci/run` installs it). */
export const REDIS_SERVER = process.env["INFERD_REDIS_SERVER"] ?? "redis-server";

/** A redis-server started by a test, on a free loopback port, persisting only into `dir`. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Stops Redis (SIGTERM: it fsyncs its append-only file) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, after {@link stop}. */
  start(): Promise<void>;
}

/** A free loopback TCP port (bound and released: good enough for a local test server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function requireBinary(): void {
  const probe = spawnSync(REDIS_SERVER, ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(`${REDIS_SERVER} is not installed; the scale-out tests need a real Redis >= 6.2 (apt-get install redis-server, or set INFERD_REDIS_SERVER)`);
  }
}

/**
 * Starts redis-server with its append-only file in `dir` (fsync on every write, no RDB
 * snapshots elsewhere), so a {@link TestRedis.stop} + {@link TestRedis.start} keeps the data
 * like a production restart would.
 */
export async function startRedis(dir: string): Promise<TestRedis> {
  requireBinary();
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    const process_ = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--maxmemory-policy", "noeviction", "--protected-mode", "yes"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = process_;
    exited = new Promise((resolve) => process_.once("exit", () => resolve()));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      process_.stdout?.on("data", (data: Buffer) => {
        output += data.toString();
        if (output.includes("Ready to accept connections")) resolve();
      });
      void exited.then(() => reject(new Error(`redis-server exited before it was ready: ${output}`)));
    });
  }

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      child?.kill("SIGTERM");
      await exited;
      child = undefined;
    },
    start,
  };
}
