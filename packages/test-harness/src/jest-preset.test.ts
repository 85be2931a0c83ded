import { existsSync } from "node:fs";

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
});
