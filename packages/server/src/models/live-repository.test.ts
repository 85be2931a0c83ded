import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { removeVersion, replaceFile, replaceOffsetModel, waitFor, writeOffsetVersion } from "./__tests__/offset-model";
import { tempDir } from "./__tests__/tiny-models";
import { createModelRepository, type ModelRepository } from "./repository";
import { loadOnnxModel, type ModelLoader } from "./runtime";

let dir: string;
let repository: ModelRepository | undefined;
beforeEach(async () => (dir = await tempDir("live")));
afterEach(async () => {
  await repository?.close();
  repository = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Runs `x + offset` of the named (or newest) version on [0]; resolves with [version, offset]. */
async function offsetOf(repo: ModelRepository, name: string, version = ""): Promise<[string, number]> {
  const model = repo.resolve(name, version);
  const out = await model.session.runTensors!(new Map([["x", { type: "float32", data: new Float32Array([0]), dims: [1] }]]), ["y"]);
  return [model.version, (out.get("y")?.data as Float32Array)[0] ?? NaN];
}

const states = (repo: ModelRepository, name: string): Array<[string, string]> =>
  repo.list().find((m) => m.name === name)?.versions.map((v) => [v.version, v.state]) ?? [];

test("sync (the poll): a new version loads, a changed model file or config.json reloads, a removed version unloads", async () => {
  await writeOffsetVersion(dir, "m", "1", 10);
  repository = createModelRepository({ dir, runtime: { intraOpThreads: 1 } });
  await repository.load();
  expect(await offsetOf(repository, "m")).toEqual(["1", 10]);

  await writeOffsetVersion(dir, "m", "2", 20);
  await repository.sync();
  expect(states(repository, "m")).toEqual([["2", "ready"], ["1", "ready"]]);
  expect(await offsetOf(repository, "m")).toEqual(["2", 20]);

  await replaceOffsetModel(dir, "m", "2", 21);
  await repository.sync();
  expect(await offsetOf(repository, "m")).toEqual(["2", 21]);
  expect(await offsetOf(repository, "m", "1")).toEqual(["1", 10]);

  await replaceFile(join(dir, "m", "config.json"), JSON.stringify({ task: "tensor", description: "changed" }));
  await repository.sync();
  expect(repository.list().find((m) => m.name === "m")?.config?.description).toBe("changed");
  expect(repository.resolve("m", "1").config.description).toBe("changed");

  await removeVersion(dir, "m", "2");
  await repository.sync();
  expect(states(repository, "m")).toEqual([["1", "ready"]]);
  expect(await offsetOf(repository, "m")).toEqual(["1", 10]);
  expect(() => repository?.resolve("m", "2")).toThrow(expect.objectContaining({ kind: "not-found" }));

  await writeOffsetVersion(dir, "n", "1", 5);
  await repository.sync();
  expect(await offsetOf(repository, "n")).toEqual(["1", 5]);
  await rm(join(dir, "n"), { recursive: true });
  await repository.sync();
  expect(repository.list().map((m) => m.name)).toEqual(["m"]);
  expect(() => repository?.resolve("n", "")).toThrow(expect.objectContaining({ kind: "not-found" }));
});

test("a broken replacement never takes a serving version down; a poll retries it once its file changes", async () => {
  await writeOffsetVersion(dir, "m", "1", 10);
  repository = createModelRepository({ dir, runtime: { intraOpThreads: 1 } });
  await repository.load();
  await replaceFile(join(dir, "m", "1", "model.onnx"), "not an onnx model");
  await repository.sync();
  expect(states(repository, "m")).toEqual([["1", "ready"]]);
  expect(repository.list()[0]?.versions[0]?.message).toMatch(/^reload failed/);
  expect(await offsetOf(repository, "m")).toEqual(["1", 10]);
  // An explicit load of it fails with INVALID_ARGUMENT and names what still serves.
  await expect(repository.loadModel("m")).rejects.toMatchObject({ kind: "invalid-argument" });
  expect(await offsetOf(repository, "m")).toEqual(["1", 10]);

  await replaceFile(join(dir, "m", "config.json"), "{ not json");
  await repository.sync();
  expect(await offsetOf(repository, "m")).toEqual(["1", 10]);

  await writeFile(join(dir, "m", "config.json"), JSON.stringify({ task: "tensor" }));
  await replaceOffsetModel(dir, "m", "1", 11);
  await repository.sync();
  expect(await offsetOf(repository, "m")).toEqual(["1", 11]);
  expect(repository.list()[0]?.versions[0]).toEqual({ version: "1", state: "ready", message: "" });
});

test("startup none lists models as unloaded; loadModel and unloadModel follow the dir; unknown names are NOT_FOUND", async () => {
  await writeOffsetVersion(dir, "m", "1", 10);
  repository = createModelRepository({ dir, startup: "none" });
  await repository.load();
  expect(states(repository, "m")).toEqual([["1", "unloaded"]]);
  expect(() => repository?.resolve("m", "")).toThrow(expect.objectContaining({ kind: "unavailable" }));
  await repository.loadModel("m");
  expect(await offsetOf(repository, "m")).toEqual(["1", 10]);
  await repository.unloadModel("m");
  expect(states(repository, "m")).toEqual([["1", "unloaded"]]);
  expect(() => repository?.resolve("m", "")).toThrow(expect.objectContaining({ kind: "unavailable" }));
  await expect(repository.loadModel("absent")).rejects.toMatchObject({ kind: "not-found" });
  await expect(repository.unloadModel("absent")).rejects.toMatchObject({ kind: "not-found" });
  await expect(repository.loadModel("../m")).rejects.toMatchObject({ kind: "invalid-argument" });
  // A model folder added after start-up loads on request.
  await writeOffsetVersion(dir, "late", "3", 30);
  await repository.loadModel("late");
  expect(await offsetOf(repository, "late")).toEqual(["3", 30]);
});

/** The real onnxruntime session, with every tensor run held until `open()`: a call we control. */
function gatedLoader(): { loader: ModelLoader; started: () => number; open: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started = 0;
  return {
    started: () => started,
    open: () => release(),
    loader: async (path, options) => {
      const session = await loadOnnxModel(path, options);
      const runTensors = session.runTensors!;
      return {
        ...session,
        runTensors: async (feeds, outputs) => {
          started += 1;
          await gate;
          return runTensors(feeds, outputs);
        },
      };
    },
  };
}

test("unloading a busy model stops new calls at once, lets the running one finish, then releases", async () => {
  await writeOffsetVersion(dir, "m", "1", 10);
  const gated = gatedLoader();
  repository = createModelRepository({ dir, startup: "none", loader: gated.loader });
  await repository.load();
  await repository.loadModel("m");
  const events: string[] = [];
  const running = offsetOf(repository, "m").then((answer) => events.push(`call ${answer.join(":")}`));
  await waitFor("the call to start running", () => gated.started() === 1);
  const unloading = repository.unloadModel("m").then(() => events.push("unloaded"));
  await waitFor("the unload to stop new calls", () => states(repository!, "m")[0]?.[1] === "unloaded");
  expect(() => repository?.resolve("m", "")).toThrow(expect.objectContaining({ kind: "unavailable" }));
  gated.open();
  await Promise.all([running, unloading]);
  expect(events).toEqual(["call 1:10", "unloaded"]);
});

test("a reload while a call runs: the call finishes on the old model, later calls run on the new one", async () => {
  await writeOffsetVersion(dir, "m", "1", 10);
  const gated = gatedLoader();
  repository = createModelRepository({ dir, loader: gated.loader });
  await repository.load();
  const first = offsetOf(repository, "m");
  await waitFor("the call to start running", () => gated.started() === 1);
  await replaceOffsetModel(dir, "m", "1", 11);
  await repository.sync();
  const second = offsetOf(repository, "m");
  gated.open();
  expect(await first).toEqual(["1", 10]);
  expect(await second).toEqual(["1", 11]);
});
