/**
 * `POST /studio/session` and `DELETE /studio/session` on the HTTP port: the studio (or any
 * browser app) mints a session — a fresh project and a bearer token scoped to only that
 * project — and ends it. When auth is on, minting needs a valid static token; a session token
 * cannot mint more sessions.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Metadata } from "@grpc/grpc-js";
import type { Authorizer } from "../../auth/authorizer";
import { bearerToken } from "../../auth/authorizer";
import type { SessionTable } from "../../auth/session-table";
import { toServiceError } from "../../errors";
import type { GrpcWebBridge } from "./bridge";
import { corsHeaders } from "./cors";

export const STUDIO_SESSION_PATH = "/studio/session";

/** HTTP status of the errors the route can answer with. */
const HTTP_STATUS: Record<number, number> = { 16: 401, 7: 403, 8: 429 };

function send(response: ServerResponse, code: number, headers: Record<string, string>, body?: unknown): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  response.writeHead(code, { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }), "content-length": String(Buffer.byteLength(text)) });
  response.end(text);
}

/** Serves the session route in front of `bridge` (everything else goes to the bridge). */
export function withStudioSessions(bridge: GrpcWebBridge, sessions: SessionTable, staticAuth: Authorizer, corsOrigins: readonly string[]): GrpcWebBridge {
  return {
    handle(request: IncomingMessage, response: ServerResponse) {
      const path = (request.url ?? "").split("?")[0] ?? "";
      if (path !== STUDIO_SESSION_PATH) return bridge.handle(request, response);
      const base = corsHeaders(request, corsOrigins);
      const cors = base["access-control-allow-origin"] ? { ...base, "access-control-allow-methods": "POST, DELETE, OPTIONS" } : base;
      request.resume();
      const metadata = new Metadata();
      const authorization = request.headers.authorization;
      if (authorization !== undefined) metadata.set("authorization", authorization);
      if (request.method === "OPTIONS") {
        send(response, 204, cors);
      } else if (request.method === "POST") {
        try {
          staticAuth.authenticate(metadata);
        } catch (error) {
          const { code, details } = toServiceError(error);
          send(response, HTTP_STATUS[code] ?? 500, cors, { error: details });
          return true;
        }
        let session;
        try {
          session = sessions.mint();
        } catch (error) {
          const { code, details } = toServiceError(error);
          send(response, HTTP_STATUS[code] ?? 500, cors, { error: details });
          return true;
        }
        send(response, 200, cors, { token: session.token, project: session.project, ttlSeconds: Math.round(session.ttlMs / 1000) });
      } else if (request.method === "DELETE") {
        const token = bearerToken(metadata);
        void (token === undefined ? Promise.resolve(false) : sessions.end(token)).then((ended) =>
          send(response, ended ? 204 : 404, cors, ended ? undefined : { error: "no live session has this token" }),
        );
      } else {
        send(response, 405, { ...cors, allow: "POST, DELETE, OPTIONS" }, { error: "use POST to mint a session, DELETE to end it" });
      }
      return true;
    },
    close: () => bridge.close(),
  };
}
