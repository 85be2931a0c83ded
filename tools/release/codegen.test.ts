import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { bin, exec, repoRoot } from "./workspace";

const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (current: string): void => {
    for (const name of readdirSync(current)) {
      const full = join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else files.set(relative(dir, full), readFileSync(full));
    }
  };
  walk(dir);
  return files;
}

/** Runs buf generate with the repo's template, but into `out`. */
function generateInto(out: string): void {
  const template = readFileSync(join(repoRoot, "buf.gen.yaml"), "utf8")
    .replace("out: packages/grpc-types/src/gen", `out: ${out}`)
    .replace("./node_modules/.bin/protoc-gen-ts_proto", bin("protoc-gen-ts_proto"));
  const templateFile = join(out, "..", `${out.split("/").pop()}.gen.yaml`);
  writeFileSync(templateFile, template);
  const result = exec(bin("buf"), ["generate", "--template", templateFile], repoRoot);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
}

test("buf generate is deterministic: two runs give identical bytes", () => {
  const dir = tempDir("inferd-gen-");
  generateInto(join(dir, "a"));
  generateInto(join(dir, "b"));
  const a = readTree(join(dir, "a"));
  const b = readTree(join(dir, "b"));
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  expect(a.size).toBeGreaterThanOrEqual(4);
  for (const [name, content] of a) expect(content.equals(b.get(name) ?? Buffer.alloc(0))).toBe(true);
});

test("the generated code in the workspace matches a fresh generation", () => {
  const dir = tempDir("inferd-gen-");
  generateInto(join(dir, "fresh"));
  const fresh = readTree(join(dir, "fresh"));
  const workspace = readTree(join(repoRoot, "packages", "grpc-types", "src", "gen"));
  for (const [name, content] of fresh) expect(workspace.get(name)?.equals(content)).toBe(true);
});

describe("proto:check", () => {
  function workspaceCopy(): string {
    const root = tempDir("inferd-breaking-");
    cpSync(join(repoRoot, "proto"), join(root, "proto"), { recursive: true });
    cpSync(join(repoRoot, "buf.yaml"), join(root, "buf.yaml"));
    return root;
  }
  const frozen = join(repoRoot, "proto", "frozen", "inferd-v1.binpb");

  test("passes on the committed protos", () => {
    const result = exec(bin("buf"), ["breaking", "--against", frozen], workspaceCopy());
    expect(result.status).toBe(0);
  });

  test("fails when a v1 field is deleted", () => {
    const root = workspaceCopy();
    const file = join(root, "proto", "inferd", "v1", "files.proto");
    const source = readFileSync(file, "utf8");
    const edited = source.replace(/\n\s*\/\/ Lowercase hex SHA-256 of the published file; empty unless complete\.\n\s*string sha256 = 4;/, "");
    expect(edited).not.toBe(source);
    writeFileSync(file, edited);
    const result = exec(bin("buf"), ["breaking", "--against", frozen], root);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/UploadResponse/);
  });

  test("fails when a v1 field is renumbered", () => {
    const root = workspaceCopy();
    const file = join(root, "proto", "inferd", "v1", "diagnostics.proto");
    const source = readFileSync(file, "utf8");
    const edited = source.replace("string server_version = 4;", "string server_version = 14;");
    expect(edited).not.toBe(source);
    writeFileSync(file, edited);
    expect(exec(bin("buf"), ["breaking", "--against", frozen], root).status).not.toBe(0);
  });
});
