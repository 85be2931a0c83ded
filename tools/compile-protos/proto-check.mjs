// `pnpm proto:check`: buf lint + buf breaking against the committed image of the frozen v1
// API. `pnpm proto:freeze` rewrites that image on purpose (a reviewed, additive change).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { bin, repoRoot, run } from "./run.mjs";

const image = join("proto", "frozen", "inferd-v1.binpb");

if (process.argv.includes("--freeze")) {
  mkdirSync(dirname(join(repoRoot, image)), { recursive: true });
  run("buf build", bin("buf"), ["build", "--path", "proto/inferd/v1", "-o", image]);
  console.log(`proto:freeze: wrote ${image}; commit it with the proto change.`);
} else {
  run("buf lint", bin("buf"), ["lint"]);
  run("buf breaking", bin("buf"), ["breaking", "--against", image]);
  console.log("proto:check: lint clean, no breaking change against the frozen v1 API");
}
