/**
 * The in-process baseline: runs inferd's own inference pipeline (decode → preprocess →
 * onnxruntime → post-process, imported from @inferd/server) in a closed loop, with no gRPC
 * around it. It lives in its own process, like the server, so both sides get the same CPUs
 * and the same onnxruntime thread pool, and its CPU time is its own.
 */
import { readFile } from "node:fs/promises";
import { createInferencePipeline, createModelRepository, resolveParameters, type ModelRepository } from "@inferd/server";
import { closedLoop } from "../load";
import type { LoadCommand, RunCommand, RunnerReply } from "./pipeline-protocol";

let repository: ModelRepository | undefined;
const pipeline = createInferencePipeline();

async function load(command: LoadCommand): Promise<void> {
  await repository?.close();
  repository = createModelRepository({
    dir: command.modelsDir,
    runtime: { intraOpThreads: command.intraOpThreads, interOpThreads: command.interOpThreads },
  });
  await repository.load();
}

async function run(command: RunCommand): Promise<RunnerReply> {
  if (!repository) throw new Error("run before load");
  const model = repository.resolve(command.model, "");
  const parameters = resolveParameters(undefined, model.config);
  const images = await Promise.all(command.imagePaths.map((path) => readFile(path)));
  let next = 0;
  const before = process.cpuUsage();
  const result = await closedLoop(command, () => pipeline.infer(model, images[next++ % images.length]!, parameters));
  const cpu = process.cpuUsage(before);
  return { ...result, cpuUsPerRequest: (cpu.user + cpu.system) / result.requests };
}

const EMPTY: RunnerReply = { requests: 0, elapsedMs: 0, perSecond: 0, p50Us: 0, p99Us: 0, cpuUsPerRequest: 0 };

process.on("message", (command: LoadCommand | RunCommand) => {
  const work = command.op === "load" ? load(command).then(() => EMPTY) : run(command);
  work.then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ ...EMPTY, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The IPC channel keeps the runner alive; the bench disconnecting ends it.
process.once("disconnect", () => process.exit(0));
