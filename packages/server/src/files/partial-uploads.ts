import { readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { InferdError } from "../errors";
import { pathKey } from "./disk-layout";
import { syncDirectory } from "./durable-fs";
import type { UploadRequestHeader } from "./file-store";
import type { QuotaTracker } from "./quota";
import { quote } from "../quote";

/** What an unfinished upload declared, kept in the `.json` sidecar beside its `.part` file. */
export interface PartialDeclaration {
  readonly path: string;
  readonly totalSize?: string;
  readonly sha256?: string;
}

/** An unfinished upload found on disk. */
export interface PartialUpload {
  readonly declaration: PartialDeclaration;
  /** Length of the `.part` file: the resume point. */
  readonly storedBytes: bigint;
}

/** The staging names of one path's unfinished upload. */
export interface PartialFiles {
  readonly key: string;
  readonly part: string;
  readonly header: string;
}

/** The `.part` and `.json` files of `path` in a project's uploads folder. */
export function partialFiles(uploadsDir: string, path: string): PartialFiles {
  const key = pathKey(path);
  return { key, part: join(uploadsDir, `${key}.part`), header: join(uploadsDir, `${key}.json`) };
}

const DECIMAL = /^\d{1,20}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The sidecar's declaration when it is well-formed and names `path`; undefined otherwise. */
function parseDeclaration(text: string, path: string): PartialDeclaration | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { path: named, totalSize, sha256 } = parsed as Record<string, unknown>;
  if (named !== path) return undefined;
  if (totalSize !== undefined && (typeof totalSize !== "string" || !DECIMAL.test(totalSize))) return undefined;
  if (sha256 !== undefined && (typeof sha256 !== "string" || !SHA256_HEX.test(sha256))) return undefined;
  return { path, ...(totalSize !== undefined ? { totalSize } : {}), ...(sha256 !== undefined ? { sha256 } : {}) };
}

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === "ENOENT";

/**
 * The unfinished uploads of every project: reading them back (also after a crash that damaged
 * them) and discarding them. Callers hold the path's lock.
 */
export interface PartialUploads {
  /**
   * The unfinished upload of `path`, if any. A sidecar that is missing, empty or unreadable
   * while a `.part` exists (a power loss before the sidecar reached the disk) is recovered from
   * the `.part`: its bytes are the resume point and its declaration is gone (the resume declares
   * again). A `.part` longer than the total size its sidecar declares cannot be that file: both
   * are discarded. I/O errors other than "not there" are thrown, never read as "no upload".
   */
  read(project: string, path: string): Promise<PartialUpload | undefined>;
  /** Removes the unfinished upload of `path`; true when there was one. */
  discard(project: string, path: string): Promise<boolean>;
}

/** Creates {@link PartialUploads} over the projects' uploads folders. */
export function createPartialUploads(uploadsDirOf: (project: string) => string, quota: QuotaTracker): PartialUploads {
  const partSize = async (part: string): Promise<number | undefined> => {
    try {
      return (await stat(part)).size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };

  async function discard(project: string, path: string): Promise<boolean> {
    const files = partialFiles(uploadsDirOf(project), path);
    const size = await partSize(files.part);
    const hadHeader = await stat(files.header).then(
      () => true,
      (error: unknown) => (isMissing(error) ? false : Promise.reject(error)),
    );
    if (size === undefined && !hadHeader) return false;
    await rm(files.part, { force: true });
    await rm(files.header, { force: true });
    await syncDirectory(uploadsDirOf(project)).catch(() => undefined);
    if (size !== undefined) quota.adjust(project, -size);
    return true;
  }

  return {
    async read(project, path) {
      const files = partialFiles(uploadsDirOf(project), path);
      let text: string | undefined;
      try {
        text = await readFile(files.header, "utf8");
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
      const size = await partSize(files.part);
      const declaration = text === undefined ? undefined : parseDeclaration(text, path);
      if (declaration === undefined) {
        // No usable sidecar: the .part, if any, is all there is to go on.
        return size === undefined ? undefined : { declaration: { path }, storedBytes: BigInt(size) };
      }
      if (size !== undefined && declaration.totalSize !== undefined && BigInt(size) > BigInt(declaration.totalSize)) {
        await discard(project, path);
        return undefined;
      }
      return { declaration, storedBytes: BigInt(size ?? 0) };
    },
    discard,
  };
}

/**
 * A resume must declare what the unfinished upload declared: stored bytes of other content
 * would otherwise be completed with this content and fail only at publish (DATA_LOSS).
 */
export function assertSameDeclaration(path: string, stored: bigint, partial: PartialDeclaration | undefined, header: UploadRequestHeader): void {
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

/** Throws FAILED_PRECONDITION naming the resume point when `offset` is not `stored`. */
export function assertOffset(path: string, offset: bigint, stored: bigint): void {
  if (offset !== stored) {
    throw new InferdError(
      "failed-precondition",
      `upload offset ${offset} does not match the ${stored} bytes already stored for ${quote(path)}; resume from ${stored}`,
    );
  }
}
