import { status } from "@grpc/grpc-js";
import { InferdClientError } from "./errors";

/** The scheme of stored files' URIs. */
export const URI_SCHEME = "inferd://";

/** A stored file's URI split into its project and path. */
export interface FileUri {
  project: string;
  path: string;
}

/** Whether a string is an inferd file URI ("inferd://<project>/<path>"). */
export function isFileUri(value: string): boolean {
  return value.startsWith(URI_SCHEME);
}

/** Splits "inferd://<project>/<path>"; throws INVALID_ARGUMENT for anything else. */
export function parseFileUri(uri: string): FileUri {
  const rest = isFileUri(uri) ? uri.slice(URI_SCHEME.length) : "";
  const slash = rest.indexOf("/");
  if (slash <= 0 || slash === rest.length - 1) {
    throw new InferdClientError(status.INVALID_ARGUMENT, {
      details: `"${uri}" is not a file URI; expected inferd://<project>/<path>`,
    });
  }
  return { project: rest.slice(0, slash), path: rest.slice(slash + 1) };
}

/** Builds "inferd://<project>/<path>". */
export function formatFileUri(project: string, path: string): string {
  return `${URI_SCHEME}${project}/${path}`;
}
