import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GrpcInternalsError, installedGrpcJsVersion, loadPerRequestMetricRecorder, SUPPORTED_GRPC_JS_RANGE } from "./grpc-internals";

// Issue #10 item 21: the harness required a grpc-js internal file at import, unguarded.
const missingModule = (): never => {
  throw Object.assign(new Error("Cannot find module '@grpc/grpc-js/build/src/orca'"), { code: "MODULE_NOT_FOUND" });
};

test("the installed grpc-js has the recorder fake mode uses", () => {
  const Recorder = loadPerRequestMetricRecorder();
  expect(typeof new Recorder().recordRequestCostMetric).toBe("function");
});

test("a grpc-js without the internal file gives a GrpcInternalsError naming the supported range", () => {
  const attempt = (): unknown => loadPerRequestMetricRecorder(missingModule);
  expect(attempt).toThrow(GrpcInternalsError);
  expect(attempt).toThrow(expect.objectContaining({ supportedRange: SUPPORTED_GRPC_JS_RANGE }));
});

test("a grpc-js whose internal file lacks the class gives the same error", () => {
  expect(() => loadPerRequestMetricRecorder(() => ({}))).toThrow(GrpcInternalsError);
});

test("every package pins @grpc/grpc-js to the range fake mode is proven with, and the installed one is in it", () => {
  const root = join(__dirname, "..", "..", "..", "..");
  for (const name of ["packages/client", "packages/grpc-types", "packages/server", "packages/test-harness", "tools/bench"]) {
    const manifest = JSON.parse(readFileSync(join(root, name, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const range = manifest.dependencies?.["@grpc/grpc-js"] ?? manifest.peerDependencies?.["@grpc/grpc-js"];
    expect([name, range]).toEqual([name, SUPPORTED_GRPC_JS_RANGE]);
  }
  // "~1.14.7": 1.14.x from 1.14.7.
  const [major, minor, patch] = installedGrpcJsVersion().split(".").map(Number);
  expect([major, minor]).toEqual([1, 14]);
  expect(patch).toBeGreaterThanOrEqual(7);
});
