import { ServerInterceptingCall, status, type ServerInterceptor } from "@grpc/grpc-js";
import { isPublicMethod } from "../auth/interceptor";
import { createObservingInterceptor } from "./observe-calls";

/**
 * Counts in-flight calls and, once draining starts, refuses new ones with UNAVAILABLE.
 * Health and reflection stay open while draining (they are not counted), so clients and
 * load balancers can watch the server turn NOT_SERVING.
 */
export interface CallGate {
  /** Put these interceptors on the server, in this order. */
  readonly interceptors: readonly ServerInterceptor[];
  readonly inFlight: number;
  /** From now on, new non-public calls are refused with UNAVAILABLE. */
  beginDrain(): void;
  /** Resolves true once no call is in flight, or false when `timeoutMs` passed first. */
  waitIdle(timeoutMs: number): Promise<boolean>;
}

/** Creates the {@link CallGate}. */
export function createCallGate(): CallGate {
  let inFlight = 0;
  let draining = false;
  let idleWaiters: Array<() => void> = [];

  const settle = (): void => {
    if (inFlight > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  const refuse: ServerInterceptor = (method, call) => {
    if (!draining || isPublicMethod(method.path)) return new ServerInterceptingCall(call);
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata() {
            call.sendStatus({ code: status.UNAVAILABLE, details: "the server is shutting down; retry on another instance" });
          },
        });
      },
    });
  };

  const count = createObservingInterceptor((path) => {
    if (isPublicMethod(path)) return () => undefined;
    inFlight++;
    return () => {
      inFlight--;
      settle();
    };
  });

  return {
    interceptors: [count, refuse],
    get inFlight() {
      return inFlight;
    },
    beginDrain() {
      draining = true;
    },
    waitIdle(timeoutMs) {
      if (inFlight === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          idleWaiters = idleWaiters.filter((wake) => wake !== done);
          resolve(false);
        }, timeoutMs);
        function done(): void {
          clearTimeout(timer);
          resolve(true);
        }
        idleWaiters.push(done);
      });
    },
  };
}
