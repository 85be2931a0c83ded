import { fork } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { profilingExecArgv } from "./server-process";
import type { LoadCommand, RunCommand, RunnerReply } from "./pipeline-protocol";

/** An in-process baseline's process: it loads once, then runs closed loops on command. */
export interface RunnerProcess<Run> {
  run(command: Run): Promise<RunnerReply>;
  stop(): Promise<void>;
}

/** The in-process baseline's process (child/pipeline-runner). */
export type PipelineProcess = RunnerProcess<Omit<RunCommand, "op">>;

/**
 * Forks a runner script (child/pipeline-runner, child/tensor-runner) and sends it its load
 * command. One command at a time: the bench awaits each before sending the next.
 */
export async function startRunnerProcess<Load extends { op: "load" }, Run extends { op: "run" }>(
  script: string,
  load: Load,
): Promise<RunnerProcess<Omit<Run, "op">>> {
  const child = fork(join(__dirname, script), [], {
    execArgv: profilingExecArgv(),
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  let pending: { resolve: (reply: RunnerReply) => void; reject: (error: Error) => void } | undefined;
  child.on("message", (reply: RunnerReply) => {
    const waiter = pending;
    pending = undefined;
    if (reply.error) waiter?.reject(new Error(`in-process baseline: ${reply.error}`));
    else waiter?.resolve(reply);
  });
  child.on("exit", (code) => pending?.reject(new Error(`the in-process runner exited (code ${String(code)})`)));
  const send = (command: Load | Run): Promise<RunnerReply> =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(command);
    });
  await send(load);
  return {
    run: (command) => send({ ...command, op: "run" } as Run),
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.disconnect();
      await exited;
    },
  };
}

/** Forks the pipeline runner and loads the models dir in it. */
export function startPipelineProcess(load: Omit<LoadCommand, "op">): Promise<PipelineProcess> {
  return startRunnerProcess<LoadCommand, RunCommand>("pipeline-runner.js", { op: "load", ...load });
}
