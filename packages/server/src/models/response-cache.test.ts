import fc from "fast-check";
import { Registry } from "prom-client";
import { registerResponseCacheMetrics } from "../metrics/response-cache-metrics";
import { parseModelConfig } from "./config";
import type { ResolvedModel } from "./repository";
import { createResponseCache, digestOf, type ResponseCache } from "./response-cache";
import type { ModelSession } from "./runtime";

// The cache only reads a resolved model's name, version, generation and config: these tests
// never run the session (pipeline-cache.test.ts and the OIP tests run real models).
const session: ModelSession = {
  inputs: [],
  outputs: [],
  run: () => Promise.reject(new Error("the cache never runs a model")),
  release: () => Promise.resolve(),
};

function model(name: string, version: string, generation: number, cache: { enable?: boolean; max_bytes?: number } = { enable: true }): ResolvedModel {
  return { name, version, generation, config: parseModelConfig({ response_cache: cache }), session, inputName: "x", outputNames: [] };
}

/** Counts compute calls, so a test can tell a hit (no call) from a miss. */
function computing(cache: ResponseCache) {
  const space = cache.space<string>("test");
  let computed = 0;
  return {
    get computed() {
      return computed;
    },
    through: (m: ResolvedModel, digest: string, value: string, bytes = 100) =>
      space.through(m, digest, () => {
        computed += 1;
        return Promise.resolve({ value, bytes });
      }),
  };
}

test("an identical key is answered from the cache; another version, generation, digest or space is not", async () => {
  const cache = createResponseCache({ maxBytes: 1 << 20 });
  const c = computing(cache);
  const v1 = model("m", "1", 1);
  expect(await c.through(v1, "d", "first")).toEqual({ value: "first", hit: false });
  expect(await c.through(v1, "d", "second")).toEqual({ value: "first", hit: true });
  expect(c.computed).toBe(1);

  expect(await c.through(model("m", "2", 2), "d", "v2")).toEqual({ value: "v2", hit: false });
  expect(await c.through(model("other", "1", 3), "d", "other")).toEqual({ value: "other", hit: false });
  expect(await c.through(v1, "e", "e")).toEqual({ value: "e", hit: false });
  const otherSpace = await cache.space<string>("other").through(v1, "d", () => Promise.resolve({ value: "other space", bytes: 1 }));
  expect(otherSpace).toEqual({ value: "other space", hit: false });
  expect(await c.through(v1, "d", "third")).toEqual({ value: "first", hit: true });
});

test("a reload (new generation of the same version) never answers from the earlier load, and drops its entries", async () => {
  const cache = createResponseCache({ maxBytes: 1 << 20 });
  const c = computing(cache);
  const before = model("m", "1", 1);
  await c.through(before, "d", "old model");
  const entriesBefore = cache.entries();
  const after = model("m", "1", 2);
  expect(await c.through(after, "d", "new model")).toEqual({ value: "new model", hit: false });
  expect(await c.through(after, "d", "again")).toEqual({ value: "new model", hit: true });
  // The earlier load's entry is gone, not merely unreachable.
  expect(cache.entries()).toBe(entriesBefore);
  // A call resolved before the reload that finishes after it neither reads nor stores.
  expect(await c.through(before, "d", "late")).toEqual({ value: "late", hit: false });
  expect(await c.through(before, "x", "late x")).toEqual({ value: "late x", hit: false });
  expect(await c.through(after, "x", "fresh x")).toEqual({ value: "fresh x", hit: false });
});

test("a model without response_cache.enable, or a server bound of 0, computes every time and counts nothing", async () => {
  const off = model("m", "1", 1, {});
  const c = computing(createResponseCache({ maxBytes: 1 << 20 }));
  await c.through(off, "d", "a");
  expect(await c.through(off, "d", "b")).toEqual({ value: "b", hit: false });
  const zero = createResponseCache({ maxBytes: 0 });
  const z = computing(zero);
  await z.through(model("m", "1", 1), "d", "a");
  expect(await z.through(model("m", "1", 1), "d", "b")).toEqual({ value: "b", hit: false });
  expect(zero.counters.get("m", "1")).toEqual({ hits: { count: 0n, ns: 0n }, misses: { count: 0n, ns: 0n } });
});

