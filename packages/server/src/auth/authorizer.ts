import type { Metadata } from "@grpc/grpc-js";
import { InferdError } from "../errors";
import type { Principal, TokenTable } from "./token-table";
import type { SessionTable } from "./session-table";
import { quote } from "../quote";

/** The principal used when auth is off: it may use every project. */
export const ANONYMOUS: Principal = { name: "anonymous", mayUse: () => true };

/** Checks callers: who they are (token) and which projects they may use. */
export interface Authorizer {
  /** True when tokens are required. */
  readonly enabled: boolean;
  /**
   * The caller's principal. Throws InferdError("unauthenticated") when auth is on and the
   * `authorization: Bearer <token>` header is missing, malformed or not accepted.
   */
  authenticate(metadata: Metadata): Principal;
  /**
   * Throws InferdError("unauthenticated") or ("permission-denied") unless the caller may use
   * `project`. Handlers call it for every project a request names (Files, Run, Infer by URI).
   */
  authorizeProject(metadata: Metadata, project: string): Principal;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Extracts the bearer token of a call, or undefined when there is none. */
export function bearerToken(metadata: Metadata): string | undefined {
  const values = metadata.get("authorization");
  if (values.length !== 1) return undefined;
  const value = values[0];
  if (typeof value !== "string") return undefined;
  return BEARER.exec(value)?.[1];
}

/** Anonymous callers (auth off) may use every project except the studio sessions' ones. */
function anonymousOutside(sessions: SessionTable): Principal {
  return { name: "anonymous", mayUse: (project) => !sessions.isSessionProject(project) };
}

/**
 * Creates the {@link Authorizer} over a token table (auth is off when the table is empty) and,
 * when given, the studio session table: a live session token stands for a principal that may
 * use only its own project, and session projects are closed to tokenless callers.
 */
export function createAuthorizer(table: TokenTable, sessions?: SessionTable): Authorizer {
  const anonymous = sessions ? anonymousOutside(sessions) : ANONYMOUS;
  function authenticate(metadata: Metadata): Principal {
    if (sessions && metadata.get("authorization").length === 1) {
      const token = bearerToken(metadata);
      const session = token === undefined ? undefined : sessions.match(token);
      if (session) return session;
    }
    if (!table.enabled) return anonymous;
    // HTTP/2 allows one authorization field; with two, which one counts would be a guess
    // (Node keeps the first; transport/connection-limits.ts restores the duplicates).
    const count = metadata.get("authorization").length;
    if (count > 1) {
      throw new InferdError("unauthenticated", `the call has ${count} authorization headers; send exactly one "authorization: Bearer <token>"`);
    }
    const token = bearerToken(metadata);
    if (token === undefined) {
      throw new InferdError(
        "unauthenticated",
        'missing credentials: send the metadata header "authorization: Bearer <token>"',
      );
    }
    const principal = table.match(token);
    if (!principal) throw new InferdError("unauthenticated", "the bearer token is not accepted by this server");
    return principal;
  }
  return {
    enabled: table.enabled,
    authenticate,
    authorizeProject(metadata, project) {
      const principal = authenticate(metadata);
      if (!principal.mayUse(project)) {
        throw new InferdError(
          "permission-denied",
          `this token may not use project ${quote(project)}; ask for a token that grants it`,
        );
      }
      return principal;
    },
  };
}
