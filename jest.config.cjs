/** Root jest config: every package's tests and the cross-package suites. */
module.exports = {
  // Node environment with the host realm's typed arrays, so onnxruntime-node tensors work.
  testEnvironment: "<rootDir>/packages/test-harness/jest-environment.cjs",
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
        sourceMaps: "inline",
      },
    ],
  },
  testMatch: ["<rootDir>/packages/*/src/**/*.test.ts", "<rootDir>/tools/**/*.test.ts", "<rootDir>/tests/**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "<rootDir>/tools/release/consumer/"],
  modulePathIgnorePatterns: ["<rootDir>/packages/[^/]+/dist/.*\\.test\\."],
  testTimeout: 30000,
  maxWorkers: 2,
  reporters: ["default", "<rootDir>/tools/jest-summary-reporter.cjs"],
};
