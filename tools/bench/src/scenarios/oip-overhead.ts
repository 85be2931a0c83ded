import { mkdir, writeFile, copyFile } from "node:fs/promises";
import { join } from "node:path";
import type { Scenario } from "../context";
import { startBareServer } from "../child/bare-process";
import { startInferd } from "../child/inferd-process";
import { startRunnerProcess } from "../child/pipeline-process";
import type { TensorLoadCommand, TensorRunCommand } from "../child/tensor-protocol";
import { pairedFigure } from "../figures";
import { TENSOR_MODEL, writeTensorModelRepo } from "../fixtures/tensor-model";
import { loadServer } from "../measure";
import { addRequest, createModelInferCaller, requestBytes } from "../oip-calls";
import { interleave } from "../rounds";
import { bareTransport, INFER_TOKEN } from "./infer-shared";

/** The goal of issue #12: Triton's published per-request server overhead is 14–31 µs in C++. */
const GOAL_US = 50;
/** The same model with `"execution": "inline"` (run on inferd's main thread), in the same models dir. */
const INLINE_MODEL = `${TENSOR_MODEL}-inline`;

async function writeInlineCopy(modelsDir: string, modelFile: string): Promise<void> {
  await mkdir(join(modelsDir, INLINE_MODEL, "1"), { recursive: true });
  await writeFile(join(modelsDir, INLINE_MODEL, "config.json"), JSON.stringify({ task: "tensor", description: "benchmark fixture: a + b, inline", execution: "inline" }));
  await copyFile(modelFile, join(modelsDir, INLINE_MODEL, "1", "model.onnx"));
}

/**
 * oip-overhead: ModelInfer (Open Inference Protocol over gRPC) of a one-node Add model, FP32
 * [1, 16], vs onnxruntime's `session.run` of the same model in a process of its own. The model
 * costs next to nothing, so the difference is what serving adds: gRPC, auth, metrics, the
 * checks on every input, the worker-thread hand-off, the raw codec. A bare grpc-js round trip
 * with the same bytes, measured in the same rounds, splits that into gRPC's own cost and what
 * inferd adds beyond it (the infer-overhead scenario does the same for inferd.v1 Infer).
 * inferd serves the model twice, in the same process: in a worker thread (the default,
 * figures `worker.*`) and `"execution": "inline"` on the main thread (the main figures), so
 * one run shows both, interleaved.
 */
export const oipOverheadScenario: Scenario = {
  name: "oip-overhead",
  summary: "ModelInfer of a tiny Add model vs onnxruntime session.run in-process: µs added per request",
  async run(context) {
    const modelsDir = join(context.workDir, "models");
    const modelFile = await writeTensorModelRepo(modelsDir);
    await writeInlineCopy(modelsDir, modelFile);
    const request = addRequest(TENSOR_MODEL, 1);
    const inlineRequest = addRequest(INLINE_MODEL, 1);
    // One onnxruntime thread on both sides, as in infer-overhead.
    const runner = await startRunnerProcess<TensorLoadCommand, TensorRunCommand>("tensor-runner.js", { op: "load", modelFile, intraOpThreads: 1 });
    const bare = await startBareServer(context.workDir);
    const transport = bareTransport(bare.address, requestBytes(request));
    const inferd = await startInferd({ workDir: context.workDir, token: INFER_TOKEN, metrics: true, modelsDir, extraArgs: ["--model-threads", "1"] });
    const caller = createModelInferCaller(inferd.address, request);
    const inlineCaller = createModelInferCaller(inferd.address, inlineRequest);
    try {
      const load = { concurrency: 1, durationMs: context.windowMs, minRequests: 20 };
      context.progress(`oip-overhead: ${context.rounds} rounds`);
      const rounds = await interleave(
        context.rounds,
        async () => ({
          inProcess: await runner.run({ batch: 1, ...load }),
          grpc: await loadServer(bare.process, load, transport.ping),
          worker: await loadServer(inferd.process, load, caller.call),
        }),
        () => loadServer(inferd.process, load, inlineCaller.call),
      );
      const scenario = "oip-overhead";
      const goal = { on: "delta", op: "<=", value: GOAL_US } as const;
      return {
        title: "oip-overhead — ModelInfer of a tiny Add model (execution inline; worker.*: in a worker thread) vs onnxruntime session.run in-process, concurrency 1",
        baselineLabel: "in-process",
        figures: [
          pairedFigure(scenario, "p50", "µs", rounds.map((r) => ({ baseline: r.baseline.inProcess.p50Us, subject: r.subject.p50Us }))),
          pairedFigure(scenario, "p99", "µs", rounds.map((r) => ({ baseline: r.baseline.inProcess.p99Us, subject: r.subject.p99Us }))),
          pairedFigure(scenario, "req_per_s", "req/s", rounds.map((r) => ({ baseline: r.baseline.inProcess.perSecond, subject: r.subject.perSecond }))),
          pairedFigure(scenario, "grpc_roundtrip_p50", "µs", rounds.map((r) => ({ baseline: r.baseline.grpc.p50Us, subject: r.subject.p50Us }))),
          pairedFigure(
            scenario,
            "overhead_beyond_grpc_p50",
            "µs",
            rounds.map((r) => ({ baseline: r.baseline.inProcess.p50Us + r.baseline.grpc.p50Us, subject: r.subject.p50Us })),
            goal,
          ),
          pairedFigure(scenario, "cpu_per_req", "µs", rounds.map((r) => ({ baseline: r.baseline.inProcess.cpuUsPerRequest, subject: r.subject.cpuUsPerRequest }))),
          pairedFigure(
            scenario,
            "cpu_beyond_grpc_per_req",
            "µs",
            rounds.map((r) => ({ baseline: r.baseline.inProcess.cpuUsPerRequest + r.baseline.grpc.cpuUsPerRequest, subject: r.subject.cpuUsPerRequest })),
            goal,
          ),
          pairedFigure(scenario, "worker.p50", "µs", rounds.map((r) => ({ baseline: r.baseline.inProcess.p50Us, subject: r.baseline.worker.p50Us }))),
          pairedFigure(
            scenario,
            "worker.overhead_beyond_grpc_p50",
            "µs",
            rounds.map((r) => ({ baseline: r.baseline.inProcess.p50Us + r.baseline.grpc.p50Us, subject: r.baseline.worker.p50Us })),
          ),
          pairedFigure(
            scenario,
            "worker.cpu_beyond_grpc_per_req",
            "µs",
            rounds.map((r) => ({ baseline: r.baseline.inProcess.cpuUsPerRequest + r.baseline.grpc.cpuUsPerRequest, subject: r.baseline.worker.cpuUsPerRequest })),
          ),
          pairedFigure(scenario, "inline_vs_worker_p50", "µs", rounds.map((r) => ({ baseline: r.baseline.worker.p50Us, subject: r.subject.p50Us }))),
          pairedFigure(scenario, "inline_vs_worker_cpu_per_req", "µs", rounds.map((r) => ({ baseline: r.baseline.worker.cpuUsPerRequest, subject: r.subject.cpuUsPerRequest }))),
        ],
      };
    } finally {
      caller.close();
      inlineCaller.close();
      transport.close();
      await Promise.all([inferd.process.stop(), runner.stop(), bare.process.stop()]);
    }
  },
};
