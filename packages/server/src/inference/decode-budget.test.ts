import { InferdError } from "../errors";
import { createDecodeBudget } from "./decode-budget";

test("a reservation larger than the whole budget is refused at once with resource-exhausted", async () => {
  const budget = createDecodeBudget(1000);
  await expect(budget.reserve(1001)).rejects.toMatchObject({ kind: "resource-exhausted" });
  expect(budget.reserved).toBe(0);
});

test("reservations wait while the budget is taken and are granted in order as it is released", async () => {
  const budget = createDecodeBudget(1000);
  const first = await budget.reserve(600);
  const granted: string[] = [];
  const big = budget.reserve(900).then((release) => (granted.push("big"), release));
  const small = budget.reserve(100).then((release) => (granted.push("small"), release));
  // 100 would fit now, but it must not overtake the larger request queued before it.
  await Promise.resolve();
  expect(granted).toEqual([]);
  expect(budget.reserved).toBe(600);
  first();
  const releaseBig = await big;
  const releaseSmall = await small;
  expect(granted).toEqual(["big", "small"]);
  expect(budget.reserved).toBe(1000);
  releaseBig();
  releaseBig();
  releaseSmall();
  expect(budget.reserved).toBe(0);
});

test("a waiting reservation whose signal aborts rejects with the reason and never holds bytes", async () => {
  const budget = createDecodeBudget(1000);
  const held = await budget.reserve(1000);
  const controller = new AbortController();
  const waiting = budget.reserve(500, controller.signal);
  controller.abort(new InferdError("cancelled", "gone"));
  await expect(waiting).rejects.toMatchObject({ kind: "cancelled" });
  held();
  expect(budget.reserved).toBe(0);
});
