import { ServerInterceptingCall, status, type Metadata, type ServerInterceptor, type StatusObject } from "@grpc/grpc-js";
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
}

const ignoreEnd = (): void => undefined;

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
  return (method, call) => {
    const path = method.path;
    const onEnd = observe(path);
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
            for (const check of checks) {
              const refusal = check(path, metadata);
              if (refusal) {
                end(refusal.code);
                call.sendStatus({ code: refusal.code, details: refusal.details });
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
        next(sent);
      },
    });
  };
}
