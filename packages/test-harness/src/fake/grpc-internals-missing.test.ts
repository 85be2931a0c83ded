import { execFile } from "node:child_process";
import { join } from "node:path";
import { SUPPORTED_GRPC_JS_RANGE } from "./grpc-internals";

// Issue #10 item 21, end to end: the built harness on a grpc-js whose internal file is gone (as
// after an update that moves it). A child process hides the file from the harness only; grpc-js
// itself still loads it. Real mode must work; fake mode must say which grpc-js it needs.
// It runs the built harness (dist/, which `pnpm test` builds before jest, like the server binary tests).
const PACKAGE = join(__dirname, "..", "..");

const SCRIPT = `
const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === "@grpc/grpc-js/build/src/orca" && parent && parent.filename.includes("test-harness")) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: "MODULE_NOT_FOUND" });
  }
  return resolve.call(this, request, parent, ...rest);
};
const harness = require("./dist/index.js");
const { DiagnosticsService, DiagnosticsClient } = require("@inferd/grpc-types/v1");
const implementation = { ping: (call, callback) => callback(null, { message: call.request.message, payload: Buffer.alloc(0), serverVersion: "t" }) };
async function attempt(mode) {
  const server = await harness.createTestServer({ services: [[DiagnosticsService, implementation]], mode });
  try {
    const client = server.client(DiagnosticsClient);
    const reply = await harness.unary(client.ping.bind(client), { message: "hi", payload: Buffer.alloc(0) });
    return { reply: reply.message };
  } catch (error) {
    return { error: { name: error.name, supportedRange: error.supportedRange } };
  } finally {
    await server.close();
  }
}
(async () => {
  const real = await attempt("real");
  const fake = await attempt("fake").catch((error) => ({ error: { name: error.name, supportedRange: error.supportedRange } }));
  process.stdout.write(JSON.stringify({ real, fake }));
})();
`;

test("without grpc-js's internal file, real mode still works and fake mode fails with GrpcInternalsError", async () => {
  const output = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["-e", SCRIPT], { cwd: PACKAGE }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout))),
  );
  expect(JSON.parse(output)).toEqual({
    real: { reply: "hi" },
    fake: { error: { name: "GrpcInternalsError", supportedRange: SUPPORTED_GRPC_JS_RANGE } },
  });
});
