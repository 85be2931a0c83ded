import { ConfigError, parseBinaryConfig } from "./flags";

// Kept apart from flags.test.ts so parallel edits of the flag table merge cleanly.
test("--studio-session-ttl and INFERD_STUDIO_SESSION_TTL set the session idle TTL; unset keeps the default", () => {
  expect(parseBinaryConfig(["--studio-session-ttl", "30m"], {}).server.studioSessionTtlMs).toBe(30 * 60_000);
  expect(parseBinaryConfig([], { INFERD_STUDIO_SESSION_TTL: "2h" }).server.studioSessionTtlMs).toBe(2 * 3_600_000);
  expect(parseBinaryConfig([], {}).server.studioSessionTtlMs).toBeUndefined();
});

test.each([["0"], ["7w"], ["-1h"], ["h"]])("--studio-session-ttl %s is refused", (text) => {
  expect(() => parseBinaryConfig(["--studio-session-ttl", text], {})).toThrow(ConfigError);
});
