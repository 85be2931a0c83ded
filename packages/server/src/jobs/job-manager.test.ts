import { readdir } from "node:fs/promises";
import { JobStage, type JobUpdate } from "@inferd/grpc-types/v1";
import { parseFileUri } from "../files/uri";
import type { TaskParameters } from "../tasks/types";
import { createJobFixture, type JobFixture } from "./__tests__/job-fixture";
import type { Job } from "./job";
import type { JobManager } from "./job-manager";

const parameters: TaskParameters = { confidenceThreshold: 0, iouThreshold: 0.5, maxResults: 1, returnMask: false };
const submit = (manager: JobManager, imageUris: string[], project = "demo"): Promise<Job> =>
  manager.submit({ project, model: "colors", version: "1", imageUris, parameters });

/** Resolves with the first update of `job` that `matches`. */
function reached(manager: JobManager, job: Job, matches: (update: JobUpdate) => boolean): Promise<JobUpdate> {
  return new Promise((resolve) => {
    const detach = manager.watch(job.spec.id, (update) => {
      if (!matches(update)) return;
      resolve(update);
      queueMicrotask(() => detach());
    });
  });
}

let f: JobFixture;
beforeEach(async () => (f = await createJobFixture()));
afterEach(async () => f.close());

test("the queue limit holds when 50 submissions arrive at once (queue size 10: exactly 10 accepted)", async () => {
  await f.store.writeFile("demo", "gate/a.png", await f.red());
  await f.store.writeFile("demo", "b.png", await f.red());
  const manager = await f.manager({ queueSize: 10 });
  const first = await submit(manager, ["inferd://demo/gate/a.png"]);
  await reached(manager, first, (u) => u.stage === JobStage.PREPROCESS); // the one worker is busy
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => submit(manager, ["inferd://demo/b.png"])));
  const accepted = results.filter((r) => r.status === "fulfilled");
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  expect(accepted).toHaveLength(10);
  expect(refused).toHaveLength(40);
  for (const r of refused) expect(r.reason).toMatchObject({ kind: "resource-exhausted" });
  // Refused submissions left no journal behind; accepted ones all run once the worker is free.
  expect((await readdir(f.journalDir)).length).toBe(11);
  f.gate.release();
  for (const r of accepted) expect(await (r as PromiseFulfilledResult<Job>).value.ended).toBe(JobStage.DONE);
});

test("CancelJob during a job's last image answers DONE, the stage the job really ends in", async () => {
  await f.store.writeFile("demo", "a.png", await f.red());
  await f.store.writeFile("demo", "gate/last.png", await f.red());
  const manager = await f.manager();
  const job = await submit(manager, ["inferd://demo/a.png", "inferd://demo/gate/last.png"]);
  await reached(manager, job, (u) => u.stage === JobStage.PREPROCESS && u.imageIndex === 1);
  const answer = manager.cancel(job.spec.id);
  f.gate.release();
  expect(await answer).toBe(JobStage.DONE);
  expect(job.current).toMatchObject({ stage: JobStage.DONE, summary: { imagesTotal: 2, imagesSucceeded: 2 } });
});

test("CancelJob before the last image answers CANCELLED once the job has stopped; the request survives a restart", async () => {
  await f.store.writeFile("demo", "gate/a.png", await f.red());
  await f.store.writeFile("demo", "b.png", await f.red());
  const manager = await f.manager();
  const job = await submit(manager, ["inferd://demo/gate/a.png", "inferd://demo/b.png"]);
  await reached(manager, job, (u) => u.stage === JobStage.PREPROCESS);
  let answered = false;
  const answer = manager.cancel(job.spec.id).then((stage) => ((answered = true), stage));
  // Watchers hear of the request (the journal has it first) while the image is still in hand.
  await reached(manager, job, (u) => u.stage === JobStage.PREPROCESS && u.message !== "");
  expect(answered).toBe(false);
  const replayed = await f.journal().replay();
  expect(replayed.find((r) => r.spec.id === job.spec.id)?.cancelRequested).toBe(true);
  f.gate.release();
  expect(await answer).toBe(JobStage.CANCELLED);
  expect(job.current).toMatchObject({ stage: JobStage.CANCELLED, summary: { imagesSucceeded: 1 } });
});

test("a cancel recorded before a crash is honoured when the job is resumed", async () => {
  await f.store.writeFile("demo", "b.png", await f.red());
  const journal = f.journal();
  const id = journal.newId();
  const spec = { id, project: "demo", model: "colors", version: "1", imageUris: ["inferd://demo/b.png"], parameters, createdAt: new Date().toISOString() };
  await journal.append(id, { type: "created", spec });
  await journal.append(id, { type: "started", at: spec.createdAt });
  await journal.append(id, { type: "cancel", at: spec.createdAt });
  const manager = await f.manager();
  const job = manager.find(id);
  expect(await job?.ended).toBe(JobStage.CANCELLED);
  expect(job?.summary().imagesSucceeded).toBe(0);
});

