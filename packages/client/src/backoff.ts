import { status } from "@grpc/grpc-js";
import type { InferdClientError } from "./errors";

/** How resumable transfers retry transient failures. */
export interface RetryPolicy {
  /** Attempts after the first one without progress before giving up (default 8). */
  maxRetries: number;
  /** First delay in milliseconds (default 250). */
  initialDelayMs: number;
  /** Largest delay in milliseconds (default 8,000). */
  maxDelayMs: number;
  /** Factor between two delays (default 2). */
  multiplier: number;
  /** Waits; injectable so tests need no real time. */
  sleep: (ms: number) => Promise<void>;
  /** Returns [0, 1); injectable for deterministic jitter in tests. */
  random: () => number;
}

/** The default retry policy: 250 ms doubling up to 8 s, 8 retries, full jitter on half. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 8,
  initialDelayMs: 250,
  maxDelayMs: 8_000,
  multiplier: 2,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * The delay before retry number `attempt` (0-based): exponential growth capped at
 * maxDelayMs, with the upper half jittered so that many clients do not retry in step.
 */
export function backoffDelay(policy: Pick<RetryPolicy, "initialDelayMs" | "maxDelayMs" | "multiplier" | "random">, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** attempt);
  return Math.round(ceiling / 2 + (policy.random() * ceiling) / 2);
}

// A connection that broke mid-call surfaces as INTERNAL or UNKNOWN with one of these.
const BROKEN_CONNECTION = /RST_STREAM|ECONNRESET|EPIPE|connection reset|Connection dropped|Connection closed|stream removed|GOAWAY|socket hang up/i;

/**
 * Whether a failed call is worth retrying: the server was unreachable or restarting
 * (UNAVAILABLE), a chunk timed out (DEADLINE_EXCEEDED), the call was aborted by a
 * concurrent one (ABORTED), or the connection broke mid-call.
 */
export function isTransient(error: InferdClientError): boolean {
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
    case status.ABORTED:
      return true;
    case status.INTERNAL:
    case status.UNKNOWN:
      return BROKEN_CONNECTION.test(error.details);
    default:
      return false;
  }
}

/** Notified before each retry (e.g. to print "retrying in 0.5 s"). */
export type RetryListener = (event: { attempt: number; delayMs: number; error: InferdClientError }) => void;

/**
 * Counts retries without progress and sleeps between them. `progressed()` resets the count,
 * so a long transfer over a flaky link keeps going as long as each attempt moves forward.
 */
export interface Backoff {
  /** Waits before the next retry, or throws `error` when the retries are used up. */
  wait(error: InferdClientError): Promise<void>;
  /** Records that the last attempt made progress. */
  progressed(): void;
}

/** Creates a {@link Backoff} for one transfer. */
export function createBackoff(policy: RetryPolicy, onRetry?: RetryListener): Backoff {
  let attempt = 0;
  return {
    async wait(error) {
      if (attempt >= policy.maxRetries) throw error;
      const delayMs = backoffDelay(policy, attempt);
      attempt += 1;
      onRetry?.({ attempt, delayMs, error });
      await policy.sleep(delayMs);
    },
    progressed() {
      attempt = 0;
    },
  };
}
