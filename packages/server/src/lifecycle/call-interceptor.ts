import { randomUUID } from "node:crypto";
import { Metadata, ServerInterceptingCall, status, type ServerInterceptor, type StatusObject } from "@grpc/grpc-js";
import { capStatusMessage, internalCauseOf, REQUEST_ID_HEADER } from "../errors";
import type { Logger } from "../logger";
import { isMalformedRequest, malformedDetails } from "./malformed-request";

/** Called when a call starts; returns the function called once with the call's final code. */
export type CallObserver = (path: string) => (code: status) => void;

/** A refusal: the status a call is answered with instead of reaching its handler. */
export type CallRefusal = Pick<StatusObject, "code" | "details">;

/** Looks at a call's method and metadata before the handler runs; a refusal answers the call. */
export type CallCheck = (path: string, metadata: Metadata) => CallRefusal | undefined;

/** What {@link createCallInterceptor} does around every call. */
export interface CallInterceptorParts {
  /** Told of every call's start and end (metrics, in-flight counting). */
  readonly observers?: readonly CallObserver[];
  /** Run in order on the call's metadata (drain refusal, auth); the first refusal answers the call. */
  readonly checks?: readonly CallCheck[];
  /** Where every INTERNAL status is logged, with its cause and the call's request id. */
  readonly logger?: Logger;
}

const ignoreEnd = (): void => undefined;

/**
 * A failed call's status as the client gets it: the request id in the trailers, and for an
 * INTERNAL also in the message ("the server log has the details" then points at one entry).
 */
function withRequestId<S extends CallRefusal & { metadata?: Metadata | null }>(sent: S, requestId: string): S & { metadata: Metadata } {
  const metadata = sent.metadata ?? new Metadata();
  metadata.set(REQUEST_ID_HEADER, requestId);
  // Capped here too, for statuses that did not go through toServiceError (libraries' own
  // handlers, e.g. grpc-health-check echoing a service name).
  const own = capStatusMessage(sent.details);
  const details = sent.code === status.INTERNAL ? `${own} (request id ${requestId})` : own;
  return { ...sent, details, metadata };
}

function combineObservers(observers: readonly CallObserver[]): CallObserver {
  if (observers.length === 0) return () => ignoreEnd;
  return observers.reduce((outer, inner) => (path) => {
    const endOuter = outer(path);
    const endInner = inner(path);
    return (code) => {
      endOuter(code);
      endInner(code);
    };
  });
}

/**
 * One grpc-js server interceptor for everything inferd does around a call: observers see every
 * call's start and its end (the status the server sent, or CANCELLED when the client went away
 * first; each end is reported exactly once, refusals included), then the checks run on the
 * call's metadata before the handler starts.
 *
 * One interceptor rather than one per concern: grpc-js wraps every call in a
 * ServerInterceptingCall per interceptor (responder, listener and callbacks for each), which the
 * unary benchmark's CPU profile showed as a large share of what inferd added to a Ping.
 */
export function createCallInterceptor(parts: CallInterceptorParts): ServerInterceptor {
  const observe = combineObservers(parts.observers ?? []);
  const checks = parts.checks ?? [];
  const logger = parts.logger;
  return (method, call) => {
    const path = method.path;
    const onEnd = observe(path);
    // Every call gets an id: handlers read it from the metadata (a client's own value is
    // replaced), clients get it back with any error.
    const requestId = randomUUID();
    let ended = false;
    const end = (code: status): void => {
      if (ended) return;
      ended = true;
      onEnd(code);
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, forward) {
            metadata.set(REQUEST_ID_HEADER, requestId);
            for (const check of checks) {
              const refusal = check(path, metadata);
              if (refusal) {
                end(refusal.code);
                call.sendStatus(withRequestId({ code: refusal.code, details: refusal.details }, requestId));
                return;
              }
            }
            forward(metadata);
          },
          onReceiveMessage(message, forward) {
            // A request that did not parse (see withTolerantDecode) never reaches the handler.
            if (isMalformedRequest(message)) {
              end(status.INVALID_ARGUMENT);
              call.sendStatus({ code: status.INVALID_ARGUMENT, details: malformedDetails(message) });
              return;
            }
            forward(message);
          },
          onCancel: () => end(status.CANCELLED),
        });
      },
      sendStatus(sent, next) {
        end(sent.code);
        if (sent.code === status.OK) {
          next(sent);
          return;
        }
        if (sent.code === status.INTERNAL) {
          const cause = internalCauseOf(sent.metadata);
          logger?.error({ err: cause ?? new Error(sent.details), requestId, method: path }, "internal error: the client was answered INTERNAL");
        }
        next(withRequestId(sent, requestId));
      },
    });
  };
}
