import { readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Orders strings as their UTF-8 bytes compare (the order ListFiles promises), which is code
 * point order. JavaScript's `<` compares UTF-16 code units, which differs only between a
 * surrogate (U+D800–DFFF, half of a code point above U+FFFF) and U+E000–FFFF: shifting the
 * surrogates above them fixes that.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** First index in sorted `paths` whose entry is not before `path` (or, with `after`, is after it). */
function search(paths: readonly string[], path: string, after: boolean): number {
  let low = 0;
  let high = paths.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const order = compareUtf8(paths[middle] as string, path);
    if (order < 0 || (after && order === 0)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** One slice of a listing: paths in order, and whether more follow. */
export interface IndexSlice {
  readonly paths: readonly string[];
  readonly more: boolean;
}

/**
 * The published paths of each project in UTF-8 byte order, so a ListFiles page costs a
 * binary search and its own entries, whatever the project's size. A project's index is built
 * by one walk of its data folder on first use, then kept current by the store (publish, write,
 * delete); files put into a data folder by hand while the server runs are seen after a restart.
 * Entries are candidates: the store still checks each one (links, folders) when it lists it.
 */
export interface FileIndex {
  /** Up to `limit` paths with `prefix`, after `after` (exclusive) when given. */
  slice(project: string, prefix: string, after: string | undefined, limit: number): Promise<IndexSlice>;
  /** A file was published at `path`. */
  added(project: string, path: string): void;
  /** The file at `path` was removed. */
  removed(project: string, path: string): void;
}

/**
 * A per-project token that changes whenever any process changes the project's published
 * files (see shared-generation.ts): an index built under one token is stale under another.
 */
export interface ProjectGeneration {
  /** The current token ("" when none was written yet). */
  read(project: string): Promise<string>;
}

interface ProjectIndex {
  paths: string[];
  /** The generation token read before the walk (undefined without a generation). */
  token: string | undefined;
  /** Changes made while the walk runs, replayed in order once it is done. */
  pending: { path: string; present: boolean }[] | undefined;
  ready: Promise<void>;
}

async function walk(folder: string, prefix: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return; // gone meanwhile, or no data yet
    throw error; // EMFILE, EIO, ...: a listing must not silently miss files
  }
  for (const entry of entries) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await walk(join(folder, entry.name), relative, out);
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(relative);
  }
}

function apply(index: ProjectIndex, path: string, present: boolean): void {
  if (index.pending) {
    index.pending.push({ path, present });
    return;
  }
  const at = search(index.paths, path, false);
  const there = at < index.paths.length && index.paths[at] === path;
  if (present && !there) index.paths.splice(at, 0, path);
  else if (!present && there) index.paths.splice(at, 1);
}

/**
 * Creates a {@link FileIndex} over the projects' data folders. With `generation` (replicas
 * sharing one files folder) every slice first reads the project's token and, when another
 * process changed the project since the index was built, walks the folder again: the
 * token is read before the walk and written by the changer after its change, so no change
 * that finished before a listing began can be missed.
 */
export function createFileIndex(dataDirOf: (project: string) => string, generation?: ProjectGeneration): FileIndex {
  const projects = new Map<string, ProjectIndex>();

  async function current(project: string): Promise<ProjectIndex> {
    if (!generation) return load(project, undefined);
    const token = await generation.read(project);
    const known = projects.get(project);
    if (known && known.token !== token) projects.delete(project);
    return load(project, token);
  }

  function load(project: string, token: string | undefined): ProjectIndex {
    const known = projects.get(project);
    if (known) return known;
    const index: ProjectIndex = { paths: [], token, pending: [], ready: Promise.resolve() };
    index.ready = (async () => {
      const found: string[] = [];
      try {
        await walk(dataDirOf(project), "", found);
      } catch (error) {
        if (projects.get(project) === index) projects.delete(project); // the next listing walks again
        throw error;
      }
      index.paths = found.sort(compareUtf8);
      const pending = index.pending ?? [];
      index.pending = undefined;
      for (const change of pending) apply(index, change.path, change.present);
    })();
    projects.set(project, index);
    return index;
  }

  return {
    async slice(project, prefix, after, limit) {
      const index = await current(project);
      await index.ready;
      const { paths } = index;
      let start = search(paths, prefix, false);
      if (after !== undefined) start = Math.max(start, search(paths, after, true));
      const out: string[] = [];
      let at = start;
      for (; at < paths.length && out.length < limit; at++) {
        const path = paths[at] as string;
        if (!path.startsWith(prefix)) return { paths: out, more: false };
        out.push(path);
      }
      return { paths: out, more: at < paths.length && (paths[at] as string).startsWith(prefix) };
    },
    added(project, path) {
      const index = projects.get(project);
      if (index) apply(index, path, true);
    },
    removed(project, path) {
      const index = projects.get(project);
      if (index) apply(index, path, false);
    },
  };
}
