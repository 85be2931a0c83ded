import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { assertFreshGeneratedCode, StaleGeneratedCodeError } from "./freshness";
import { computeStamp, STAMP_FILE } from "./stamp";

const repoRoot = resolve(__dirname, "..", "..", "..");

/** A minimal copy of the workspace: protos, buf configs, the package dir, a link to ts-proto. */
function fakeWorkspace(): { root: string; pkg: string } {
  const root = mkdtempSync(join(tmpdir(), "inferd-fresh-"));
  for (const dir of ["inferd", "inference"]) cpSync(join(repoRoot, "proto", dir), join(root, "proto", dir), { recursive: true });
  for (const file of ["buf.yaml", "buf.gen.yaml", "package.json"]) cpSync(join(repoRoot, file), join(root, file));
  // The Avro inputs: schemas, service descriptions and their generator.
  cpSync(join(repoRoot, "avro"), join(root, "avro"), { recursive: true });
  cpSync(join(repoRoot, "tools", "compile-protos", "avro-codegen.mjs"), join(root, "tools", "compile-protos", "avro-codegen.mjs"));
  cpSync(join(repoRoot, "node_modules", "ts-proto", "package.json"), join(root, "node_modules", "ts-proto", "package.json"));
  const pkg = join(root, "packages", "grpc-types");
  mkdirSync(join(pkg, "src", "gen"), { recursive: true });
  return { root, pkg };
}

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

test("the checked-out workspace's generated code is fresh", () => {
  expect(() => assertFreshGeneratedCode(resolve(__dirname, ".."))).not.toThrow();
});

test("missing generated code throws, naming pnpm compile-protos", () => {
  const { root, pkg } = fakeWorkspace();
  made.push(root);
  expect(() => assertFreshGeneratedCode(pkg)).toThrow(StaleGeneratedCodeError);
  expect(() => assertFreshGeneratedCode(pkg)).toThrow(/pnpm compile-protos/);
});

test("generated code older than the protos throws, naming pnpm compile-protos", () => {
  const { root, pkg } = fakeWorkspace();
  made.push(root);
  writeFileSync(join(pkg, "src", "gen", STAMP_FILE), JSON.stringify(computeStamp(root)));
  expect(() => assertFreshGeneratedCode(pkg)).not.toThrow();

  writeFileSync(join(root, "proto", "inferd", "v1", "extra.proto"), 'syntax = "proto3";\npackage inferd.v1;\n');
  expect(() => assertFreshGeneratedCode(pkg)).toThrow(/older than the protos.*pnpm compile-protos/);
});

test("generated code older than an Avro schema throws too", () => {
  const { root, pkg } = fakeWorkspace();
  made.push(root);
  writeFileSync(join(pkg, "src", "gen", STAMP_FILE), JSON.stringify(computeStamp(root)));
  expect(() => assertFreshGeneratedCode(pkg)).not.toThrow();

  writeFileSync(join(root, "avro", "inferd", "pipeline", "v1", "Extra.avsc"), '{"type": "record", "name": "Extra", "fields": []}');
  expect(() => assertFreshGeneratedCode(pkg)).toThrow(StaleGeneratedCodeError);
});

test("outside a workspace (an installed tarball) the guard does nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "inferd-installed-"));
  made.push(dir);
  expect(() => assertFreshGeneratedCode(join(dir, "node_modules", "@inferd", "grpc-types"))).not.toThrow();
});

test("the stamp does not depend on where the workspace lives", () => {
  const { root } = fakeWorkspace();
  made.push(root);
  expect(computeStamp(root).hash).toBe(computeStamp(repoRoot).hash);
});
