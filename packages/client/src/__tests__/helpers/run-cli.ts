import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

/** The built inferctl binary (run `pnpm build` first; `pnpm test` does). */
export const INFERCTL = join(__dirname, "..", "..", "..", "dist", "bin", "inferctl.js");

/** How a finished inferctl run ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Extra environment (INFERD_ADDRESS etc. are cleared unless given here). */
  env?: Record<string, string>;
  cwd?: string;
  /** Called with each complete stderr line as it arrives, with the child (to signal it). */
  onStderrLine?: (line: string, child: ChildProcess) => void;
  /** Called with each complete stdout line as it arrives. */
  onStdoutLine?: (line: string, child: ChildProcess) => void;
}

function lines(onLine: ((line: string) => void) | undefined): (chunk: string) => void {
  let pending = "";
  return (chunk) => {
    pending += chunk;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      onLine?.(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  };
}

/** Runs the real inferctl binary as a child process (stdin closed, not a TTY). */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", ...options.env };
  const child = spawn(process.execPath, [INFERCTL, ...args], { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  const outLines = lines((line) => options.onStdoutLine?.(line, child));
  const errLines = lines((line) => options.onStderrLine?.(line, child));
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
    outLines(chunk);
  });
  child.stderr.on("data", (chunk: string) => {
    stderr += chunk;
    errLines(chunk);
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
