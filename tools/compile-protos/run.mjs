// Small helpers shared by the codegen scripts: where things are, and running a binary.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A binary from the root's node_modules/.bin. */
export function bin(name) {
  return join(repoRoot, "node_modules", ".bin", name);
}

/** Runs a command from the repository root; exits the process with its status on failure. */
export function run(step, command, args) {
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: "inherit" });
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit status ${result.status}`;
    console.error(`compile-protos: ${step} failed (${why})`);
    process.exit(result.status ?? 1);
  }
}
