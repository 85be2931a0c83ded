import { invalidArgument } from "../errors";
import { assertProjectPath } from "./validate";
import { quote } from "../quote";

/** The scheme of file URIs: `inferd://<project>/<path>`. */
export const URI_SCHEME = "inferd://";

/** A file named by project and relative path. */
export interface FileRef {
  readonly project: string;
  readonly path: string;
}

/**
 * Formats the opaque URI of a file. The project and path appear literally (no
 * percent-encoding), so a URI round-trips through {@link parseFileUri} unchanged.
 */
export function formatFileUri(project: string, path: string): string {
  return `${URI_SCHEME}${project}/${path}`;
}

/**
 * Parses and validates `inferd://<project>/<path>`; throws INVALID_ARGUMENT (saying what to
 * fix) for any other string, including `file://` URIs and server paths.
 */
export function parseFileUri(uri: string): FileRef {
  if (uri.length === 0) throw invalidArgument('uri is empty; give "inferd://<project>/<path>"');
  if (!uri.startsWith(URI_SCHEME)) {
    throw invalidArgument(`uri must look like "inferd://<project>/<path>"; got ${quote(uri)}`);
  }
  const rest = uri.slice(URI_SCHEME.length);
  const slash = rest.indexOf("/");
  if (slash < 0) throw invalidArgument(`uri ${quote(uri)} names no path after the project`);
  const ref = { project: rest.slice(0, slash), path: rest.slice(slash + 1) };
  assertProjectPath(ref.project, ref.path);
  return ref;
}
