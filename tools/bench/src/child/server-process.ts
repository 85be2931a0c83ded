import { fork, type ChildProcess } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ProbeCommand, ProbeReply } from "./probe-protocol";

/** How to start a server process. */
export interface ServerSpec {
  /** Label for messages, e.g. "inferd" or "bare grpc-js". */
  readonly label: string;
  /** The Node script to run. */
  readonly script: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Where the process's stdout and stderr go (a server's logs, as in production). */
  readonly logFile: string;
}

/**
 * What a server prints on stdout once it is bound: inferd's "inferd listening on HOST:PORT",
 * and the same words from the bench's own baseline servers. Servers bind port 0 and announce
 * the port they got, so two benchmarks on one machine can never race for a port.
 */
const LISTENING = /listening on (\S+)/;

/** CPU time of a process, in microseconds. */
export interface CpuTime {
  readonly userUs: number;
  readonly systemUs: number;
}

/** A server running in a child process with the probe loaded. */
export interface ServerProcess {
  readonly label: string;
  readonly pid: number;
  /** The "host:port" the server announced on stdout; rejects if it exits first. */
  readonly listening: Promise<string>;
  /** The process's CPU time so far and its RSS now. */
  usage(): Promise<ProbeReply>;
  /** Starts sampling RSS every intervalMs. */
  startPeakRss(intervalMs: number): Promise<void>;
  /** Stops sampling; resolves with the peak RSS in bytes since {@link startPeakRss}. */
  stopPeakRss(): Promise<number>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const probePath = join(__dirname, "probe.js");
let profileDir: string | undefined;

/**
 * Makes every server process started from now on write a V8 CPU profile into dir when it
 * exits (`node --cpu-prof`), for `pnpm bench --cpu-prof DIR`.
 */
export function profileServersInto(dir: string): void {
  profileDir = dir;
}

/** Node flags that make a child write its CPU profile, when {@link profileServersInto} asked for it. */
export function profilingExecArgv(): string[] {
  return profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/**
 * Forks spec.script with the probe preloaded. Resolves once the process is spawned (not
 * once it serves: wait for that with health or a call). Rejects later requests when it dies.
 */
export function startServerProcess(spec: ServerSpec): ServerProcess {
  const log = openSync(spec.logFile, "a");
  const child = fork(spec.script, [...spec.args], {
    execArgv: ["--require", probePath, ...profilingExecArgv()],
    env: spec.env ?? process.env,
    stdio: ["ignore", "pipe", log, "ipc"],
  });
  // stdout goes to the log like stderr, after the first line that announces the address.
  const listening = new Promise<string>((resolve, reject) => {
    let pending: string | undefined = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      writeSync(log, chunk);
      if (pending === undefined) return;
      pending += chunk.toString("utf8");
      const match = LISTENING.exec(pending);
      if (match?.[1]) {
        pending = undefined;
        resolve(match[1]);
      }
    });
    child.stdout?.once("close", () => closeSync(log));
    child.once("exit", (code, signal) => reject(new Error(`${spec.label} exited before listening (code ${code}, signal ${signal}); see ${spec.logFile}`)));
  });
  listening.catch(() => undefined); // callers that never ask are told through their requests
  let nextId = 1;
  const pending = new Map<number, { resolve: (reply: ProbeReply) => void; reject: (error: Error) => void }>();
  child.on("message", (reply: ProbeReply) => {
    pending.get(reply.id)?.resolve(reply);
    pending.delete(reply.id);
  });
  child.on("exit", (code, signal) => {
    const error = new Error(`${spec.label} exited (code ${code}, signal ${signal}); see ${spec.logFile}`);
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  });
  // A benchmark should not leave servers behind, even when it fails.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);

  const request = (message: ProbeCommand): Promise<ProbeReply> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error(`${spec.label} is not running; see ${spec.logFile}`));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ ...message, id });
    });

  return {
    label: spec.label,
    pid: child.pid ?? -1,
    listening,
    usage: () => request({ op: "usage" }),
    startPeakRss: async (intervalMs) => {
      await request({ op: "peak-start", intervalMs });
    },
    stopPeakRss: async () => (await request({ op: "peak-stop" })).peakRssBytes,
    async stop(graceMs = 5000) {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited(child);
      clearTimeout(timer);
    },
  };
}

/** CPU microseconds (user + system) spent between two probe replies. */
export function cpuDeltaUs(before: CpuTime, after: CpuTime): number {
  return after.userUs - before.userUs + (after.systemUs - before.systemUs);
}
