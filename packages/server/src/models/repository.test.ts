import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { classifierModel, tempDir, writeModel } from "./__tests__/tiny-models";
import { createModelRepository } from "./repository";

const config = { task: "classification", labels: ["r", "g", "b"], input: { width: 32, height: 32 } };
let dir: string;
beforeEach(async () => (dir = await tempDir("repository")));
afterEach(() => rm(dir, { recursive: true, force: true }));

test("failures are reported per model and per version without stopping the others", async () => {
  await writeModel(dir, "good", config, classifierModel());
  await writeModel(dir, "good", config, Buffer.from("garbage"), "2");
  await writeModel(dir, "badconfig", { task: "nope" }, classifierModel());
  await writeModel(dir, "wrong-input", { ...config, input: { ...config.input, name: "image" } }, classifierModel());
  await writeModel(dir, "missing-package", { ...config, versions: { "1": { package: "not-installed-package-xyz", file: "m.onnx" } } }, classifierModel(), "7");
  await mkdir(join(dir, "empty"));
  await writeFile(join(dir, "empty", "config.json"), JSON.stringify(config));
  const repository = createModelRepository({ dir });
  await repository.load();
  const byName = Object.fromEntries(repository.list().map((m) => [m.name, m]));
  expect(byName["good"]?.versions.map((v) => [v.version, v.state])).toEqual([["2", "failed"], ["1", "ready"]]);
  expect(byName["badconfig"]?.versions).toEqual([{ version: "1", state: "failed", message: expect.stringContaining('"task"') }]);
  expect(byName["wrong-input"]?.versions[0]).toMatchObject({ state: "failed", message: expect.stringContaining('no input "image"') });
  expect(byName["missing-package"]?.versions.map((v) => [v.version, v.state])).toEqual([["7", "ready"], ["1", "failed"]]);
  expect(byName["empty"]?.versions).toEqual([{ version: "", state: "failed", message: expect.stringContaining("no versions") }]);

  // The newest READY version serves when none is named; a failed one is UNAVAILABLE.
  expect(repository.resolve("good", "").version).toBe("1");
  expect(() => repository.resolve("good", "2")).toThrow(expect.objectContaining({ kind: "unavailable" }));
  expect(() => repository.resolve("good", "3")).toThrow(expect.objectContaining({ kind: "not-found" }));
  expect(() => repository.resolve("nope", "")).toThrow(expect.objectContaining({ kind: "not-found" }));
  expect(() => repository.resolve("badconfig", "")).toThrow(expect.objectContaining({ kind: "unavailable" }));
  await repository.close();
});

test("load failures reach clients without server filesystem paths", async () => {
  await writeModel(dir, "garbage", config, Buffer.from("not an onnx model"));
  await writeModel(dir, "missing-file", config, classifierModel());
  await rm(join(dir, "missing-file", "1", "model.onnx"));
  const repository = createModelRepository({ dir });
  await repository.load();
  const messages = repository.list().flatMap((m) => m.versions.map((v) => v.message));
  expect(messages).toHaveLength(2);
  for (const message of messages) {
    expect(message).not.toBe("");
    expect(message).not.toContain(dir);
  }
  expect(messages).toEqual(expect.arrayContaining([expect.stringContaining("garbage/1/model.onnx")]));
  expect(() => repository.resolve("garbage", "")).toThrow(expect.objectContaining({ kind: "unavailable", message: expect.not.stringContaining(dir) }));
  await repository.close();
});

test("a models dir that does not exist fails the load with its path", async () => {
  await expect(createModelRepository({ dir: join(dir, "missing") }).load()).rejects.toThrow(join(dir, "missing"));
});
