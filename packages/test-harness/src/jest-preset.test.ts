import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

describe("@inferd/test-harness/jest-preset", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const preset = require("@inferd/test-harness/jest-preset") as {
    testEnvironment: string;
    transform: Record<string, [string, unknown]>;
  };

  test("points at the harness test environment by absolute path", () => {
    expect(preset.testEnvironment).toMatch(/jest-environment\.cjs$/);
    expect(existsSync(preset.testEnvironment)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require(preset.testEnvironment)).toBe(require("@inferd/test-harness/jest-environment"));
  });

  test("compiles TypeScript with @swc/jest resolved from the harness itself", () => {
    const [transformer] = Object.values(preset.transform)[0] ?? [];
    expect(transformer).toBe(require.resolve("@swc/jest"));
  });

  test("resolves nodenext-style relative imports ('./x.js' names x.ts) in a jest run with the preset", async () => {
    const fixtures = join(__dirname, "__tests__", "fixtures");
    const args = [require.resolve("jest/bin/jest"), "--config", join(fixtures, "jest.config.example.cjs"), "--testMatch", "<rootDir>/esm-import.fixture.ts", "--ci", "--json"];
    const run = await promisify(execFile)(process.execPath, args, { cwd: fixtures }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ numPassedTests: 1, numFailedTests: 0 });
  });
});
