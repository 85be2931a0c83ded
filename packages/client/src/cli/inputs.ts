import { readdir, stat } from "node:fs/promises";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { localError } from "../errors";
import { isFileUri } from "../uri";

/**
 * Expands one command-line file argument: an existing path as given, otherwise a glob
 * pattern ("scans/*.png", "**\/*.jpg") matched here, for shells that do not expand globs
 * (cmd.exe, PowerShell, a quoted pattern). Matches come sorted; a pattern that matches no
 * file is a local error, like a missing file.
 */
async function expandPattern(argument: string): Promise<string[]> {
  if (isFileUri(argument) || !isDynamicPattern(argument) || (await exists(argument))) return [argument];
  const matches = await glob(argument, { onlyFiles: true, expandDirectories: false, absolute: isAbsolute(argument) });
  if (matches.length === 0) throw localError(`no file matches ${argument}`);
  return matches.sort();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Expands the arguments of `infer`: stored URIs and local files as given, globs matched. */
export async function expandImageArguments(args: readonly string[]): Promise<string[]> {
  const expanded = [];
  for (const argument of args) expanded.push(...(await expandPattern(argument)));
  return expanded;
}

/** A local file to upload and the path it is stored under. */
export interface UploadItem {
  file: string;
  path: string;
}

/** Every regular file below `dir`, recursively, as paths relative to it ("/"-separated), sorted. */
async function filesBelow(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw localError(`cannot read the folder ${dir}`, error);
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

/**
 * Expands the arguments of `upload` into files and stored paths. A file is stored under its
 * name, or `as` (one file), or `as` + its name when `as` ends in "/". A folder is uploaded
 * recursively keeping its relative paths, under its own name ("scans/a.png",
 * "scans/sub/b.png") or under `as` when that ends in "/" ("images/a.png").
 */
export async function expandUploadArguments(args: readonly string[], as: string | undefined): Promise<UploadItem[]> {
  const folder = as !== undefined && as.endsWith("/") ? as : undefined;
  const items: UploadItem[] = [];
  for (const argument of args) {
    for (const match of await expandPattern(argument)) {
      const isDir = await stat(match).then((info) => info.isDirectory(), () => false);
      if (!isDir) {
        items.push({ file: match, path: as === undefined ? basename(match) : folder !== undefined ? `${folder}${basename(match)}` : as });
        continue;
      }
      const base = folder ?? `${basename(resolve(match))}/`;
      for (const rel of await filesBelow(match)) items.push({ file: join(match, rel), path: `${base}${rel}` });
    }
  }
  return items;
}