test("results of images with 251-255-byte names, and of an image listed twice, are all stored, each in its own file", async () => {
  const names = [
    `${"a".repeat(247)}.png`, // 251 bytes
    `${"b".repeat(251)}.png`, // 255 bytes
    `${"é".repeat(125)}.png`, // 254 bytes, 2-byte characters
    `${"d".repeat(200)}/${"e".repeat(200)}/${"f".repeat(200)}/${"g".repeat(200)}/${"h".repeat(195)}.png`, // 1,019-byte path
    "dup.png",
  ];
  for (const name of names) await f.store.writeFile("demo", name, await f.red());
  const manager = await f.manager();
  const uris = [...names, "dup.png"].map((name) => `inferd://demo/${name}`);
  const updates: JobUpdate[] = [];
  const job = await submit(manager, uris);
  manager.watch(job.spec.id, (u) => updates.push(u));
  expect(await job.ended).toBe(JobStage.DONE);
  expect(job.summary()).toMatchObject({ imagesTotal: 6, imagesSucceeded: 6, imagesFailed: 0 });
  const resultUris = updates.filter((u) => u.resultUri !== "").map((u) => [u.imageIndex, u.resultUri] as const);
  expect(resultUris.map(([index]) => index)).toEqual([0, 1, 2, 3, 4, 5]);
  expect(new Set(resultUris.map(([, uri]) => uri)).size).toBe(6);
  for (const [index, uri] of resultUris) {
    const { path } = parseFileUri(uri);
    expect(path.startsWith(`results/${job.spec.id}/`)).toBe(true);
    const stored = JSON.parse((await f.store.readFile("demo", path)).toString("utf8")) as { imageUri: string; results: { label: string }[] };
    expect(stored.imageUri).toBe(uris[index]);
    expect(stored.results[0]?.label).toBe("red");
  }
  // Names that fit keep the documented layout.
  expect(resultUris[4]?.[1]).toBe(`inferd://demo/results/${job.spec.id}/dup.png.json`);
});

test("finished jobs are dropped with their journal after the retention; results stay; a restart drops expired ones too", async () => {
  await f.store.writeFile("demo", "a.png", await f.red());
  await f.store.writeFile("demo", "gate/b.png", await f.red());
  let clock = Date.parse("2026-06-01T00:00:00Z");
  const retentionMs = 3_600_000;
  const manager = await f.manager({ retentionMs, now: () => clock });
  const done = await submit(manager, ["inferd://demo/a.png"]);
  expect(await done.ended).toBe(JobStage.DONE);
  const outcome = done.images.get(0);
  const resultPath = parseFileUri(outcome?.ok ? outcome.resultUri : "").path;
  clock += 1000; // created later: listed first
  const running = await submit(manager, ["inferd://demo/gate/b.png"]);
  await reached(manager, running, (u) => u.stage === JobStage.PREPROCESS);

  const endedAt = done.endedAt?.getTime() ?? 0;
  clock = endedAt + retentionMs - 1;
  expect(await manager.sweep()).toBe(0);
  expect(manager.list("demo", 0, "").jobs.map((j) => j.jobId)).toEqual([running.spec.id, done.spec.id]);
  expect(manager.list("demo", 0, "").jobs[1]?.expireTime?.getTime()).toBe(endedAt + retentionMs);
  clock = endedAt + retentionMs;
  expect(await manager.sweep()).toBe(1);
  expect(manager.find(done.spec.id)).toBeUndefined();
  expect(() => manager.watch(done.spec.id, () => undefined)).toThrow(expect.objectContaining({ kind: "not-found" }));
  expect(manager.list("demo", 0, "").jobs.map((j) => j.jobId)).toEqual([running.spec.id]);
  expect((await readdir(f.journalDir)).sort()).toEqual([`${running.spec.id}.jsonl`]);
  expect(await f.store.stat("demo", resultPath)).toBeDefined();
  // A running job is never dropped, however old.
  clock += 100 * retentionMs;
  expect(await manager.sweep()).toBe(0);
  f.gate.release();
  expect(await running.ended).toBe(JobStage.DONE);
  await manager.stop();

  // On restart, a job that expired while the server was down is dropped before it is listed.
  clock = (running.endedAt?.getTime() ?? 0) + retentionMs;
  const restarted = await f.manager({ retentionMs, now: () => clock });
  expect(restarted.find(running.spec.id)).toBeUndefined();
  expect(await readdir(f.journalDir)).toEqual([]);
});

test("retention 0 keeps finished jobs forever", async () => {
  await f.store.writeFile("demo", "a.png", await f.red());
  let clock = Date.now();
  const manager = await f.manager({ retentionMs: 0, now: () => clock });
  const job = await submit(manager, ["inferd://demo/a.png"]);
  await job.ended;
  clock += 10 * 365 * 86_400_000;
  expect(await manager.sweep()).toBe(0);
  expect(manager.find(job.spec.id)).toBe(job);
  expect(manager.list("demo", 0, "").jobs[0]?.expireTime).toBeUndefined();
});

test("after a restart ListJobs lists the replayed jobs newest first, and a new job goes on top", async () => {
  await f.store.writeFile("demo", "a.png", await f.red());
  const clock = Date.parse("2026-06-01T00:00:00Z");
  const before = await f.manager({ now: () => clock });
  const first = await submit(before, ["inferd://demo/a.png"]);
  const second = await submit(before, ["inferd://demo/a.png"]);
  await second.ended;
  await before.stop();
  // Even with the clock behind the journal, the new job is newer than every replayed one.
  const after = await f.manager({ now: () => clock - 60_000 });
  const third = await submit(after, ["inferd://demo/a.png"]);
  const listed = after.list("demo", 0, "").jobs;
  expect(listed.map((j) => j.jobId)).toEqual([third.spec.id, second.spec.id, first.spec.id]);
  expect(listed.slice(1).map((j) => j.stage)).toEqual([JobStage.DONE, JobStage.DONE]);
  expect(await third.ended).toBe(JobStage.DONE);
});
