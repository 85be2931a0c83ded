import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { exec, repoRoot } from "../release/workspace";

// The Avro codegen of `pnpm compile-protos`: deterministic, and what the workspace holds.
const temps: string[] = [];
afterAll(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

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

/** Runs the generator (an ES module) in a child node process, writing `<genDir>/avro`. */
function generateInto(genDir: string): Map<string, Buffer> {
  const script = `import(${JSON.stringify(join(repoRoot, "tools", "compile-protos", "avro-codegen.mjs"))}).then((m) => m.generateAvro(${JSON.stringify(repoRoot)}, ${JSON.stringify(genDir)}))`;
  const result = exec(process.execPath, ["-e", script], repoRoot);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return readTree(join(genDir, "avro"));
}

test("two runs give identical bytes, equal to the workspace's src/gen/avro", () => {
  const dir = mkdtempSync(join(tmpdir(), "inferd-avro-gen-"));
  temps.push(dir);
  const a = generateInto(join(dir, "a"));
  const b = generateInto(join(dir, "b"));
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  expect([...a.keys()]).toContain(join("inferd", "pipeline", "v1.ts"));
  for (const [name, content] of a) expect(content.equals(b.get(name) ?? Buffer.alloc(0))).toBe(true);
  const workspace = readTree(join(repoRoot, "packages", "grpc-types", "src", "gen", "avro"));
  for (const [name, content] of a) expect(workspace.get(name)?.equals(content)).toBe(true);
});
