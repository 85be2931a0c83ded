import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { startPipelineProcess } from "../child/pipeline-process";
import { pairedFigure } from "../figures";
import { TINY_MODEL, tinyPng, writeTinyModelRepo } from "../fixtures/tiny-model";
import { startBareServer } from "../child/bare-process";
import { loadServer } from "../measure";
import { interleave } from "../rounds";
import { bareTransport, createInferrer, INFER_TOKEN, inProcessRound, servedRound, writeImages } from "./infer-shared";

/**
 * infer-overhead: a tiny ONNX model through Infer vs the same pipeline (decode → preprocess
 * → run → post-process) called in-process. The model costs next to nothing, so the
 * difference is what serving adds per request: gRPC, auth, logging, metrics, validation.
 * A bare grpc-js round trip with the same bytes, measured in the same rounds, splits that
 * into gRPC's own cost and what inferd adds beyond it.
 */
export const inferOverheadScenario: Scenario = {
  name: "infer-overhead",
  summary: "a tiny ONNX model through Infer vs the same pipeline in-process: µs added per request",
  async run(context) {
    const modelsDir = await writeTinyModelRepo(join(context.workDir, "models"));
    const images = [await tinyPng()];
    const imageDir = join(context.workDir, "images");
    await mkdir(imageDir);
    const imagePaths = await writeImages(imageDir, images, "png");
    // One onnxruntime thread on both sides: the tiny model gains nothing from a pool, and idle
    // pool threads spin-wait between runs, which would charge each side CPU for its gaps.
    const runner = await startPipelineProcess({ modelsDir, intraOpThreads: 1, interOpThreads: 0 });
    const bare = await startBareServer(context.workDir);
    const transport = bareTransport(bare.address, images[0]!.length);
    const inferd = await startInferd({ workDir: context.workDir, token: INFER_TOKEN, metrics: true, modelsDir, extraArgs: ["--model-threads", "1"] });
    const inferrer = createInferrer(inferd.address, TINY_MODEL, images);
    try {
      const load = { concurrency: 1, durationMs: context.windowMs, minRequests: 20 };
      context.progress(`infer-overhead: ${context.rounds} rounds`);
      // The baseline side is the pipeline in-process, then a bare grpc-js round trip carrying
      // the same image bytes: together, what an Infer would cost if serving added nothing
      // beyond gRPC itself.
      const rounds = await interleave(
        context.rounds,
        async () => ({
          inProcess: await inProcessRound(runner, TINY_MODEL, imagePaths, load),
          grpc: await loadServer(bare.process, load, transport.ping),
        }),
        () => servedRound(inferd, inferrer, load),
      );
      const scenario = "infer-overhead";
      return {
        title: "infer-overhead — tiny model through Infer vs the same pipeline in-process, concurrency 1",
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
            { on: "delta", op: "<=", value: 100 },
          ),
          pairedFigure(
            scenario,
            "cpu_per_req",
            "µs",
            rounds.map((r) => ({ baseline: r.baseline.inProcess.cpuUsPerRequest, subject: r.subject.cpuUsPerRequest })),
          ),
          pairedFigure(
            scenario,
            "cpu_beyond_grpc_per_req",
            "µs",
            rounds.map((r) => ({ baseline: r.baseline.inProcess.cpuUsPerRequest + r.baseline.grpc.cpuUsPerRequest, subject: r.subject.cpuUsPerRequest })),
            { on: "delta", op: "<=", value: 100 },
          ),
        ],
      };
    } finally {
      inferrer.close();
      transport.close();
      await Promise.all([inferd.process.stop(), runner.stop(), bare.process.stop()]);
    }
  },
};
