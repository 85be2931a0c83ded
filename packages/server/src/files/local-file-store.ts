import { createHash, randomUUID } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { lstat, mkdir, open, readFile, rm, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { joinRelative, pathKey, prepareTarget, projectLayout, resolveExisting, type ProjectLayout } from "./disk-layout";
import { renameDurably, syncDirectory, writeFileAtomic } from "./durable-fs";
import { checksumOf, recordChecksum, sha256OfPrefix } from "./file-meta";
import { createFileIndex } from "./file-index";
import type { BeginUploadOptions, FilePage, FileStore, StoredFile, UploadRequestHeader, UploadStatus } from "./file-store";
import { assertOffset, assertSameDeclaration, createPartialUploads, partialFiles, type PartialDeclaration } from "./partial-uploads";
import { createQuotaTracker, type QuotaHold } from "./quota";
import { createSharedGeneration } from "./shared-generation";
import { createSharedLocks, processLocalLocks } from "./shared-locks";
import { createUploadRegistry, DEFAULT_MAX_OPEN_UPLOADS_PER_PROJECT } from "./upload-registry";
import { DiskUploadSession } from "./upload-session";
import { formatFileUri } from "./uri";
import { quote } from "../quote";

/** Options of {@link createLocalFileStore}. */
export interface LocalFileStoreOptions {
  /** Folder that holds one sub-folder per project. */
  readonly root: string;
  /** Most bytes per project (published + partial); 0 = unlimited. */
  readonly quotaBytesPerProject?: number;
  /** Most uploads one project may have open at once; 0 = no cap. Default 64. */
  readonly maxOpenUploadsPerProject?: number;
  /**
   * Several processes (replicas) use `root` at once: every change of a path then also holds a
   * cross-process lock (see shared-locks.ts) and listings follow a per-project generation
   * token (see shared-generation.ts). Default false: this process is the only user.
   */
  readonly shared?: boolean;
}

function notFound(path: string): InferdError {
  return new InferdError("not-found", `no file ${quote(path)} in this project; ListFiles shows what is stored`);
}

function encodeToken(path: string): string {
  return Buffer.from(path, "utf8").toString("base64url");
}

/** The declaration of a live session, in the form kept on disk. */
function declarationOf(path: string, session: DiskUploadSession): PartialDeclaration {
  const { totalSize, sha256 } = session.declaration;
  return { path, ...(totalSize !== undefined ? { totalSize: totalSize.toString() } : {}), ...(sha256 !== undefined ? { sha256 } : {}) };
}

/**
 * Checks a new Upload against the live session of its path *before* that session is
 * superseded, so an invalid request (a wrong offset, another declaration) is refused and the
 * live upload goes on. The offset may name bytes the live call has received but not yet
 * written (its client reconnected and read the status meanwhile); the exact check follows once
 * the live session is closed.
 */
function assertCanTakeOver(header: UploadRequestHeader, live: DiskUploadSession): void {
  const stored = live.storedBytes;
  if (header.offset < stored || header.offset > stored + BigInt(live.queuedBytes)) {
    assertOffset(header.path, header.offset, stored);
  }
  assertSameDeclaration(header.path, stored, declarationOf(header.path, live), header);
}

/**
 * The local-disk {@link FileStore}: one folder per project under `root`. Uploads append to a
 * `.part` file that survives cancels, disconnects and crashes, and are published with an
 * atomic, synced rename; checksums are kept in sidecars; symbolic links never lead outside a
 * project. Locking, quota, listing and partial uploads each live in a module of their own.
 */
export async function createLocalFileStore(options: LocalFileStoreOptions): Promise<FileStore> {
  const { root } = options;
  await mkdir(root, { recursive: true });
  const quota = createQuotaTracker(root, options.quotaBytesPerProject ?? 0);
  const registry = createUploadRegistry(options.maxOpenUploadsPerProject ?? DEFAULT_MAX_OPEN_UPLOADS_PER_PROJECT);
  const layouts = new Map<string, ProjectLayout>();
  const layout = (project: string): ProjectLayout => {
    let known = layouts.get(project);
    if (!known) layouts.set(project, (known = projectLayout(root, project)));
    return known;
  };
  const partials = createPartialUploads((project) => layout(project).uploadsDir, quota);
  const projectFile = (project: string, name: string): string => join(root, project, name);
  const locks = options.shared ? createSharedLocks((project) => projectFile(project, "locks")) : processLocalLocks;
  const generation = options.shared ? createSharedGeneration((project) => projectFile(project, "generation")) : undefined;
  const index = createFileIndex((project) => layout(project).dataDir, generation);
  /** Records a published or removed file: in this index, and for the other replicas' ones. */
  const changed = async (project: string, path: string, present: boolean): Promise<void> => {
    if (present) index.added(project, path);
    else index.removed(project, path);
    await generation?.bump(project);
  };
  /** Runs `fn` holding the path's lock in this process, then across processes. */
  const withPath = <T>(project: string, path: string, what: string, fn: () => Promise<T>): Promise<T> =>
    registry.withPath(project, path, () => locks.withPath(project, pathKey(path), what, fn));

  async function describe(project: string, path: string, real: string, stats: Stats): Promise<StoredFile> {
    const { metaDir } = layout(project);
    return {
      project,
      path,
      uri: formatFileUri(project, path),
      size: BigInt(stats.size),
      sha256: await checksumOf(metaDir, pathKey(path), real, stats),
      modifiedTime: stats.mtime,
    };
  }

  async function statFile(project: string, path: string): Promise<{ file: StoredFile; real: string } | undefined> {
    const real = await resolveExisting(layout(project).dataDir, path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
      throw error;
    });
    if (real === undefined) return undefined;
    const stats = await stat(real);
    if (!stats.isFile()) return undefined;
    return { file: await describe(project, path, real, stats), real };
  }

  /** Supersedes this process's live session of the path, after checking the new upload against it; the caller holds the path's in-process lock. */
  async function takeOver(header: UploadRequestHeader): Promise<void> {
    const { project, path } = header;
    const live = registry.live(project, path);
    if (live && !header.restart) assertCanTakeOver(header, live);
    if (live && header.totalSize !== undefined) {
      // Taking over frees what the live upload set aside (and, for a restart, what it stored):
      // the declared rest must fit then, or the live upload would be stopped for nothing.
      const freed = live.heldBytes + (header.restart ? Number(live.storedBytes) : 0);
      await quota.check(project, Number(header.totalSize - header.offset) - freed, `uploading ${quote(path)}`);
    }
    await registry.settle(project, path, true);
  }

  /**
   * Opens (or resumes) the path's upload; the caller holds the path's locks (in-process and
   * cross-process) and a slot, and closed this process's live session of the path.
   */
  async function begin(header: UploadRequestHeader, beginOptions: BeginUploadOptions, releaseSlot: () => void): Promise<DiskUploadSession> {
    const { project, path } = header;
    // A restart drops the unfinished upload (never the published file) before anything else.
    if (header.restart) await partials.discard(project, path);
    const partial = header.restart ? undefined : await partials.read(project, path);
    const stored = partial?.storedBytes ?? 0n;
    assertOffset(path, header.offset, stored);
    assertSameDeclaration(path, stored, partial?.declaration, header);
    const previousTotal = partial?.declaration.totalSize;
    const totalSize = header.totalSize ?? (previousTotal !== undefined ? BigInt(previousTotal) : undefined);
    if (totalSize !== undefined && stored > totalSize) {
      throw new InferdError("invalid-argument", `total_size ${totalSize} is smaller than the ${stored} bytes already stored for ${quote(path)}`);
    }
    const sha256 = header.sha256 ?? partial?.declaration.sha256;
    const hold: QuotaHold | undefined =
      totalSize !== undefined ? await quota.hold(project, Number(totalSize - stored), `uploading ${quote(path)}`) : undefined;
    let handle: FileHandle | undefined;
    try {
      const { uploadsDir, dataDir, metaDir } = layout(project);
      await mkdir(uploadsDir, { recursive: true });
      const files = partialFiles(uploadsDir, path);
      const saved: PartialDeclaration = {
        path,
        ...(totalSize !== undefined ? { totalSize: totalSize.toString() } : {}),
        ...(sha256 !== undefined ? { sha256 } : {}),
      };
      await writeFileAtomic(files.header, JSON.stringify(saved));
      // From here on a session of the path elsewhere (another replica) stops at its next write.
      const mark = await locks.claim(project, files.key);
      // Read and append through one handle: the hash of the stored prefix and of every byte
      // appended then covers exactly the file that is published.
      handle = await open(files.part, "a+");
      const onDisk = BigInt((await handle.stat()).size);
      assertOffset(path, header.offset, onDisk);
      const hash = await sha256OfPrefix(handle, stored);
      const session: DiskUploadSession = new DiskUploadSession(
        {
          project,
          path,
          uri: formatFileUri(project, path),
          key: files.key,
          partFile: files.part,
          headerFile: files.header,
          dataDir,
          metaDir,
          quota,
          hold,
          onClosed: () => {
            registry.closed(project, path, session);
            releaseSlot();
          },
          onPublished: () => changed(project, path, true),
          locks,
          mark,
        },
        handle,
        hash,
        stored,
        totalSize,
        sha256,
        beginOptions.onSuperseded,
      );
      registry.register(project, path, session);
      return session;
    } catch (error) {
      hold?.release();
      await handle?.close().catch(() => undefined);
      throw error;
    }
  }

  /** Where the path's upload stands; the caller holds the path's locks. */
  async function status(project: string, path: string): Promise<UploadStatus> {
    const partial = await partials.read(project, path);
    const published = (await statFile(project, path))?.file;
    return {
      uri: formatFileUri(project, path),
      storedBytes: partial?.storedBytes ?? 0n,
      ...(partial?.declaration.totalSize !== undefined ? { totalSize: BigInt(partial.declaration.totalSize) } : {}),
      inProgress: partial !== undefined,
      ...(published ? { published } : {}),
    };
  }

  const store: FileStore = {
    async uploadStatus(project, path): Promise<UploadStatus> {
      return registry.withPath(project, path, async () => {
        await registry.settle(project, path, false);
        return locks.withPath(project, pathKey(path), `the upload of ${quote(path)}`, () => status(project, path));
      });
    },

    async beginUpload(header: UploadRequestHeader, beginOptions: BeginUploadOptions = {}) {
      return registry.withPath(header.project, header.path, async () => {
        const releaseSlot = registry.acquireSlot(header.project, header.path);
        try {
          // This process's live session closes first: its writes take the cross-process lock.
          await takeOver(header);
          return await locks.withPath(header.project, pathKey(header.path), `the upload of ${quote(header.path)}`, () =>
            begin(header, beginOptions, releaseSlot),
          );
        } catch (error) {
          releaseSlot();
          throw error;
        }
      });
    },

    async stat(project, path) {
      return (await statFile(project, path))?.file;
    },

    async openRead(project, path, offset) {
      const found = await statFile(project, path);
      if (!found) throw notFound(path);
      if (offset > found.file.size) {
        throw new InferdError("out-of-range", `offset ${offset} is past the end of ${quote(path)} (${found.file.size} bytes)`);
      }
      return { file: found.file, stream: createReadStream(found.real, { start: Number(offset), highWaterMark: 256 * 1024 }) };
    },

    async readFile(project, path) {
      const found = await statFile(project, path);
      if (!found) throw notFound(path);
      return readFile(found.real);
    },

    async writeFile(project, path, data) {
      return withPath(project, path, `writing ${quote(path)}`, async () => {
        const { tmpDir, dataDir, metaDir } = layout(project);
        const target = await prepareTarget(dataDir, path);
        const previous = await lstat(target).catch(() => undefined);
        const growth = data.length - (previous?.isFile() ? previous.size : 0);
        await quota.reserve(project, Math.max(0, growth), `writing ${quote(path)}`);
        if (growth < 0) quota.adjust(project, growth);
        await mkdir(tmpDir, { recursive: true });
        const temp = join(tmpDir, `${pathKey(path)}.${randomUUID()}`);
        try {
          const handle = await open(temp, "w");
          try {
            await handle.writeFile(data);
            await handle.sync();
          } finally {
            await handle.close();
          }
          const sha256 = createHash("sha256").update(data).digest("hex");
          await recordChecksum(metaDir, pathKey(path), temp, sha256);
          await renameDurably(temp, target);
        } catch (error) {
          await rm(temp, { force: true });
          quota.invalidate(project);
          throw error;
        }
        await changed(project, path, true);
        const found = await statFile(project, path);
        if (!found) throw new InferdError("internal", `${quote(path)} vanished right after it was written`);
        return found.file;
      });
    },

    async list(project, prefix, pageSize, pageToken): Promise<FilePage> {
      let cursor = pageToken === "" ? undefined : Buffer.from(pageToken, "base64url").toString("utf8");
      const files: StoredFile[] = [];
      let more = true;
      // Entries that are no files of the project (links leading outside, links to folders)
      // are skipped; the index is asked again for as many as are still missing.
      while (more && files.length < pageSize) {
        const slice = await index.slice(project, prefix, cursor, pageSize - files.length);
        for (const path of slice.paths) {
          const found = await statFile(project, path).catch((error: unknown) => {
            // Out of descriptors or a failing disk is not "no such file": say so.
            if (["EMFILE", "ENFILE", "EIO"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
            return undefined; // a link leading outside, a link loop, removed meanwhile
          });
          if (found) files.push(found.file);
        }
        cursor = slice.paths[slice.paths.length - 1] ?? cursor;
        more = slice.more && slice.paths.length > 0;
      }
      const last = files[files.length - 1];
      return { files, nextPageToken: more && last ? encodeToken(last.path) : "" };
    },

    async delete(project, path) {
      return registry.withPath(project, path, async () => {
        await registry.settle(project, path, true);
        return locks.withPath(project, pathKey(path), `deleting ${quote(path)}`, () => remove(project, path));
      });
    },

    async close() {
      await Promise.all(registry.sessions().map((session) => session.abort()));
    },
  };

  /** Deletes the published file and partial upload of the path; the caller holds its locks. */
  async function remove(project: string, path: string): Promise<{ deleted: boolean; discardedPartial: boolean }> {
    const discardedPartial = await partials.discard(project, path);
    const found = await statFile(project, path);
    let deleted = false;
    if (found) {
      // Remove the name inside the project (a link itself, never what it points to).
      const target = joinRelative(layout(project).dataDir, path);
      const stats = await lstat(target);
      await rm(target, { force: true });
      await rm(join(layout(project).metaDir, `${pathKey(path)}.json`), { force: true });
      await syncDirectory(join(target, "..")).catch(() => undefined);
      if (stats.isFile()) quota.adjust(project, -stats.size);
      await changed(project, path, false);
      deleted = true;
    }
    if (!deleted && !discardedPartial) throw notFound(path);
    return { deleted, discardedPartial };
  }
  return store;
}
