import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { defaultModelsDir } from "@inferd/server";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { startPipelineProcess } from "../child/pipeline-process";
import { pairedFigure, type Figure } from "../figures";
import { DEFAULT_MODEL } from "../fixtures/default-model";
import { textJpeg } from "../fixtures/images";
import { interleave, pick } from "../rounds";
import { createInferrer, INFER_TOKEN, inProcessRound, servedRound, writeImages } from "./infer-shared";

const CONCURRENCIES = [1, 4] as const;

/**
 * infer-throughput: the bundled PP-OCRv4 text detector on 640×640 JPEGs at concurrency 1
 * and 4, served by inferd vs the same pipeline in-process with the same onnxruntime threads.
 */
export const inferThroughputScenario: Scenario = {
  name: "infer-throughput",
  summary: "PP-OCRv4 on 640×640 JPEGs at concurrency 1 and 4: served vs in-process pipeline",
  async run(context) {
    const images = await Promise.all([0, 1, 2, 3].map((seed) => textJpeg(640, 640, seed)));
    const imageDir = join(context.workDir, "images");
    await mkdir(imageDir);
    const imagePaths = await writeImages(imageDir, images, "jpg");
    const runner = await startPipelineProcess({ modelsDir: defaultModelsDir(), intraOpThreads: 0, interOpThreads: 0 });
    const inferd = await startInferd({ workDir: context.workDir, token: INFER_TOKEN, metrics: true });
    const inferrer = createInferrer(inferd.address, DEFAULT_MODEL, images);
    const figures: Figure[] = [];
    try {
      for (const concurrency of CONCURRENCIES) {
        context.progress(`infer-throughput: concurrency ${concurrency}`);
        // The model takes tens of milliseconds: a window holds at least a few calls per worker.
        const load = { concurrency, durationMs: context.windowMs * 2, minRequests: concurrency * (context.quick ? 2 : 8) };
        const rounds = await interleave(
          context.rounds,
          () => inProcessRound(runner, DEFAULT_MODEL, imagePaths, load),
          () => servedRound(inferd, inferrer, load),
        );
        const scenario = "infer-throughput";
        figures.push(
          pairedFigure(scenario, `c${concurrency}.req_per_s`, "req/s", pick(rounds, (r) => r.perSecond), { on: "ratio", op: ">=", value: 0.95 }),
          pairedFigure(scenario, `c${concurrency}.p50`, "ms", pick(rounds, (r) => r.p50Us / 1000)),
          pairedFigure(scenario, `c${concurrency}.cpu_per_req`, "ms", pick(rounds, (r) => r.cpuUsPerRequest / 1000)),
        );
      }
    } finally {
      inferrer.close();
      await Promise.all([inferd.process.stop(), runner.stop()]);
    }
    return {
      title: "infer-throughput — PP-OCRv4 on 640×640 JPEGs, served vs in-process (same onnxruntime threads)",
      baselineLabel: "in-process",
      figures,
    };
  },
};
