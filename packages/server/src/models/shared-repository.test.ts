import { rm } from "node:fs/promises";
import { addModel } from "./__tests__/tensor-models";
import { tempDir, writeModel } from "./__tests__/tiny-models";
import { createModelRepository } from "./repository";
import { shareRepository } from "./shared-repository";

let dir: string;
beforeEach(async () => (dir = await tempDir("shared-repository")));
afterEach(() => rm(dir, { recursive: true, force: true }));

test("load runs once for every caller; after close, resolve is UNAVAILABLE", async () => {
  await writeModel(dir, "add", {}, addModel());
  const inner = createModelRepository({ dir, runtime: { intraOpThreads: 1 } });
  const load = jest.spyOn(inner, "load");
  const shared = shareRepository(inner);
  expect(shared.loaded()).toBe(false);
  await Promise.all([shared.load(), shared.load()]);
  expect(load).toHaveBeenCalledTimes(1);
  expect(shared.loaded()).toBe(true);
  expect(shared.resolve("add", "").version).toBe("1");
  await shared.close();
  expect(() => shared.resolve("add", "")).toThrow(expect.objectContaining({ kind: "unavailable" }));
});
