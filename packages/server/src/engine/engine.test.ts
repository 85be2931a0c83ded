import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { createLocalFileStore } from "../files/local-file-store";
import type { FileStore } from "../files/file-store";
import { silentLogger } from "../logger";
import { classifierModel, tempDir, writeModel } from "../models/__tests__/tiny-models";
import { loadOnnxModel, type ModelLoader } from "../models/runtime";
import { renderSvg } from "../inference/__tests__/images";
import { createEngine, type Engine } from "./engine";

let dir: string;
let store: FileStore;
let loads: string[];
const countingLoader: ModelLoader = async (path, options) => {
  loads.push(path);
  return loadOnnxModel(path, options);
};

beforeEach(async () => {
  dir = await tempDir("engine");
  loads = [];
  await writeModel(join(dir, "models"), "colors", { task: "classification", labels: ["red", "green", "blue"], input: { width: 32, height: 32, scale: 1 / 255 } }, classifierModel(32));
  store = await createLocalFileStore({ root: join(dir, "files"), quotaBytesPerProject: 0 });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function engineOver(dataDir = join(dir, "data")): Engine {
  return createEngine({
    logger: silentLogger,
    dataDir,
    modelsDir: join(dir, "models"),
    fileStore: store,
    maxImageBytes: 1024 * 1024,
    inference: { modelThreads: 1, loader: countingLoader },
  });
}

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return error instanceof InferdError ? error.kind : "not an InferdError";
  }
};

test("nothing loads before start; start loads each model once and replays the jobs; stop releases the models", async () => {
  const engine = engineOver();
  expect(loads).toHaveLength(0);
  expect(engine.ready()).toBe(false);
  expect(engine.models.list()).toEqual([]);
  const first = engine.start();
  expect(engine.start()).toBe(first); // one start, whoever asks
  await first;
  await engine.whenReady();
  expect(engine.ready()).toBe(true);
  expect(engine.models.loaded()).toBe(true);
  expect(loads).toHaveLength(1);
  expect(engine.models.resolve("colors", "").version).toBe("1");
  await engine.stop();
  expect(codeOf(() => engine.models.resolve("colors", ""))).toBe("unavailable");
});

test("the pipeline records each image it runs in the registry's per-version statistics, failures too", async () => {
  const engine = engineOver();
  await engine.start();
  const model = engine.models.resolve("colors", "1");
  const parameters = { confidenceThreshold: 0, maxResults: 1, returnMask: false, iouThreshold: 0.5 };
  await engine.inference.pipeline.infer(model, await renderSvg(40, 40, "", "#f00"), parameters);
  await expect(engine.inference.pipeline.infer(model, Buffer.from("not an image"), parameters)).rejects.toMatchObject({ kind: "invalid-argument" });
  const stats = engine.models.statistics.get("colors", "1");
  expect(stats.inferenceStats?.success?.count).toBe(1n);
  expect(stats.inferenceStats?.fail?.count).toBe(1n);
  expect(stats.inferenceStats?.computeInfer?.count).toBe(1n);
  expect(stats.lastInference).toBeGreaterThan(0n);
  await engine.stop();
});

test("a failed start-up rejects whenReady, so modules waiting on it report the failure instead of hanging", async () => {
  const dataDir = join(dir, "data");
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, "jobs"), "a file where the job journal's folder should be");
  const engine = engineOver(dataDir);
  const waiting = engine.whenReady();
  await expect(engine.start()).rejects.toBeDefined();
  await expect(waiting).rejects.toBeDefined();
  expect(engine.ready()).toBe(false);
  await engine.stop();
});
