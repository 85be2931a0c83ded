import { ConfigError, parseBinaryConfig } from "./flags";

// Kept apart from flags.test.ts so parallel edits of the flag table merge cleanly.
test.each([
  ["7d", 7 * 86_400_000],
  ["12h", 12 * 3_600_000],
  ["30m", 30 * 60_000],
  ["45s", 45_000],
  ["0", 0],
])("--job-retention %s is %d ms", (text, ms) => {
  expect(parseBinaryConfig(["--job-retention", text], {}).server.inference?.jobRetentionMs).toBe(ms);
});

test("INFERD_JOB_RETENTION applies; unset leaves the default to the job manager", () => {
  expect(parseBinaryConfig([], { INFERD_JOB_RETENTION: "2d" }).server.inference?.jobRetentionMs).toBe(2 * 86_400_000);
  expect(parseBinaryConfig([], {}).server.inference?.jobRetentionMs).toBeUndefined();
});

test.each([["7"], ["7w"], ["-1d"], ["1.5d"], ["d"], ["99999d"]])("--job-retention %s is refused", (text) => {
  expect(() => parseBinaryConfig(["--job-retention", text], {})).toThrow(ConfigError);
});
