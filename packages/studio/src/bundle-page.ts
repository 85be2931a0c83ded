/**
 * Bundles the page (src/web) with esbuild into one script, in memory, at start-up (~0.2 s):
 * the generated codecs come from `@inferd/grpc-types/v1`'s browser entry, `@grpc/grpc-js` is
 * replaced by a stand-in (the page never builds a native client) and `Buffer` is provided for
 * ts-proto's bytes fields.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";

/** The package root (the same from src/ under jest and from dist/). */
export const STUDIO_ROOT = join(__dirname, "..");

/** The page: its HTML and its bundled script. */
export interface PageAssets {
  readonly html: string;
  readonly script: string;
}

/** Bundles src/web/main.ts and reads src/web/index.html. */
export async function bundlePage(): Promise<PageAssets> {
  const web = join(STUDIO_ROOT, "src", "web");
  const result = await build({
    entryPoints: [join(web, "main.ts")],
    bundle: true,
    write: false,
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    sourcemap: "inline",
    alias: { "@grpc/grpc-js": join(web, "grpc-js-browser.ts") },
    inject: [join(web, "buffer-global.ts")],
    logLevel: "silent",
  });
  const script = result.outputFiles[0]?.text;
  if (script === undefined) throw new Error("esbuild produced no output for the studio page");
  return { html: await readFile(join(web, "index.html"), "utf8"), script };
}
