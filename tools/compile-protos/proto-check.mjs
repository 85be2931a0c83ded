// `pnpm proto:check`: buf lint + buf breaking against the committed image of each frozen API
// (inferd v1, and the Open Inference Protocol in proto/inference). `pnpm proto:freeze`
// rewrites those images on purpose (a reviewed, additive change).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { bin, repoRoot, run } from "./run.mjs";

/** Each frozen API: the proto dir it covers and its committed image. */
const frozen = [
  { name: "inferd v1", path: "proto/inferd/v1", image: join("proto", "frozen", "inferd-v1.binpb") },
  { name: "Open Inference Protocol", path: "proto/inference", image: join("proto", "frozen", "inference.binpb") },
];

if (process.argv.includes("--freeze")) {
  for (const { path, image } of frozen) {
    mkdirSync(dirname(join(repoRoot, image)), { recursive: true });
    run("buf build", bin("buf"), ["build", "--path", path, "-o", image]);
    console.log(`proto:freeze: wrote ${image}; commit it with the proto change.`);
  }
} else {
  run("buf lint", bin("buf"), ["lint"]);
  for (const { name, image } of frozen) {
    run(`buf breaking (${name})`, bin("buf"), ["breaking", "--against", image]);
  }
  console.log(`proto:check: lint clean, no breaking change against the frozen ${frozen.map((f) => f.name).join(" and ")} APIs`);
}
