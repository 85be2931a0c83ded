import { InferdError } from "../errors";
import { createAdmission } from "./admission";

const cancelled = (): AbortController => new AbortController();

test("runs up to maxInFlight at once, queues up to maxQueued, and refuses the next with resource-exhausted", async () => {
  const admission = createAdmission({ maxInFlight: 2, maxQueued: 1 });
  const first = await admission.admit("m");
  await admission.admit("m");
  const queued = admission.admit("m");
  expect(admission.stats("m")).toEqual({ inFlight: 2, queued: 1 });
  await expect(admission.admit("m")).rejects.toMatchObject({ kind: "resource-exhausted" });
  // Another key has its own slots.
  await expect(admission.admit("other")).resolves.toBeInstanceOf(Function);
  first();
  first(); // a second release of the same slot changes nothing
  await expect(queued).resolves.toBeInstanceOf(Function);
  expect(admission.stats("m")).toEqual({ inFlight: 2, queued: 0 });
});

test("a waiting call whose signal aborts leaves the queue, rejects with the reason and is never admitted", async () => {
  const admission = createAdmission({ maxInFlight: 1, maxQueued: 2 });
  const running = await admission.admit("m");
  const controller = cancelled();
  const admitted: string[] = [];
  const waiting = admission.admit("m", controller.signal).then((release) => {
    admitted.push("aborted one");
    release();
  });
  const next = admission.admit("m").then((release) => {
    admitted.push("next");
    return release;
  });
  controller.abort(new InferdError("cancelled", "gone"));
  await expect(waiting).rejects.toMatchObject({ kind: "cancelled" });
  expect(admission.stats("m")).toEqual({ inFlight: 1, queued: 1 });
  running();
  (await next)();
  expect(admitted).toEqual(["next"]);
  expect(admission.stats("m")).toEqual({ inFlight: 0, queued: 0 });
});

test("an already aborted signal is refused with its reason before taking a slot", async () => {
  const admission = createAdmission({ maxInFlight: 1, maxQueued: 0 });
  const controller = cancelled();
  controller.abort(new InferdError("deadline-exceeded", "late"));
  await expect(admission.admit("m", controller.signal)).rejects.toMatchObject({ kind: "deadline-exceeded" });
  expect(admission.stats("m")).toEqual({ inFlight: 0, queued: 0 });
});

test("waiters are admitted first come, first served", async () => {
  const admission = createAdmission({ maxInFlight: 1, maxQueued: 3 });
  const order: number[] = [];
  let release = await admission.admit("m");
  const waiters = [1, 2, 3].map((n) => admission.admit("m").then((r) => (order.push(n), r)));
  for (const waiter of waiters) {
    release();
    release = await waiter;
  }
  release();
  expect(order).toEqual([1, 2, 3]);
});
