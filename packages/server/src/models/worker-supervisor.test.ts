/**
 * A model worker thread that exits is restarted. Real onnxruntime in real worker threads
 * (a tiny classifier written to a temp dir); the crash is a real process.exit inside the
 * worker. Each wait is for a health event, never for time.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { classifierModel, tempDir, writeModel } from "./__tests__/tiny-models";
import type { SessionHealth } from "./runtime";
import { loadWorkerSession } from "./worker-runtime";
import { superviseWorker, type SupervisedSession, type SupervisorOptions } from "./worker-supervisor";

const RUNTIME = { intraOpThreads: 1, interOpThreads: 1 };
const INPUT = { data: new Float32Array(3 * 32 * 32).fill(0.5), dims: [1, 3, 32, 32] };

let dir: string;
let session: SupervisedSession | undefined;
beforeEach(async () => {
  dir = await tempDir("supervisor");
  await writeModel(dir, "colors", {}, classifierModel(32));
});
afterEach(async () => {
  await session?.release();
  session = undefined;
  await rm(dir, { recursive: true, force: true });
});

const modelPath = (): string => join(dir, "colors", "1", "model.onnx");
const run = (s: SupervisedSession): Promise<unknown> => s.run("x", { data: INPUT.data.slice(), dims: INPUT.dims }, ["logits"]);

/** Resolves with the health states reported until (and including) `last`. */
function healthUntil(s: SupervisedSession, last: SessionHealth["state"]): Promise<SessionHealth["state"][]> {
  const seen: SessionHealth["state"][] = [];
  return new Promise((resolve) => {
    const stop = s.onHealth((health) => {
      seen.push(health.state);
      if (health.state === last) {
        stop();
        resolve(seen);
      }
    });
  });
}

async function supervise(options: SupervisorOptions): Promise<SupervisedSession> {
  session = await superviseWorker(modelPath(), RUNTIME, options);
  return session;
}

test("a worker that exits is restarted and the model answers again; meanwhile it reports restarting and refuses as unavailable", async () => {
  // Restarts wait for the test's go-ahead, so the restarting state can be observed.
  let allowRestart!: () => void;
  const restartAllowed = new Promise<void>((resolve) => (allowRestart = resolve));
  let starts = 0;
  const s = await supervise({
    firstBackoffMs: 1,
    start: async (path, runtime) => {
      if (starts++ > 0) await restartAllowed;
      return loadWorkerSession(path, runtime);
    },
  });
  await expect(run(s)).resolves.toBeInstanceOf(Map);

  const restarting = healthUntil(s, "restarting");
  s.crash(70);
  expect(await restarting).toEqual(["restarting"]);
  expect(s.health().message).toMatch(/code 70/);
  await expect(run(s)).rejects.toMatchObject({ kind: "unavailable" });

  const ready = healthUntil(s, "ready");
  allowRestart();
  expect(await ready).toEqual(["ready"]);
  await expect(run(s)).resolves.toBeInstanceOf(Map);
  expect(starts).toBe(2);

  // And again: it is not a one-off.
  const readyAgain = healthUntil(s, "ready");
  s.crash(1);
  await readyAgain;
  await expect(run(s)).resolves.toBeInstanceOf(Map);
});

test("restarts are bounded: a worker that cannot come back leaves the model failed", async () => {
  const s = await supervise({ firstBackoffMs: 1, maxBackoffMs: 4, maxRestarts: 3 });
  await rm(modelPath()); // every restart now fails to load
  const failed = healthUntil(s, "failed");
  s.crash(70);
  expect(await failed).toEqual(["restarting", "restarting", "restarting", "failed"]);
  await expect(run(s)).rejects.toMatchObject({ kind: "unavailable" });
});

test("a call sent to a worker that exits fails as unavailable, not as an internal error", async () => {
  const s = await supervise({ firstBackoffMs: 1 });
  const restarting = healthUntil(s, "restarting");
  const ready = healthUntil(s, "ready");
  // The worker handles its messages in order: the exit comes before the run.
  s.crash(70);
  const inFlight = run(s);
  await restarting;
  await expect(inFlight).rejects.toMatchObject({ kind: "unavailable" });
  await ready;
  await expect(run(s)).resolves.toBeInstanceOf(Map);
});
