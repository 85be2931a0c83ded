/**
 * A copyable command that reproduces the page's current request and filter: inferctl against
 * the gRPC port (the page knows only the HTTP port, so the gRPC address is a placeholder).
 */
import type { ResultFilter } from "./filter-results";

/** What the snippet describes. */
export interface SnippetInput {
  readonly model: string;
  readonly fileName: string;
  readonly filter: ResultFilter;
  readonly tokenSet: boolean;
}

const quote = (text: string): string => (/^[\w./:@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

/** The inferctl command line for `input`. */
export function inferctlSnippet(input: SnippetInput): string {
  const parts = ["pnpm --silent inferctl", "--address <grpc host:port>", ...(input.tokenSet ? ["--token $INFERD_TOKEN"] : []), "infer", quote(input.fileName), "--model", quote(input.model)];
  parts.push("--threshold", String(input.filter.confidence));
  if (input.filter.iou < 1) parts.push("--iou", String(input.filter.iou));
  if (input.filter.maxResults > 0) parts.push("--max-results", String(input.filter.maxResults));
  return parts.join(" ");
}
