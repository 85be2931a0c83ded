import type { HeaderBlock } from "./wire";

/** What the server side of a fake stream delivers to the client side. */
export interface ClientEnd {
  /** Response headers (initial metadata). */
  receiveHeaders(block: HeaderBlock): void;
  /** One serialized response message; `ack` is the sender's write acknowledgement. */
  receiveMessage(bytes: Buffer, ack: () => void): void;
  /**
   * Trailers that end the call (a trailers-only response when no headers came first).
   * `cause` is what the handler threw, when it threw: fake mode's only addition to the status.
   */
  receiveTrailers(block: HeaderBlock, cause: unknown): void;
  /** The server dropped the stream without a status (force shutdown). */
  receiveReset(): void;
}

/** What the client side of a fake stream delivers to the server side. */
export interface ServerEnd {
  /** One serialized request message; `ack` is the sender's write acknowledgement. */
  receiveMessage(bytes: Buffer, ack: () => void): void;
  /** The client half-closed: no more request messages. */
  receiveHalfClose(): void;
  /** The client cancelled the call (cancel(), deadline, or a client-side error). */
  receiveReset(): void;
}

/**
 * Runs `deliver` on a later turn of the event loop, as a frame crossing a socket would arrive.
 * setImmediate keeps the order in which hops were sent and lets timers (deadlines) run between
 * them, so a fast stream cannot starve them.
 */
export function hop(deliver: () => void): void {
  setImmediate(deliver);
}
