import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { join, resolve } from "node:path";

/** The repository root. */
export const repoRoot = resolve(__dirname, "..", "..");

/** A binary from the root's node_modules/.bin. */
export function bin(name: string): string {
  return join(repoRoot, "node_modules", ".bin", name);
}

/** Runs a command and returns its result, with output as text. */
export function exec(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: "utf8", env, timeout: 240_000 });
}
