/** How a test server carries calls: over real HTTP/2 on 127.0.0.1, or in-process. */
export type TestMode = "real" | "fake";

/** Both modes, for `describe.each(TEST_MODES)` in suites that must hold in each. */
export const TEST_MODES: readonly TestMode[] = ["real", "fake"];

/** The environment variable that picks the mode for a whole run (`INFERD_TEST_MODE=fake jest`). */
export const TEST_MODE_ENV = "INFERD_TEST_MODE";

/**
 * The mode a test server uses when its options name none: `INFERD_TEST_MODE` if set, else "real".
 * An unknown value throws, so a typo cannot silently run the suite the other way.
 */
export function defaultTestMode(env: NodeJS.ProcessEnv = process.env): TestMode {
  const value = env[TEST_MODE_ENV];
  if (value === undefined || value === "") return "real";
  if (value === "real" || value === "fake") return value;
  throw new Error(`${TEST_MODE_ENV}="${value}" is not a test mode; use "real" or "fake"`);
}
