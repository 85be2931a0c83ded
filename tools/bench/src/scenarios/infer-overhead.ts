import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { startPipelineProcess } from "../child/pipeline-process";
import { pairedFigure } from "../figures";
import { TINY_MODEL, tinyPng, writeTinyModelRepo } from "../fixtures/tiny-model";
import { interleave, pick } from "../rounds";
import { createInferrer, INFER_TOKEN, inProcessRound, servedRound, writeImages } from "./infer-shared";

/**
 * infer-overhead: a tiny ONNX model through Infer vs the same pipeline (decode → preprocess
 * → run → post-process) called in-process. The model costs next to nothing, so the
 * difference is what serving adds per request: gRPC, auth, logging, metrics, validation.
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
    const runner = await startPipelineProcess({ modelsDir, intraOpThreads: 0, interOpThreads: 0 });
    const inferd = await startInferd({ workDir: context.workDir, token: INFER_TOKEN, metrics: true, modelsDir });
    const inferrer = createInferrer(inferd.address, TINY_MODEL, images);
    try {
      const load = { concurrency: 1, durationMs: context.windowMs, minRequests: 20 };
      context.progress(`infer-overhead: ${context.rounds} rounds`);
      const rounds = await interleave(
        context.rounds,
        () => inProcessRound(runner, TINY_MODEL, imagePaths, load),
        () => servedRound(inferd, inferrer, load),
      );
      const scenario = "infer-overhead";
      return {
        title: "infer-overhead — tiny model through Infer vs the same pipeline in-process, concurrency 1",
        baselineLabel: "in-process",
        figures: [
          pairedFigure(scenario, "p50", "µs", pick(rounds, (r) => r.p50Us), { on: "delta", op: "<=", value: 100 }),
          pairedFigure(scenario, "p99", "µs", pick(rounds, (r) => r.p99Us)),
          pairedFigure(scenario, "req_per_s", "req/s", pick(rounds, (r) => r.perSecond)),
          pairedFigure(scenario, "cpu_per_req", "µs", pick(rounds, (r) => r.cpuUsPerRequest)),
        ],
      };
    } finally {
      inferrer.close();
      await Promise.all([inferd.process.stop(), runner.stop()]);
    }
  },
};
