// `pnpm compile-protos`: buf lint -> buf generate (local ts-proto) -> descriptor set -> Avro codegen ->
// build @inferd/grpc-types -> freshness stamp. Runs on `pnpm install`, so a fresh clone works.
import { copyFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { generateAvro } from "./avro-codegen.mjs";
import { bin, repoRoot, run } from "./run.mjs";

const pkg = join(repoRoot, "packages", "grpc-types");
const gen = join(pkg, "src", "gen");
const dist = join(pkg, "dist");
const started = Date.now();

run("buf lint", bin("buf"), ["lint"]);
run("buf generate", bin("buf"), ["generate"]); // clean: true empties src/gen first
// Raw FileDescriptorProtos (with imports) for server reflection: they keep the real file
// names and dependencies, which strict reflection clients need.
run("buf build", bin("buf"), ["build", "--as-file-descriptor-set", "-o", join(gen, "descriptors.binpb")]);
// Avro services (avro/): types, codecs, definitions and clients in src/gen/avro (after buf,
// whose clean step empties src/gen).
generateAvro(repoRoot, gen);

rmSync(dist, { recursive: true, force: true });
rmSync(join(pkg, "tsconfig.tsbuildinfo"), { force: true });
run("tsc (grpc-types)", bin("tsc"), ["-b", join(pkg, "tsconfig.json")]);
copyFileSync(join(gen, "descriptors.binpb"), join(dist, "descriptors.binpb"));

// The stamp is computed by the package's own code, so the guard and the writer cannot drift.
const require = createRequire(import.meta.url);
const { computeStamp, STAMP_FILE } = require(join(dist, "stamp.js"));
const stamp = `${JSON.stringify(computeStamp(repoRoot), null, 2)}\n`;
writeFileSync(join(gen, STAMP_FILE), stamp);
writeFileSync(join(dist, STAMP_FILE), stamp);

console.log(`compile-protos: generated packages/grpc-types in ${Date.now() - started} ms`);
