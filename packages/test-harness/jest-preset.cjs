// The jest preset of @inferd/test-harness: `preset: "@inferd/test-harness"` in a jest config.
// It brings the harness's test environment (host-realm typed arrays for onnxruntime-node) and
// compiles TypeScript tests with @swc/jest.
// TypeScript projects on `moduleResolution: "nodenext"` write relative imports with the
// extension of the compiled file (`import { x } from "./my-service.js"` for my-service.ts);
// moduleNameMapper drops a relative `.js` suffix so jest finds the .ts source (a real .js file
// is still found: "./x" resolves through moduleFileExtensions). This is ts-jest's ESM recipe.
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
  moduleNameMapper: {
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  moduleFileExtensions: ["ts", "tsx", "cts", "mts", "js", "cjs", "mjs", "json", "node"],
};
