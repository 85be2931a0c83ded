import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { pairedFigure, type Figure } from "../figures";
import { DENSE_SIZE, denseClassifierModel, MOBILENET_SIZE, mobileNetModel, shapesJpeg, writeClassifier } from "../fixtures/batchable-models";
import { interleave, pick } from "../rounds";
import { createInferrer, INFER_TOKEN, servedRound } from "./infer-shared";

const CONCURRENCY = 8;

/** The two generated classifiers: a convolution-bound one and a weight-bound one. */
const MODELS = [
  { id: "dense", size: DENSE_SIZE, build: denseClassifierModel },
  { id: "mobilenet", size: MOBILENET_SIZE, build: mobileNetModel },
] as const;

/**
 * batching: generated batchable image classifiers through `Infer` at concurrency 8, each
 * ONNX file served twice by one inferd: without batching (baseline) and with
 * `max_batch_size: 8, dynamic_batching: {}` (Triton's example config: no added delay, a batch
 * forms from what queued while the model ran). Admission lets all 8 calls reach the model
 * (`--infer-concurrency 16`) on both sides. Two models, because on a CPU what batching buys
 * depends on the model: a weight-bound one (dense layers: a batch reads the weights once) and
 * a MobileNet v1 (convolutions, which onnxruntime's CPU kernels run image by image).
 */
export const batchingScenario: Scenario = {
  name: "batching",
  summary: "generated classifiers via Infer at concurrency 8: dynamic batching on vs off",
  async run(context) {
    const modelsDir = join(context.workDir, "models");
    await mkdir(modelsDir);
    for (const { id, size, build } of MODELS) {
      const model = build();
      await writeClassifier(modelsDir, id, model, size, {});
      await writeClassifier(modelsDir, `${id}-batched`, model, size, { max_batch_size: CONCURRENCY, dynamic_batching: { max_queue_delay_microseconds: 0 } });
    }
    const inferd = await startInferd({ workDir: context.workDir, modelsDir, token: INFER_TOKEN, metrics: true, extraArgs: ["--infer-concurrency", "16"] });
    const figures: Figure[] = [];
    try {
      for (const { id, size } of MODELS) {
        const images = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => shapesJpeg(seed, size)));
        const plain = createInferrer(inferd.address, id, images);
        const batched = createInferrer(inferd.address, `${id}-batched`, images);
        try {
          context.progress(`batching: ${id}, concurrency ${CONCURRENCY}, off vs on`);
          const load = { concurrency: CONCURRENCY, durationMs: context.windowMs * 2, minRequests: CONCURRENCY * (context.quick ? 2 : 6) };
          const rounds = await interleave(
            context.rounds,
            () => servedRound(inferd, plain, load),
            () => servedRound(inferd, batched, load),
          );
          const scenario = "batching";
          figures.push(
            pairedFigure(scenario, `${id}.c${CONCURRENCY}.images_per_s`, "img/s", pick(rounds, (r) => r.perSecond), { on: "ratio", op: ">=", value: 1.5 }),
            pairedFigure(scenario, `${id}.c${CONCURRENCY}.p50`, "ms", pick(rounds, (r) => r.p50Us / 1000)),
            pairedFigure(scenario, `${id}.c${CONCURRENCY}.p99`, "ms", pick(rounds, (r) => r.p99Us / 1000)),
            pairedFigure(scenario, `${id}.c${CONCURRENCY}.cpu_per_image`, "ms", pick(rounds, (r) => r.cpuUsPerRequest / 1000)),
          );
        } finally {
          plain.close();
          batched.close();
        }
      }
    } finally {
      await inferd.process.stop();
    }
    return {
      title: `batching — generated classifiers (dense 128×128, MobileNet v1 224×224) via Infer at concurrency ${CONCURRENCY}, dynamic batching on vs off`,
      baselineLabel: "batching off",
      figures,
    };
  },
};
