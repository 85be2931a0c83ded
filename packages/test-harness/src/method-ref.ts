import type { ServiceDefinition } from "@grpc/grpc-js";

/**
 * Names one RPC: its method definition (`DiagnosticsService.ping`), its full path
 * ("/inferd.v1.Diagnostics/Ping"), "Diagnostics/Ping", or just "Ping" when only one service has it.
 */
export type MethodRef = string | { readonly path: string };

/** Splits "/pkg.Service/Method" into its service and method names. */
export function splitPath(path: string): { service: string; method: string } {
  const slash = path.lastIndexOf("/");
  return { service: path.slice(1, slash), method: path.slice(slash + 1) };
}

/** Resolves a {@link MethodRef} against the services a test server hosts. */
export function createMethodResolver(definitions: readonly ServiceDefinition[]): (ref: MethodRef) => string {
  const paths = [...new Set(definitions.flatMap((definition) => Object.values(definition).map((m) => m.path)))];
  return (ref) => {
    if (typeof ref !== "string") return ref.path;
    if (ref.startsWith("/")) {
      if (paths.includes(ref)) return ref;
    } else {
      const matches = paths.filter((path) => path.endsWith(`/${ref}`) || path.endsWith(`.${ref}`));
      if (matches.length === 1 && matches[0] !== undefined) return matches[0];
      if (matches.length > 1) throw new Error(`method "${ref}" is ambiguous (${matches.join(", ")}); use its full path`);
    }
    throw new Error(`the test server hosts no method "${ref}"; known methods: ${paths.join(", ")}`);
  };
}
