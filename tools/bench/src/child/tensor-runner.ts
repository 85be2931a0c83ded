/**
 * The in-process baseline of the OIP scenarios: onnxruntime-node's `session.run` of the tiny
 * add model in a closed loop, in its own process (like the server, so both sides get the same
 * CPUs), with the session options inferd uses (one intra-op thread here, no spinning). No
 * protocol, no worker thread, no checks: what an application calling onnxruntime directly pays.
 */
import * as ort from "onnxruntime-node";
import { TENSOR_WIDTH, tensorInputs } from "../fixtures/tensor-model";
import { closedLoop } from "../load";
import type { RunnerReply, TensorLoadCommand, TensorRunCommand } from "./tensor-protocol";

let session: ort.InferenceSession | undefined;

async function load(command: TensorLoadCommand): Promise<void> {
  await session?.release();
  session = await ort.InferenceSession.create(command.modelFile, {
    executionProviders: ["cpu"],
    intraOpNumThreads: command.intraOpThreads,
    // The same as inferd's NO_SPINNING (models/worker-runtime.ts): idle pool threads sleep.
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  });
}

async function run(command: TensorRunCommand): Promise<RunnerReply> {
  const current = session;
  if (!current) throw new Error("run before load");
  const { a, b } = tensorInputs(command.batch);
  const dims = [command.batch, TENSOR_WIDTH];
  const before = process.cpuUsage();
  // Tensors are made per call from the request's values, as a server must.
  const result = await closedLoop(command, () => current.run({ a: new ort.Tensor("float32", a, dims), b: new ort.Tensor("float32", b, dims) }));
  const cpu = process.cpuUsage(before);
  return { ...result, cpuUsPerRequest: (cpu.user + cpu.system) / result.requests };
}

const EMPTY: RunnerReply = { requests: 0, elapsedMs: 0, perSecond: 0, p50Us: 0, p99Us: 0, cpuUsPerRequest: 0 };

process.on("message", (command: TensorLoadCommand | TensorRunCommand) => {
  const work = command.op === "load" ? load(command).then(() => EMPTY) : run(command);
  work.then(
    (reply) => process.send?.(reply),
    (error: unknown) => process.send?.({ ...EMPTY, error: error instanceof Error ? error.message : String(error) }),
  );
});
// The IPC channel keeps the runner alive; the bench disconnecting ends it.
process.once("disconnect", () => process.exit(0));
