/**
 * The page's server-side session: `POST <inferd>/studio/session` mints a fresh project and a
 * bearer token that may use only that project (the server enforces it), minted with the
 * server's static token when auth is on. Every call of the page then carries the session
 * token. The session is kept in sessionStorage so a reload re-attaches to its jobs; once it
 * expired on the server (idle TTL) a new one is minted.
 */

/** A minted session. */
export interface PageSession {
  readonly token: string;
  readonly project: string;
}

const KEY = "inferd-studio-session";

function stored(storage: Storage): PageSession | undefined {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? "null") as Partial<PageSession> | null;
    return typeof value?.token === "string" && typeof value.project === "string" ? { token: value.token, project: value.project } : undefined;
  } catch {
    return undefined;
  }
}

/** Mints a session on the server; throws an Error with a message for the page. */
export async function mintSession(baseUrl: string, staticToken: string | undefined): Promise<PageSession> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/studio/session`, { method: "POST", headers: staticToken ? { authorization: `Bearer ${staticToken}` } : {} });
  } catch (error) {
    throw new Error(`cannot reach inferd at ${baseUrl} (${error instanceof Error ? error.message : String(error)}); is the server running with --http-port, and does --cors-origin allow this page?`);
  }
  if (response.status === 401) {
    throw new Error(staticToken ? "the server does not accept this token: check the token field" : "the server has auth on: enter its token in the token field to start a session");
  }
  if (!response.ok) throw new Error(`inferd answered HTTP ${response.status} to POST /studio/session; is it a version with studio sessions?`);
  const body = (await response.json()) as Partial<PageSession>;
  if (typeof body.token !== "string" || typeof body.project !== "string") throw new Error("inferd's session answer lacks token or project");
  return { token: body.token, project: body.project };
}

/**
 * This tab's session: the stored one while `alive` says the server still accepts it,
 * otherwise a freshly minted one (stored for reloads).
 */
export async function openSession(
  baseUrl: string,
  staticToken: string | undefined,
  storage: Storage,
  alive: (session: PageSession) => Promise<boolean>,
): Promise<PageSession> {
  const previous = stored(storage);
  if (previous && (await alive(previous))) return previous;
  const session = await mintSession(baseUrl, staticToken);
  storage.setItem(KEY, JSON.stringify(session));
  return session;
}

/** Forgets the stored session (e.g. when the static token changes). */
export function forgetSession(storage: Storage): void {
  storage.removeItem(KEY);
}
