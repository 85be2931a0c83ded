import { InferdError } from "../errors";
import type { Release } from "./admission";

/**
 * A server-wide budget of decoded image bytes. A decode reserves width × height × channels
 * bytes (known from the image header) before it starts and releases them once the pixels are
 * no longer needed, so however many calls arrive, decoded pixels never hold more memory than
 * the budget.
 */
export interface DecodeBudget {
  /** Bytes the budget holds. */
  readonly capacity: number;
  /** Bytes reserved now. */
  readonly reserved: number;
  /**
   * Resolves once `bytes` are reserved, waiting (first come, first served) while others hold
   * the budget. Throws InferdError resource-exhausted when `bytes` alone exceed the whole
   * budget; rejects with the signal's reason if it aborts while waiting.
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<Release>;
}

interface Waiter {
  readonly bytes: number;
  readonly granted: (release: Release) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

const MiB = 1024 * 1024;

/** Creates a {@link DecodeBudget} of `capacity` bytes. */
export function createDecodeBudget(capacity: number): DecodeBudget {
  let reserved = 0;
  const queue: Waiter[] = [];

  function grant(bytes: number): Release {
    reserved += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      reserved -= bytes;
      // Strict order: a large image at the head is not overtaken (it would starve).
      while (queue.length > 0 && reserved + queue[0]!.bytes <= capacity) {
        const next = queue.shift()!;
        next.signal?.removeEventListener("abort", next.onAbort);
        next.granted(grant(next.bytes));
      }
    };
  }

  return {
    capacity,
    get reserved() {
      return reserved;
    },
    async reserve(bytes, signal) {
      signal?.throwIfAborted();
      if (bytes > capacity) {
        throw new InferdError(
          "resource-exhausted",
          `decoding this image takes ${Math.ceil(bytes / MiB)} MiB, more than the server's whole decode budget of ` +
            `${Math.floor(capacity / MiB)} MiB (--decode-budget-mb); send a smaller image`,
        );
      }
      if (queue.length === 0 && reserved + bytes <= capacity) return grant(bytes);
      return new Promise<Release>((resolve, reject) => {
        const waiter: Waiter = {
          bytes,
          granted: resolve,
          signal,
          onAbort: () => {
            const index = queue.indexOf(waiter);
            if (index >= 0) queue.splice(index, 1);
            reject(signal?.reason);
          },
        };
        queue.push(waiter);
        signal?.addEventListener("abort", waiter.onAbort, { once: true });
      });
    },
  };
}
