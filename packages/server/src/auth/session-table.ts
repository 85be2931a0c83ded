import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { InferdError } from "../errors";
import type { Principal } from "./token-table";

/** Prefix of every session project; tokenless callers may not use such projects. */
export const SESSION_PROJECT_PREFIX = "studio-";

/** One minted session: its secret token and the only project it may use. */
export interface StudioSession {
  readonly token: string;
  readonly project: string;
  /** Idle time after which it expires, in ms. */
  readonly ttlMs: number;
}

/** What {@link createSessionTable} needs. */
export interface SessionTableOptions {
  /** A session not used for this long expires. */
  readonly ttlMs: number;
  /** Most live sessions; minting one more (after expired ones are swept) is RESOURCE_EXHAUSTED. */
  readonly maxSessions: number;
  /** Called once per ended session (expired or ended), to delete its project's data. */
  readonly onEnd: (project: string) => Promise<void> | void;
  /** The clock; tests move it. Default Date.now. */
  readonly now?: () => number;
}

/** Sessions minted at run time, each a bearer token scoped to one fresh project. */
export interface SessionTable {
  mint(): StudioSession;
  /** The principal of a live session token (and marks it used), or undefined. */
  match(presented: string): Principal | undefined;
  /** Ends the session of the token now and resolves once its data is deleted; false when there is none. */
  end(presented: string): Promise<boolean>;
  /** True when `project` belongs to a session (live or not): reserved for it. */
  isSessionProject(project: string): boolean;
  /** Ends every session idle for longer than the TTL; returns how many. */
  sweep(): number;
  /** Live sessions. */
  readonly size: number;
}

interface Entry {
  readonly digest: Buffer;
  readonly project: string;
  lastUsed: number;
}

const digest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest();

/**
 * Creates the session table. Tokens are kept as SHA-256 digests and compared with
 * crypto.timingSafeEqual against every live entry (as token-table.ts does), so timing does
 * not reveal which session or how much of a guess matched.
 */
export function createSessionTable(options: SessionTableOptions): SessionTable {
  const now = options.now ?? Date.now;
  const entries: Entry[] = [];

  function find(presented: string): Entry | undefined {
    const candidate = digest(presented);
    let found: Entry | undefined;
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, candidate) && found === undefined) found = entry;
    }
    return found;
  }
  function remove(entry: Entry): Promise<void> {
    entries.splice(entries.indexOf(entry), 1);
    return Promise.resolve(options.onEnd(entry.project));
  }
  const expired = (entry: Entry): boolean => now() - entry.lastUsed > options.ttlMs;

  return {
    mint() {
      // Every live session costs memory and a comparison per session-token call: bounded.
      if (entries.length >= options.maxSessions) this.sweep();
      if (entries.length >= options.maxSessions) {
        throw new InferdError(
          "resource-exhausted",
          `the server already has ${options.maxSessions} live studio sessions (--max-studio-sessions); end one (DELETE /studio/session) or retry once one expires`,
        );
      }
      const token = randomBytes(32).toString("base64url");
      const project = `${SESSION_PROJECT_PREFIX}${randomBytes(12).toString("hex")}`;
      entries.push({ digest: digest(token), project, lastUsed: now() });
      return { token, project, ttlMs: options.ttlMs };
    },
    match(presented) {
      const entry = find(presented);
      if (!entry) return undefined;
      if (expired(entry)) {
        void remove(entry);
        return undefined;
      }
      entry.lastUsed = now();
      const project = entry.project;
      return { name: `session ${project}`, mayUse: (wanted) => wanted === project };
    },
    async end(presented) {
      const entry = find(presented);
      if (!entry) return false;
      await remove(entry);
      return true;
    },
    isSessionProject: (project) => project.startsWith(SESSION_PROJECT_PREFIX),
    sweep() {
      const old = entries.filter(expired);
      for (const entry of old) void remove(entry);
      return old.length;
    },
    get size() {
      return entries.length;
    },
  };
}
