import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { classifierModel, tempDir, writeModel } from "./__tests__/tiny-models";
import { loadWorkerSession } from "./worker-runtime";

function threadsWithNice(nice: number): number {
  let count = 0;
  for (const task of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) === nice) count++;
    } catch {
      // ended meanwhile
    }
  }
  return count;
}

const linux = process.platform === "linux" ? test : test.skip;

linux("a model's worker thread and onnxruntime's pool run at the nice value asked for; the main thread keeps its own", async () => {
  const dir = await tempDir("worker-nice");
  await writeModel(dir, "colors", {}, classifierModel(32));
  const nice = 13; // a value nothing else in this process uses
  expect(threadsWithNice(nice)).toBe(0);
  const session = await loadWorkerSession(join(dir, "colors", "1", "model.onnx"), { intraOpThreads: 2, interOpThreads: 1, threadNice: nice });
  try {
    expect(threadsWithNice(nice)).toBeGreaterThanOrEqual(2); // the worker and at least one pool thread
    const main = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    expect(Number(main.slice(main.lastIndexOf(")") + 2).split(" ")[16])).not.toBe(nice);
  } finally {
    await session.release();
    await rm(dir, { recursive: true, force: true });
  }
});
