import { invalidArgument } from "../errors";
import { quote } from "../quote";

/** Longest project id, in characters. */
export const MAX_PROJECT_LENGTH = 64;
/** Longest relative path, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1024;
/** Longest path segment, in UTF-8 bytes (the usual file-system NAME_MAX). */
export const MAX_SEGMENT_BYTES = 255;

const PROJECT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
// C0 controls, DEL and C1 controls: never part of a file name we accept.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `project` is not a valid project id, or undefined when it is. */
export function validateProject(project: string): string | undefined {
  if (project.length === 0) return "project is empty; give a project id such as \"demo\"";
  if (project.length > MAX_PROJECT_LENGTH) {
    return `project ${quote(project)} is longer than ${MAX_PROJECT_LENGTH} characters`;
  }
  if (!PROJECT.test(project)) {
    return `project ${quote(project)} must use only A-Z a-z 0-9 . _ - and not start with "." or "-"`;
  }
  return undefined;
}

/** Why `path` is not a valid relative file path, or undefined when it is. */
export function validatePath(path: string): string | undefined {
  if (path.length === 0) return 'path is empty; give a relative path such as "images/cat.png"';
  if (Buffer.byteLength(path, "utf8") > MAX_PATH_BYTES) return `path is longer than ${MAX_PATH_BYTES} bytes`;
  if (CONTROL.test(path)) return `path ${quote(path)} contains a control character (NUL, newline, ...)`;
  if (path.includes("\\")) return `path ${quote(path)} contains "\\"; separate folders with "/"`;
  if (path.startsWith("/")) return `path ${quote(path)} is absolute; give it relative to the project`;
  for (const segment of path.split("/")) {
    if (segment === "") return `path ${quote(path)} has an empty segment ("//" or a trailing "/")`;
    if (segment === "." || segment === "..") return `path ${quote(path)} has a "${segment}" segment`;
    if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
      return `path ${quote(path)} has a segment longer than ${MAX_SEGMENT_BYTES} bytes`;
    }
  }
  return undefined;
}

/** Why `prefix` is not a valid ListFiles prefix, or undefined when it is (empty is valid). */
export function validatePrefix(prefix: string): string | undefined {
  if (Buffer.byteLength(prefix, "utf8") > MAX_PATH_BYTES) return `prefix is longer than ${MAX_PATH_BYTES} bytes`;
  if (CONTROL.test(prefix)) return `prefix ${quote(prefix)} contains a control character`;
  if (prefix.startsWith("/")) return `prefix ${quote(prefix)} is absolute; give it relative to the project`;
  return undefined;
}

/** Throws INVALID_ARGUMENT unless `project` is a valid project id. */
export function assertProject(project: string): void {
  const problem = validateProject(project);
  if (problem) throw invalidArgument(problem);
}

/** Throws INVALID_ARGUMENT unless `path` is a valid relative path. */
export function assertPath(path: string): void {
  const problem = validatePath(path);
  if (problem) throw invalidArgument(problem);
}

/** Throws INVALID_ARGUMENT unless `project` and `path` are both valid. */
export function assertProjectPath(project: string, path: string): void {
  assertProject(project);
  assertPath(path);
}
