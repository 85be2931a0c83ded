import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";

/** File name of the freshness stamp, written next to the generated code and the build. */
export const STAMP_FILE = "stamp.json";

/** What the generated code was made from; two stamps with the same hash mean the same inputs. */
export interface Stamp {
  /** sha256 over the protos, buf.yaml, buf.gen.yaml, the Avro schemas and generator, and the ts-proto version. */
  readonly hash: string;
  /** ts-proto version that generated the code. */
  readonly tsProtoVersion: string;
}

function listProtos(dir: string, suffixes: readonly string[] = [".proto"]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listProtos(full, suffixes));
    else if (suffixes.some((suffix) => entry.name.endsWith(suffix))) found.push(full);
  }
  return found;
}

/** The Avro inputs: schemas, service descriptions and the generator (absent before avro/ existed). */
function listAvroInputs(repoRoot: string): string[] {
  const avroDir = join(repoRoot, "avro");
  if (!existsSync(avroDir)) return [];
  return [...listProtos(avroDir, [".avsc", ".service.json"]), join(repoRoot, "tools", "compile-protos", "avro-codegen.mjs")];
}

/**
 * Computes the stamp of a workspace: the hash of every input of `pnpm compile-protos`.
 * Paths are hashed relative to the root with "/" separators, in sorted order, so the stamp
 * is the same on every machine.
 */
export function computeStamp(repoRoot: string): Stamp {
  const requireFromRoot = createRequire(join(repoRoot, "package.json"));
  const tsProtoPkg = requireFromRoot("ts-proto/package.json") as { version: string };
  const inputs = [
    ...listProtos(join(repoRoot, "proto")),
    join(repoRoot, "buf.yaml"),
    join(repoRoot, "buf.gen.yaml"),
    ...listAvroInputs(repoRoot),
  ]
    .map((file) => ({ file, name: relative(repoRoot, file).split(sep).join("/") }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const hash = createHash("sha256");
  hash.update(`ts-proto@${tsProtoPkg.version}\n`);
  for (const { file, name } of inputs) {
    const content = readFileSync(file);
    hash.update(`${name}\n${content.length}\n`);
    hash.update(content);
  }
  return { hash: hash.digest("hex"), tsProtoVersion: tsProtoPkg.version };
}
