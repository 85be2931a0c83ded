import { fork } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { profilingExecArgv } from "./server-process";
import type { LoadCommand, RunCommand, RunnerReply } from "./pipeline-protocol";

/** The in-process baseline's process (child/pipeline-runner). */
export interface PipelineProcess {
  run(command: Omit<RunCommand, "op">): Promise<RunnerReply>;
  stop(): Promise<void>;
}

/**
 * Forks the pipeline runner and loads the models dir in it. One command at a time: the
 * bench awaits each before sending the next.
 */
export async function startPipelineProcess(load: Omit<LoadCommand, "op">): Promise<PipelineProcess> {
  const child = fork(join(__dirname, "pipeline-runner.js"), [], {
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
    if (reply.error) waiter?.reject(new Error(`in-process pipeline: ${reply.error}`));
    else waiter?.resolve(reply);
  });
  child.on("exit", (code) => pending?.reject(new Error(`the pipeline runner exited (code ${String(code)})`)));
  const send = (command: LoadCommand | RunCommand): Promise<RunnerReply> =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      child.send(command);
    });
  await send({ op: "load", ...load });
  return {
    run: (command) => send({ op: "run", ...command }),
    async stop() {
      process.off("exit", killOnExit);
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.disconnect();
      await exited;
    },
  };
}
