import { ServerInterceptingCall, type Metadata, type ServerInterceptor, type status } from "@grpc/grpc-js";

/** The status an injected failure answers with, as a handler's `callback(error)` would. */
export interface InjectedFailure {
  /** gRPC status code, e.g. `status.UNAVAILABLE`. */
  code: status;
  /** Status message; default "". */
  details?: string;
  /** Trailing metadata sent with the status. */
  metadata?: Metadata;
}

/** Failure and delay injection, applied just before a call reaches its handler. */
export interface FaultInjector {
  /** Innermost server interceptor: user interceptors (auth, logging) see injected failures too. */
  readonly interceptor: ServerInterceptor;
  /** The next call of `path` that reaches the handler fails with `failure` instead (queued). */
  failNext(path: string, failure: InjectedFailure): void;
  /** Calls of `path` wait `ms` before reaching their handler (0 removes the delay). */
  delay(path: string, ms: number): void;
  /** Drops every pending failure and delay. */
  clear(): void;
}

/** Creates a {@link FaultInjector}; the same interceptor serves both test modes. */
export function createFaultInjector(): FaultInjector {
  const failures = new Map<string, InjectedFailure[]>();
  const delays = new Map<string, number>();

  const interceptor: ServerInterceptor = (method, call) => {
    const failure = failures.get(method.path)?.shift();
    const delayMs = delays.get(method.path) ?? 0;
    if (!failure && delayMs <= 0) return new ServerInterceptingCall(call);

    let timer: NodeJS.Timeout | undefined;
    let cancelled = false;
    // Unary and server-streaming handlers run once the request is complete (half-close);
    // client- and bidi-streaming handlers run as soon as the metadata arrives.
    const gate = (proceed: () => void): void => {
      const go = (): void => {
        timer = undefined;
        if (cancelled) return;
        if (failure) {
          call.sendStatus({ code: failure.code, details: failure.details ?? "", metadata: failure.metadata ?? null });
        } else {
          proceed();
        }
      };
      if (delayMs > 0) timer = setTimeout(go, delayMs);
      else go();
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            if (method.requestStream) gate(() => nextMetadata(metadata));
            else nextMetadata(metadata);
          },
          onReceiveHalfClose(nextHalfClose) {
            if (method.requestStream) nextHalfClose();
            else gate(nextHalfClose);
          },
          onCancel() {
            cancelled = true;
            if (timer) clearTimeout(timer);
          },
        });
      },
    });
  };

  return {
    interceptor,
    failNext(path, failure) {
      const queue = failures.get(path) ?? [];
      queue.push(failure);
      failures.set(path, queue);
    },
    delay(path, ms) {
      if (!(ms >= 0)) throw new Error(`delay must be 0 or more milliseconds, got ${ms}`);
      if (ms === 0) delays.delete(path);
      else delays.set(path, ms);
    },
    clear() {
      failures.clear();
      delays.clear();
    },
  };
}
