import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { InferenceClient, type InferResponse } from "@inferd/grpc-types/v1";
import { defaultModelsDir } from "@inferd/server";
import type { Scenario } from "../context";
import { startInferd } from "../child/inferd-process";
import { pairedFigure } from "../figures";
import { DEFAULT_MODEL } from "../fixtures/default-model";
import { textJpeg } from "../fixtures/images";
import { interleave, pick } from "../rounds";
import { authMetadata, INFER_TOKEN, servedRound, type Inferrer } from "./infer-shared";

/** The bundled detector with its response cache on, and the same without it. */
const CACHED = "ocr-cached";
const FULL = "ocr-full";

/** Thresholds the calls cycle through: every call differs from the one before it. */
const THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9];

/** Writes a models dir holding the bundled PP-OCRv4 detector twice: cache on, cache off. */
async function writeModels(dir: string): Promise<string> {
  const config = JSON.parse(await readFile(join(defaultModelsDir(), DEFAULT_MODEL, "config.json"), "utf8")) as Record<string, unknown>;
  for (const [name, cache] of [[CACHED, true], [FULL, false]] as const) {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, "config.json"), JSON.stringify({ ...config, response_cache: { enable: cache } }));
  }
  return dir;
}

/** Infer calls of one image on one model, changing only confidence_threshold from call to call. */
function thresholdInferrer(address: string, model: string, image: Buffer): Inferrer & { inferWith(threshold: number): Promise<InferResponse> } {
  const client = new InferenceClient(address, credentials.createInsecure(), { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const metadata = authMetadata();
  const inferWith = (confidenceThreshold: number): Promise<InferResponse> =>
    new Promise((resolve, reject) => {
      client.infer({ model, version: "", image: { $case: "imageData", value: image }, parameters: { confidenceThreshold, returnMask: false } }, metadata, (error, response) =>
        error ? reject(error) : resolve(response),
      );
    });
  let next = 0;
  return { inferWith, infer: () => inferWith(THRESHOLDS[next++ % THRESHOLDS.length] ?? 0.5), close: () => client.close() };
}

const resultsOf = (response: InferResponse): string => JSON.stringify(response.results);

/**
 * cache: the bundled PP-OCRv4 detector on one 640×640 JPEG, each call with another
 * confidence_threshold. With the model's response cache on, every call after the first is
 * post-processing of the cached raw outputs; the baseline is the same model with the cache
 * off (decode, preprocess, the model, post-processing), on the same server, in interleaved
 * rounds. Before measuring, every threshold's cached answer is checked against the full run's.
 */
export const cacheScenario: Scenario = {
  name: "cache",
  summary: "PP-OCRv4, threshold-only changes: served from the response cache vs a full Infer",
  async run(context) {
    const modelsDir = await writeModels(join(context.workDir, "models"));
    const image = await textJpeg(640, 640, 0);
    const inferd = await startInferd({ workDir: context.workDir, token: INFER_TOKEN, metrics: true, modelsDir });
    const cached = thresholdInferrer(inferd.address, CACHED, image);
    const full = thresholdInferrer(inferd.address, FULL, image);
    try {
      for (const threshold of THRESHOLDS) {
        const [fromCache, fromModel] = [await cached.inferWith(threshold), await full.inferWith(threshold)];
        if (resultsOf(fromCache) !== resultsOf(fromModel)) {
          throw new Error(`cache: at confidence_threshold ${threshold} the cached answer differs from the full run's`);
        }
      }
      const load = { concurrency: 1, durationMs: context.windowMs, minRequests: context.quick ? 4 : 20 };
      context.progress(`cache: ${context.rounds} rounds`);
      const rounds = await interleave(
        context.rounds,
        () => servedRound(inferd, full, load),
        () => servedRound(inferd, cached, load),
      );
      const scenario = "cache";
      return {
        title: "cache — PP-OCRv4 on a 640×640 JPEG, confidence_threshold changes every call: response cache vs full Infer, concurrency 1",
        baselineLabel: "full Infer",
        figures: [
          // The goal: at least 5× faster, i.e. at least 5× the calls per second.
          pairedFigure(scenario, "req_per_s", "req/s", pick(rounds, (r) => r.perSecond), { on: "ratio", op: ">=", value: 5 }),
          pairedFigure(scenario, "p50", "ms", pick(rounds, (r) => r.p50Us / 1000), { on: "ratio", op: "<=", value: 0.2 }),
          pairedFigure(scenario, "p99", "ms", pick(rounds, (r) => r.p99Us / 1000)),
          pairedFigure(scenario, "cpu_per_req", "ms", pick(rounds, (r) => r.cpuUsPerRequest / 1000)),
        ],
      };
    } finally {
      cached.close();
      full.close();
      await inferd.process.stop();
    }
  },
};
