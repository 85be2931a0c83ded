import { ConfigError, parseBinaryConfig } from "./flags";

// Kept apart from flags.test.ts so parallel edits of the flag table merge cleanly.
test("jobs are embedded by default; --redis / INFERD_REDIS switch the job engine to Redis", () => {
  expect(parseBinaryConfig([], {}).server.inference?.jobRedis).toBeUndefined();
  expect(parseBinaryConfig(["--redis", "redis://10.0.0.5:6379/2"], {}).server.inference?.jobRedis).toEqual({ url: "redis://10.0.0.5:6379/2" });
  expect(parseBinaryConfig([], { INFERD_REDIS: "rediss://cache:6380", INFERD_REDIS_LOCK_MS: "5000" }).server.inference?.jobRedis).toEqual({
    url: "rediss://cache:6380",
    lockMs: 5000,
  });
});

test.each([["localhost:6379"], ["http://redis:6379"], [""]])("--redis %j is refused (a redis:// URL is needed)", (url) => {
  expect(() => parseBinaryConfig(["--redis", url], {})).toThrow(ConfigError);
});

test("--redis-lock-ms below 500 ms is refused", () => {
  expect(() => parseBinaryConfig(["--redis", "redis://r:6379", "--redis-lock-ms", "100"], {})).toThrow(ConfigError);
});
