import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { waitForServing } from "../health";
import { startServerProcess, type ServerProcess } from "./server-process";

/** The built `inferd` binary, exactly what `pnpm start` runs. */
export const inferdBinary = join(dirname(require.resolve("@inferd/server/package.json")), "dist", "bin", "inferd.js");

/** Options of {@link startInferd}. */
export interface InferdOptions {
  /** Folder for the data dir, models dir default and log file. */
  readonly workDir: string;
  /** Models dir; default: the server's own default (the bundled PP-OCRv4 detector). */
  readonly modelsDir?: string;
  /** Bearer token the server requires (auth on, as in production). */
  readonly token: string;
  /** Serve Prometheus metrics on a port (as in production). */
  readonly metrics: boolean;
  /** Extra flags, e.g. thread counts. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for SERVING. */
  readonly timeoutMs?: number;
}

/** A running inferd and where to reach it. */
export interface RunningInferd {
  readonly process: ServerProcess;
  readonly address: string;
  /** Where its stdout and stderr (pino's JSON lines) go. */
  readonly logFile: string;
  /** performance.now() at spawn and when health first answered SERVING. */
  readonly spawnedAt: number;
  readonly servingAt: number;
}

/**
 * Starts the real `inferd` binary in a child process, configured as in production: auth
 * token, info-level structured logs (to a file), metrics on; resolves once health says SERVING.
 */
export async function startInferd(options: InferdOptions): Promise<RunningInferd> {
  const dataDir = join(options.workDir, "inferd-data");
  mkdirSync(dataDir, { recursive: true });
  // The HTTP API is on by default (port 8000): off here, unless a scenario's extraArgs turn it on.
  const args = ["--host", "127.0.0.1", "--port", "0", "--http-port", "off", "--data-dir", dataDir, "--token", options.token, "--log-level", "info"];
  if (options.modelsDir) args.push("--models-dir", options.modelsDir);
  if (options.metrics) args.push("--metrics-port", "0");
  args.push(...(options.extraArgs ?? []));
  const spawnedAt = performance.now();
  const logFile = join(options.workDir, "inferd.log");
  const child = startServerProcess({ label: "inferd", script: inferdBinary, args, logFile });
  try {
    const address = await child.listening;
    const servingAt = await waitForServing(address, options.timeoutMs ?? 60_000);
    return { process: child, address, logFile, spawnedAt, servingAt };
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
}