test("hits and misses are counted per model version, with their time; a failed compute is a miss that stores nothing", async () => {
  const cache = createResponseCache({ maxBytes: 1 << 20 });
  const c = computing(cache);
  const v1 = model("m", "1", 1);
  await c.through(v1, "a", "a");
  await c.through(v1, "a", "a");
  await c.through(v1, "a", "a");
  await c.through(v1, "b", "b");
  await expect(cache.space<string>("test").through(v1, "c", () => Promise.reject(new Error("model failed")))).rejects.toThrow("model failed");
  const counts = cache.counters.get("m", "1");
  expect(counts.hits.count).toBe(2n);
  expect(counts.misses.count).toBe(3n);
  expect(counts.hits.ns).toBeGreaterThan(0n);
  expect(counts.misses.ns).toBeGreaterThan(0n);
  expect(cache.counters.get("m", "2").hits.count).toBe(0n);
  expect(await c.through(v1, "c", "c")).toEqual({ value: "c", hit: false });
});

test("an entry larger than the model's bound is not stored, and evictions keep the older entries out", async () => {
  const cache = createResponseCache({ maxBytes: 10_000 });
  const c = computing(cache);
  const small = model("m", "1", 1, { enable: true, max_bytes: 2_000 });
  await c.through(small, "huge", "huge", 5_000);
  expect(await c.through(small, "huge", "again", 5_000)).toEqual({ value: "again", hit: false });
  expect(cache.bytes("m")).toBe(0);
  // Three entries of ~600 bytes (+ overhead) do not fit in 2,000: the least recently used goes.
  await c.through(small, "a", "a", 600);
  await c.through(small, "b", "b", 600);
  await c.through(small, "c", "c", 600);
  expect(cache.bytes("m")).toBeLessThanOrEqual(2_000);
  expect((await c.through(small, "c", "c2", 600)).hit).toBe(true);
  expect((await c.through(small, "a", "a2", 600)).hit).toBe(false);
});

test("property: any sequence of requests and reloads stays within both bounds and only ever answers with its own key's value", async () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("infer" as const), model: fc.integer({ min: 0, max: 2 }), version: fc.constantFrom("1", "2"), digest: fc.integer({ min: 0, max: 12 }), bytes: fc.integer({ min: 0, max: 4_000 }) }),
    fc.record({ kind: fc.constant("reload" as const), model: fc.integer({ min: 0, max: 2 }), version: fc.constantFrom("1", "2") }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
      const total = 12_000;
      const caps = [3_000, 0, 8_000]; // model 1 is bounded by the server-wide bound only
      const cache = createResponseCache({ maxBytes: total });
      const space = cache.space<string>("p");
      const generations = new Map<string, number>();
      let nextGeneration = 1;
      const generationOf = (key: string): number => {
        let g = generations.get(key);
        if (g === undefined) generations.set(key, (g = nextGeneration++));
        return g;
      };
      for (const o of ops) {
        const name = `m${o.model}`;
        const key = `${name}/${o.version}`;
        if (o.kind === "reload") {
          generations.set(key, nextGeneration++);
          continue;
        }
        const resolved = model(name, o.version, generationOf(key), { enable: true, max_bytes: caps[o.model] ?? 0 });
        const own = `${key}/${resolved.generation}/${o.digest}`;
        const { value } = await space.through(resolved, String(o.digest), () => Promise.resolve({ value: own, bytes: o.bytes }));
        expect(value).toBe(own);
        expect(cache.bytes()).toBeLessThanOrEqual(total);
        caps.forEach((cap, i) => expect(cache.bytes(`m${i}`)).toBeLessThanOrEqual(cap || total));
        expect(cache.bytes("m0") + cache.bytes("m1") + cache.bytes("m2")).toBe(cache.bytes());
      }
    }),
    { numRuns: 200 },
  );
});

test("digestOf separates its parts: moving a byte from one part to the next changes the digest", () => {
  expect(digestOf([Buffer.from("ab"), Buffer.from("c")])).not.toBe(digestOf([Buffer.from("a"), Buffer.from("bc")]));
  expect(digestOf(["x"])).toBe(digestOf([Buffer.from("x")]));
});

test("Prometheus: hits and misses by model and version, bytes and entries held", async () => {
  const cache = createResponseCache({ maxBytes: 1 << 20 });
  const registry = new Registry();
  registerResponseCacheMetrics(registry, cache);
  const c = computing(cache);
  await c.through(model("m", "1", 1), "a", "a", 1_000);
  await c.through(model("m", "1", 1), "a", "a", 1_000);
  const text = await registry.metrics();
  expect(text).toContain('inferd_response_cache_hits_total{model="m",version="1"} 1');
  expect(text).toContain('inferd_response_cache_misses_total{model="m",version="1"} 1');
  expect(text).toMatch(/^inferd_response_cache_entries 1$/m);
  expect(text).toMatch(new RegExp(`^inferd_response_cache_bytes ${cache.bytes()}$`, "m"));
  expect(cache.bytes()).toBeGreaterThan(1_000);
});
