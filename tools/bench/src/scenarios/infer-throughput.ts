import { mkdir, readFile, writeFile } from "node:fs/promises";
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
 * The served side's tuned configuration: two instances of the model with one onnxruntime
 * thread each (config.json `instance_count`, `intra_op_threads`), so that on 2 cores one
 * image's pre- and post-processing overlaps another's inference instead of leaving a core idle.
 */
const INSTANCES = { instance_count: 2, intra_op_threads: 1 } as const;

/** A copy of the bundled model's folder with `serving` fields merged into its config.json. */
async function writeTunedModels(dir: string, serving: Record<string, unknown>): Promise<string> {
  const config = JSON.parse(await readFile(join(defaultModelsDir(), DEFAULT_MODEL, "config.json"), "utf8")) as Record<string, unknown>;
  await mkdir(join(dir, DEFAULT_MODEL), { recursive: true });
  await writeFile(join(dir, DEFAULT_MODEL, "config.json"), JSON.stringify({ ...config, ...serving }));
  return dir;
}

/**
 * infer-throughput: the bundled PP-OCRv4 text detector on 640×640 JPEGs at concurrency 1
 * and 4, served by inferd vs the same pipeline in-process with the same onnxruntime threads;
 * then served with {@link INSTANCES} (a second inferd) vs the same in-process baseline.
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
    const figures: Figure[] = [];
    try {
      const plainDir = join(context.workDir, "plain");
      await mkdir(plainDir);
      await servedVsInProcess(plainDir, undefined, "");
      const tunedDir = join(context.workDir, "instances");
      await mkdir(tunedDir);
      await servedVsInProcess(tunedDir, await writeTunedModels(join(tunedDir, "models"), INSTANCES), "instances2x1.");
    } finally {
      await runner.stop();
    }

    /** Both concurrencies against one inferd (default models dir unless `modelsDir`), figures prefixed. */
    async function servedVsInProcess(workDir: string, modelsDir: string | undefined, prefix: string): Promise<void> {
      const inferd = await startInferd({ workDir, token: INFER_TOKEN, metrics: true, ...(modelsDir ? { modelsDir } : {}) });
      const inferrer = createInferrer(inferd.address, DEFAULT_MODEL, images);
      try {
        for (const concurrency of CONCURRENCIES) {
          context.progress(`infer-throughput: ${prefix || "default config, "}concurrency ${concurrency}`);
          // The model takes tens of milliseconds: a window holds at least a few calls per worker.
          const load = { concurrency, durationMs: context.windowMs * 2, minRequests: concurrency * (context.quick ? 2 : 8) };
          const rounds = await interleave(
            context.rounds,
            () => inProcessRound(runner, DEFAULT_MODEL, imagePaths, load),
            () => servedRound(inferd, inferrer, load),
          );
          const scenario = "infer-throughput";
          figures.push(
            pairedFigure(scenario, `${prefix}c${concurrency}.req_per_s`, "req/s", pick(rounds, (r) => r.perSecond), { on: "ratio", op: ">=", value: 0.95 }),
            pairedFigure(scenario, `${prefix}c${concurrency}.p50`, "ms", pick(rounds, (r) => r.p50Us / 1000)),
            pairedFigure(scenario, `${prefix}c${concurrency}.cpu_per_req`, "ms", pick(rounds, (r) => r.cpuUsPerRequest / 1000)),
          );
        }
      } finally {
        inferrer.close();
        await inferd.process.stop();
      }
    }
    return {
      title: "infer-throughput — PP-OCRv4 on 640×640 JPEGs, served (default config; instances2x1: 2 instances × 1 thread) vs in-process (1 session, same threads as default)",
      baselineLabel: "in-process",
      figures,
    };
  },
};
