import { createHash } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { joinRelative, pathKey, prepareTarget, projectLayout, resolveExisting, type ProjectLayout } from "./disk-layout";
import { checksumOf, recordChecksum, sha256OfPrefix, writeFileAtomic } from "./file-meta";
import type { BeginUploadOptions, FilePage, FileStore, StoredFile, UploadRequestHeader, UploadStatus } from "./file-store";
import { createKeyedMutex } from "./keyed-mutex";
import { createQuotaTracker } from "./quota";
import { DiskUploadSession } from "./upload-session";
import { formatFileUri } from "./uri";
import { quote } from "../quote";

/** Options of {@link createLocalFileStore}. */
export interface LocalFileStoreOptions {
  /** Folder that holds one sub-folder per project. */
  readonly root: string;
  /** Most bytes per project (published + partial); 0 = unlimited. */
  readonly quotaBytesPerProject?: number;
}

/** What an unfinished upload declared, kept beside its `.part` file. */
interface PartialHeader {
  readonly path: string;
  readonly totalSize?: string;
  readonly sha256?: string;
}

interface Partial {
  readonly header: PartialHeader;
  readonly storedBytes: bigint;
}

/**
 * A resume must declare what the unfinished upload declared: stored bytes of other content
 * would otherwise be completed with this content and fail only at publish (DATA_LOSS).
 */
function assertSameDeclaration(path: string, stored: bigint, partial: PartialHeader | undefined, header: UploadRequestHeader): void {
  if (stored === 0n || partial === undefined) return;
  const restart = `send restart: true with offset 0 to replace it, or resume with the same declaration`;
  if (partial.totalSize !== undefined && header.totalSize !== undefined && BigInt(partial.totalSize) !== header.totalSize) {
    throw new InferdError(
      "failed-precondition",
      `total_size ${header.totalSize} differs from the ${partial.totalSize} declared by the unfinished upload of ${quote(path)} ` +
        `(${stored} bytes stored); ${restart}`,
    );
  }
  if (partial.sha256 !== undefined && header.sha256 !== undefined && partial.sha256 !== header.sha256) {
    throw new InferdError(
      "failed-precondition",
      `sha256 ${header.sha256} differs from the ${partial.sha256} declared by the unfinished upload of ${quote(path)} ` +
        `(${stored} bytes stored); ${restart}`,
    );
  }
}

function notFound(path: string): InferdError {
  return new InferdError("not-found", `no file ${quote(path)} in this project; ListFiles shows what is stored`);
}

function encodeToken(path: string): string {
  return Buffer.from(path, "utf8").toString("base64url");
}

async function walkFiles(root: string, folder: string, prefix: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await walkFiles(root, join(folder, entry.name), relative, out);
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(relative);
  }
}

/**
 * The local-disk {@link FileStore}: one folder per project under `root`. Uploads append to a
 * `.part` file that survives cancels, disconnects and crashes, and are published with an
 * atomic rename; checksums are kept in sidecars; symbolic links never lead outside a project.
 */
