import { createHash } from "node:crypto";
import { lstat, mkdir, realpath } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { InferdError } from "../errors";
import { quote } from "../quote";

/**
 * Where a project's things live under the store root:
 * `<root>/<project>/data/<path>` published files, `meta/<key>.json` their checksums,
 * `uploads/<key>.part` + `<key>.json` unfinished uploads, `tmp/` staging for whole-file writes.
 * `<key>` is the SHA-256 of the relative path, so user paths never become staging names.
 */
export interface ProjectLayout {
  readonly dataDir: string;
  readonly metaDir: string;
  readonly uploadsDir: string;
  readonly tmpDir: string;
}

/** The folders of one project. */
export function projectLayout(root: string, project: string): ProjectLayout {
  const base = join(root, project);
  return {
    dataDir: join(base, "data"),
    metaDir: join(base, "meta"),
    uploadsDir: join(base, "uploads"),
    tmpDir: join(base, "tmp"),
  };
}

/** A stable, file-system-safe name for a relative path. */
export function pathKey(path: string): string {
  return createHash("sha256").update(path, "utf8").digest("hex");
}

/** The on-disk location of a validated relative path inside a folder. */
export function joinRelative(folder: string, path: string): string {
  return join(folder, ...path.split("/"));
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

function escapeError(path: string): InferdError {
  return new InferdError("permission-denied", `path ${quote(path)} leads outside its project (through a symbolic link)`);
}

async function realpathOrUndefined(target: string): Promise<string | undefined> {
  try {
    return await realpath(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Resolves `path` inside `folder` following symbolic links, and throws PERMISSION_DENIED when
 * the result lies outside the folder. Returns undefined when nothing exists there.
 */
export async function resolveExisting(folder: string, path: string): Promise<string | undefined> {
  const real = await realpathOrUndefined(joinRelative(folder, path));
  if (real === undefined) return undefined;
  const realFolder = await realpath(folder);
  if (!isInside(realFolder, real)) throw escapeError(path);
  return real;
}

/**
 * Makes the parent folders of `path` inside `folder` and returns the target location, after
 * checking that the deepest existing ancestor (symbolic links followed) is inside the folder,
 * so mkdir never creates anything elsewhere.
 */
export async function prepareTarget(folder: string, path: string): Promise<string> {
  await mkdir(folder, { recursive: true });
  const realFolder = await realpath(folder);
  const target = joinRelative(folder, path);
  let ancestor = dirname(target);
  let real = await realpathOrUndefined(ancestor);
  while (real === undefined) {
    ancestor = dirname(ancestor);
    real = await realpathOrUndefined(ancestor);
  }
  if (!isInside(realFolder, real)) throw escapeError(path);
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST") {
      throw new InferdError("failed-precondition", `a parent of ${quote(path)} is a file; choose another path or delete that file`);
    }
    throw error;
  }
  const stats = await lstat(target).catch(() => undefined);
  if (stats?.isDirectory()) {
    throw new InferdError("failed-precondition", `${quote(path)} is a folder of other files; choose another path`);
  }
  return target;
}
