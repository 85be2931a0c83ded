// The jest preset of @inferd/test-harness: `preset: "@inferd/test-harness"` in a jest config.
// It brings the harness's test environment (host-realm typed arrays for onnxruntime-node) and
// compiles TypeScript tests with @swc/jest.
// Keys a project sets itself (testMatch, roots, testTimeout, ...) override these.
module.exports = {
  testEnvironment: require.resolve("./jest-environment.cjs"),
  transform: {
    "^.+\\.[cm]?tsx?$": [
      require.resolve("@swc/jest"),
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
        sourceMaps: "inline",
      },
    ],
  },
  moduleFileExtensions: ["ts", "tsx", "cts", "mts", "js", "cjs", "mjs", "json", "node"],
};
