import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { computeStamp, STAMP_FILE, type Stamp } from "./stamp";

/** Thrown on import when the generated code is missing or older than the protos. */
export class StaleGeneratedCodeError extends Error {
  override readonly name = "StaleGeneratedCodeError";
}

const FIX = "Run `pnpm compile-protos` from the repository root to regenerate it.";

function readStamp(file: string): Stamp | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Stamp;
}

/**
 * Checks that the generated code of a workspace checkout matches its protos.
 *
 * Only applies inside the inferd workspace (the package sits in `packages/grpc-types` of a
 * checkout with `proto/` and `buf.gen.yaml`); an installed tarball has no protos to compare
 * with and is fresh by construction. Throws {@link StaleGeneratedCodeError} naming the fix.
 */
export function assertFreshGeneratedCode(packageDir: string): void {
  const repoRoot = resolve(packageDir, "..", "..");
  const inWorkspace =
    existsSync(join(packageDir, "src")) &&
    existsSync(join(repoRoot, "buf.gen.yaml")) &&
    existsSync(join(repoRoot, "proto", "inferd"));
  if (!inWorkspace) return;

  const generated = readStamp(join(packageDir, "src", "gen", STAMP_FILE));
  if (generated === undefined) {
    throw new StaleGeneratedCodeError(
      `@inferd/grpc-types: the generated code in packages/grpc-types/src/gen is missing. ${FIX}`,
    );
  }
  const current = computeStamp(repoRoot);
  if (generated.hash !== current.hash) {
    throw new StaleGeneratedCodeError(
      `@inferd/grpc-types: the generated code is older than the protos (or buf.gen.yaml, or ts-proto changed). ${FIX}`,
    );
  }
  const built = readStamp(join(packageDir, "dist", STAMP_FILE));
  if (built !== undefined && built.hash !== current.hash) {
    throw new StaleGeneratedCodeError(
      `@inferd/grpc-types: the build in packages/grpc-types/dist is older than the generated code. ${FIX}`,
    );
  }
}