export async function createLocalFileStore(options: LocalFileStoreOptions): Promise<FileStore> {
  const { root } = options;
  await mkdir(root, { recursive: true });
  const quota = createQuotaTracker(root, options.quotaBytesPerProject ?? 0);
  const mutex = createKeyedMutex();
  const active = new Map<string, DiskUploadSession>();
  const layouts = new Map<string, ProjectLayout>();
  const layout = (project: string): ProjectLayout => {
    let known = layouts.get(project);
    if (!known) layouts.set(project, (known = projectLayout(root, project)));
    return known;
  };
  const lockKey = (project: string, path: string): string => `${project}\n${path}`;
  const partFiles = (project: string, path: string): { part: string; header: string; key: string } => {
    const key = pathKey(path);
    const { uploadsDir } = layout(project);
    return { key, part: join(uploadsDir, `${key}.part`), header: join(uploadsDir, `${key}.json`) };
  };

  async function readPartial(project: string, path: string): Promise<Partial | undefined> {
    const { part, header } = partFiles(project, path);
    let parsed: PartialHeader;
    try {
      parsed = JSON.parse(await readFile(header, "utf8")) as PartialHeader;
    } catch {
      return undefined;
    }
    const size = await stat(part).then((s) => s.size, () => 0);
    return { header: parsed, storedBytes: BigInt(size) };
  }

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

  /** Closes a live session of the path (a newer call took over) and waits until it is closed. */
  async function settle(key: string, supersede: boolean): Promise<void> {
    const session = active.get(key);
    if (!session) return;
    if (supersede) await session.supersede();
    else if (!session.live) await session.closed;
  }

  async function discardPartial(project: string, path: string): Promise<boolean> {
    const partial = await readPartial(project, path);
    const { part, header } = partFiles(project, path);
    const partSize = await stat(part).then((s) => s.size, () => 0);
    await rm(part, { force: true });
    await rm(header, { force: true });
    quota.adjust(project, -partSize);
    return partial !== undefined || partSize > 0;
  }

  const store: FileStore = {
    async uploadStatus(project, path): Promise<UploadStatus> {
      return mutex.run(lockKey(project, path), async () => {
        await settle(lockKey(project, path), false);
        const partial = await readPartial(project, path);
        const published = (await statFile(project, path))?.file;
        return {
          uri: formatFileUri(project, path),
          storedBytes: partial?.storedBytes ?? 0n,
          ...(partial?.header.totalSize !== undefined ? { totalSize: BigInt(partial.header.totalSize) } : {}),
          inProgress: partial !== undefined,
          ...(published ? { published } : {}),
        };
      });
    },

    async beginUpload(header: UploadRequestHeader, beginOptions: BeginUploadOptions = {}) {
      const { project, path } = header;
      const key = lockKey(project, path);
      return mutex.run(key, async () => {
        await settle(key, true);
        // A restart drops the unfinished upload (never the published file) before anything else.
        if (header.restart) await discardPartial(project, path);
        const partial = header.restart ? undefined : await readPartial(project, path);
        const stored = partial?.storedBytes ?? 0n;
        if (header.offset !== stored) {
          throw new InferdError(
            "failed-precondition",
            `upload offset ${header.offset} does not match the ${stored} bytes already stored for ${quote(path)}; resume from ${stored}`,
          );
        }
        assertSameDeclaration(path, stored, partial?.header, header);
        const previousTotal = partial?.header.totalSize;
        const totalSize = header.totalSize ?? (previousTotal !== undefined ? BigInt(previousTotal) : undefined);
        if (totalSize !== undefined && stored > totalSize) {
          throw new InferdError("invalid-argument", `total_size ${totalSize} is smaller than the ${stored} bytes already stored for ${quote(path)}`);
        }
        const sha256 = header.sha256 ?? partial?.header.sha256;
        if (totalSize !== undefined) await quota.check(project, Number(totalSize - stored), `uploading ${quote(path)}`);
        const { uploadsDir, dataDir, metaDir } = layout(project);
        await mkdir(uploadsDir, { recursive: true });
        const files = partFiles(project, path);
        const saved: PartialHeader = {
          path,
          ...(totalSize !== undefined ? { totalSize: totalSize.toString() } : {}),
          ...(sha256 !== undefined ? { sha256 } : {}),
        };
        await writeFileAtomic(files.header, JSON.stringify(saved));
        // Hash the stored prefix once now; the session hashes every byte it appends, so the
        // file's SHA-256 is known at publish without reading it back.
        const hash = await sha256OfPrefix(files.part, stored);
        const handle = await open(files.part, "a");
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
            onClosed: () => {
              if (active.get(key) === session) active.delete(key);
            },
          },
          handle,
          hash,
          stored,
          totalSize,
          sha256,
          beginOptions.onSuperseded,
        );
        active.set(key, session);
        return session;
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
      return mutex.run(lockKey(project, path), async () => {
        const { tmpDir, dataDir, metaDir } = layout(project);
        const target = await prepareTarget(dataDir, path);
        const previous = await lstat(target).catch(() => undefined);
        const growth = data.length - (previous?.isFile() ? previous.size : 0);
        await quota.reserve(project, Math.max(0, growth), `writing ${quote(path)}`);
        if (growth < 0) quota.adjust(project, growth);
        await mkdir(tmpDir, { recursive: true });
        const temp = join(tmpDir, `${pathKey(path)}.${process.pid}.${Date.now()}`);
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
          await rename(temp, target);
        } catch (error) {
          await rm(temp, { force: true });
          quota.invalidate(project);
          throw error;
        }
        const found = await statFile(project, path);
        if (!found) throw new InferdError("internal", `${quote(path)} vanished right after it was written`);
        return found.file;
      });
    },

    async list(project, prefix, pageSize, pageToken): Promise<FilePage> {
      const { dataDir } = layout(project);
      const all: string[] = [];
      await walkFiles(dataDir, dataDir, "", all);
      const after = pageToken === "" ? undefined : Buffer.from(pageToken, "base64url");
      const selected = all
        .filter((path) => path.startsWith(prefix))
        .map((path) => ({ path, bytes: Buffer.from(path, "utf8") }))
        .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
        .filter((entry) => after === undefined || Buffer.compare(entry.bytes, after) > 0);
      const files: StoredFile[] = [];
      let index = 0;
      for (; index < selected.length && files.length < pageSize; index++) {
        const entry = selected[index] as { path: string };
        // Links that lead outside the project, or to folders, are not files of the project.
        const found = await statFile(project, entry.path).catch(() => undefined);
        if (found) files.push(found.file);
      }
      const last = files[files.length - 1];
      const nextPageToken = index < selected.length && last ? encodeToken(last.path) : "";
      return { files, nextPageToken };
    },

    async delete(project, path) {
      const key = lockKey(project, path);
      return mutex.run(key, async () => {
        await settle(key, true);
        const discardedPartial = await discardPartial(project, path);
        const found = await statFile(project, path);
        let deleted = false;
        if (found) {
          // Remove the name inside the project (a link itself, never what it points to).
          const target = joinRelative(layout(project).dataDir, path);
          const stats = await lstat(target);
          await rm(target, { force: true });
          await rm(join(layout(project).metaDir, `${pathKey(path)}.json`), { force: true });
          if (stats.isFile()) quota.adjust(project, -stats.size);
          deleted = true;
        }
        if (!deleted && !discardedPartial) throw notFound(path);
        return { deleted, discardedPartial };
      });
    },

    async close() {
      await Promise.all([...active.values()].map((session) => session.abort()));
    },
  };
  return store;
}
