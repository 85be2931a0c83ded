import { FLOW_CONTROL_WINDOW_BYTES } from "./wire";

interface Entry<T> {
  readonly item: T;
  readonly bytes: number;
  ack: (() => void) | undefined;
}

/**
 * The receive buffer of one direction of a fake stream. Like HTTP/2 flow control, a sender's
 * write callback (its "written" acknowledgement) runs at once while the unread bytes fit in the
 * window, and otherwise waits until the reader catches up; so a writer that ignores
 * `write() === false` and a reader that stops reading behave as they do over a socket.
 */
export class FlowQueue<T> {
  private readonly entries: Entry<T>[] = [];

  /** Number of unread entries. */
  get length(): number {
    return this.entries.length;
  }

  /** Queues an item; `ack` runs (asynchronously) once the window has room for it. */
  push(item: T, bytes: number, ack?: () => void): void {
    const entry: Entry<T> = { item, bytes, ack };
    this.entries.push(entry);
    this.releaseAcks();
  }

  /** Takes the oldest unread item. */
  shift(): T | undefined {
    const entry = this.entries.shift();
    if (!entry) return undefined;
    if (entry.ack) this.release(entry);
    this.releaseAcks();
    return entry.item;
  }

  /** Drops everything unread; pending acknowledgements never run (the stream is gone). */
  clear(): void {
    this.entries.length = 0;
  }

  private releaseAcks(): void {
    let ahead = 0;
    for (const entry of this.entries) {
      ahead += entry.bytes;
      // The first entry always fits: a message larger than the window still goes out alone.
      if (ahead > FLOW_CONTROL_WINDOW_BYTES && entry !== this.entries[0]) break;
      if (entry.ack) this.release(entry);
    }
  }

  private release(entry: Entry<T>): void {
    const ack = entry.ack;
    entry.ack = undefined;
    if (ack) process.nextTick(ack);
  }
}
