import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { PackageFileSource } from "./config";

/**
 * Finds a file inside an installed npm package, looking in the node_modules folders above
 * each of `searchFrom` (the models dir first, then the server's own install). Packages with an
 * "exports" map hide their files from require.resolve, so this walks the lookup paths itself.
 * Returns undefined when the package is not installed.
 */
export function resolvePackageFile(source: PackageFileSource, searchFrom: readonly string[]): string | undefined {
  for (const base of searchFrom) {
    const lookup = createRequire(join(base, "index.js")).resolve.paths(source.package) ?? [];
    for (const nodeModules of lookup) {
      const root = join(nodeModules, source.package);
      if (existsSync(join(root, "package.json"))) return join(root, ...source.file.split("/"));
    }
  }
  return undefined;
}
