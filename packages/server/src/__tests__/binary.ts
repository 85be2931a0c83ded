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
  /** Resolves with the first match of `pattern` in stdout (now or once printed); rejects when the process exits first. */
  stdoutMatch(pattern: RegExp): Promise<RegExpExecArray>;
  /** Resolves with the exit code (or signal) once the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The binary's arguments with the HTTP port (on by default at 8000) moved to a free one unless
 * the test names it: tests never bind a fixed port (parallel suites, other servers).
 */
export function withFreeHttpPort(args: readonly string[]): string[] {
  return args.includes("--http-port") ? [...args] : ["--http-port", "0", ...args];
}

/** Spawns the binary and resolves once it printed its address; rejects when it exits first. */
export function startBinary(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningBinary> {
  const child = spawn(process.execPath, [BINARY, ...withFreeHttpPort(args)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  child.stderr?.on("data", (data: Buffer) => (stderr += data.toString()));
  const stdoutMatch = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const look = (): boolean => {
        const match = pattern.exec(stdout);
        if (match) resolve(match);
        return match !== null;
      };
      if (look()) return;
      const onData = (): void => {
        if (look()) child.stdout?.off("data", onData);
      };
      child.stdout?.on("data", onData);
      void exited.then(() => reject(new Error(`inferd exited before printing ${String(pattern)}; stdout: ${stdout}`)));
    });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (data: Buffer) => {
      stdout += data.toString();
      const match = /inferd listening on (\S+)/.exec(stdout);
      if (match?.[1]) resolve({ child, address: match[1], stderr: () => stderr, stdoutMatch, exited });
    });
    void exited.then(({ code, signal }) => reject(new Error(`inferd exited (${code ?? signal}) before listening: ${stderr}`)));
  });
}

/** Runs the binary to completion and returns its exit code and output. */
export function runBinary(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BINARY, ...withFreeHttpPort(args)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
  child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}
