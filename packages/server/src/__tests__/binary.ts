import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

/** The built binary (run `pnpm build` first; `pnpm test` does). */
export const BINARY = join(__dirname, "..", "..", "dist", "bin", "inferd.js");

/** A spawned `inferd` child process. */
export interface RunningBinary {
  readonly child: ChildProcess;
  /** "127.0.0.1:port" printed by the binary. */
  readonly address: string;
  /** Everything written to stderr so far (pino JSON lines). */
  stderr(): string;
  /** Resolves with the exit code (or signal) once the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the binary and resolves once it printed its address; rejects when it exits first. */
export function startBinary(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningBinary> {
  const child = spawn(process.execPath, [BINARY, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (data: Buffer) => {
      stdout += data.toString();
      const match = /inferd listening on (\S+)/.exec(stdout);
      if (match?.[1]) resolve({ child, address: match[1], stderr: () => stderr, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`inferd exited (${code ?? signal}) before listening: ${stderr}`)));
  });
}

/** Runs the binary to completion and returns its exit code and output. */
export function runBinary(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BINARY, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
