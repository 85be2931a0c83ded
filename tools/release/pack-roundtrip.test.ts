import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, exec, repoRoot } from "./workspace";

// A user's service outside the workspace: it installs the packed tarball from npm's point of
// view, then serves and calls Diagnostics with the generated definition and client.
const ROUNDTRIP_JS = `
const grpc = require("@grpc/grpc-js");
const { DiagnosticsService, DiagnosticsClient } = require("@inferd/grpc-types/v1");
const server = new grpc.Server();
server.addService(DiagnosticsService, {
  ping: (call, cb) => cb(null, { message: call.request.message.toUpperCase(), payload: call.request.payload, serverVersion: "x" }),
  streamNumbers: (call) => call.end(),
  uploadNumbers: (call, cb) => cb(null, { sum: 0n, count: 0n }),
  chat: (call) => call.end(),
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  const client = new DiagnosticsClient("127.0.0.1:" + port, grpc.credentials.createInsecure());
  client.ping({ message: "roundtrip", payload: Buffer.from("xyz") }, (error, reply) => {
    if (error) { console.error(error); process.exit(1); }
    console.log(JSON.stringify({ message: reply.message, payload: Buffer.from(reply.payload).toString() }));
    client.close();
    server.forceShutdown();
  });
});
`;

// Type-checks against the tarball's .d.ts: a user's TypeScript sees real types.
const TYPES_TS = `
import type { DiagnosticsServer, PingRequest, UploadResponse } from "@inferd/grpc-types/v1";
import { JobStage, PingResponse } from "@inferd/grpc-types/v1";
const request: PingRequest = { message: "m", payload: Buffer.alloc(0) };
const size: bigint = ({} as UploadResponse).storedBytes;
const stage: JobStage = JobStage.DONE;
const encoded: Uint8Array = PingResponse.encode(PingResponse.fromPartial({ message: request.message })).finish();
export const used: [DiagnosticsServer | undefined, bigint, JobStage, Uint8Array] = [undefined, size, stage, encoded];
`;

let project: string;
afterAll(() => rmSync(project, { recursive: true, force: true }));

test("the packed @inferd/grpc-types works in a project outside the workspace", () => {
  project = mkdtempSync(join(tmpdir(), "inferd-consumer-"));
  const packed = exec("pnpm", ["--filter", "@inferd/grpc-types", "pack", "--pack-destination", project], repoRoot);
  expect(packed.status).toBe(0);
  const tarball = readdirSync(project).find((name) => name.endsWith(".tgz"));
  expect(tarball).toBeDefined();

  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }));
  const installed = exec(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", `./${tarball}`],
    project,
  );
  expect(installed.stderr).not.toMatch(/ERR!/);
  expect(installed.status).toBe(0);

  writeFileSync(join(project, "roundtrip.js"), ROUNDTRIP_JS);
  const ran = exec(process.execPath, ["roundtrip.js"], project);
  expect(ran.stderr).toBe("");
  expect(JSON.parse(ran.stdout)).toEqual({ message: "ROUNDTRIP", payload: "xyz" });

  // The root export is the v1 API too (require("@inferd/grpc-types") used to fail).
  const root = exec(process.execPath, ["-e", 'process.stdout.write(String(require("@inferd/grpc-types") === require("@inferd/grpc-types/v1")))'], project);
  expect(root.stdout).toBe("true");

  writeFileSync(join(project, "types.ts"), TYPES_TS);
  const typeRoots = join(repoRoot, "node_modules", "@types");
  const checked = exec(
    bin("tsc"),
    ["--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16", "--target", "es2022", "--typeRoots", typeRoots, "--types", "node", "types.ts"],
    project,
  );
  expect(checked.stdout).toBe("");
  expect(checked.status).toBe(0);

  // moduleResolution "node" (node10) ignores "exports": typesVersions must lead it to /v1.
  const node10 = exec(
    bin("tsc"),
    ["--noEmit", "--strict", "--module", "commonjs", "--moduleResolution", "node", "--target", "es2022", "--typeRoots", typeRoots, "--types", "node", "types.ts"],
    project,
  );
  expect(node10.stdout).toBe("");
  expect(node10.status).toBe(0);
}, 180_000);
