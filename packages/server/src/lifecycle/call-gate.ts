import { status } from "@grpc/grpc-js";
import { isPublicMethod } from "../auth/interceptor";
import type { CallCheck, CallObserver } from "./call-interceptor";

/**
 * Counts in-flight calls and, once draining starts, refuses new ones with UNAVAILABLE.
 * Health and reflection stay open while draining (they are not counted), so clients and
 * load balancers can watch the server turn NOT_SERVING.
 */
export interface CallGate {
  /** Counts calls in flight (give it to the server's call interceptor). */
  readonly observer: CallObserver;
  /** Refuses new calls once draining (give it to the call interceptor, before auth). */
  readonly check: CallCheck;
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

  const refusal = { code: status.UNAVAILABLE, details: "the server is shutting down; retry on another instance" };
  const check: CallCheck = (path) => (draining && !isPublicMethod(path) ? refusal : undefined);

  // One shared end function: counting needs no per-call state.
  const release = (): void => {
    inFlight--;
    settle();
  };
  const ignore = (): void => undefined;
  const observer: CallObserver = (path) => {
    if (isPublicMethod(path)) return ignore;
    inFlight++;
    return release;
  };

  return {
    observer,
    check,
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
