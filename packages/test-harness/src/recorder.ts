import {
  Metadata,
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  type StatusObject,
} from "@grpc/grpc-js";
import { handlerScope, scopeOfCall, type HandlerScope } from "./handler-context";
import { splitPath } from "./method-ref";

/** A status as a server sends it (metadata optional). */
type PartialStatusObject = Parameters<ServerInterceptingCallInterface["sendStatus"]>[0];

/** One call a test server received, as its handler saw it. Fields fill in while the call runs. */
export interface RecordedCall {
  /** Full method path, e.g. "/inferd.v1.Diagnostics/Ping". */
  readonly path: string;
  /** Fully qualified service name, e.g. "inferd.v1.Diagnostics". */
  readonly service: string;
  /** Method name, e.g. "Ping". */
  readonly method: string;
  /** Request metadata as the server received it (after transport headers are removed). */
  readonly metadata: Metadata;
  /** Decoded request messages, in the order the handler read them. */
  readonly requests: readonly unknown[];
  /** Response messages the server sent, in order. */
  readonly responses: readonly unknown[];
  /**
   * The final status: what the server sent, or CANCELLED / DEADLINE_EXCEEDED when the call ended
   * from the client side first. Undefined while the call runs.
   */
  readonly status: StatusObject | undefined;
  /** What the handler threw synchronously, if it did (the client then sees UNKNOWN). */
  readonly handlerError: unknown;
  /** Settles with {@link RecordedCall.status} once the call has ended on the server. */
  readonly finished: Promise<StatusObject>;
}

class MutableRecordedCall implements RecordedCall, HandlerScope {
  readonly service: string;
  readonly method: string;
  metadata = new Metadata();
  readonly requests: unknown[] = [];
  readonly responses: unknown[] = [];
  status: StatusObject | undefined;
  handlerError: unknown;
  readonly finished: Promise<StatusObject>;
  private resolve!: (status: StatusObject) => void;

  constructor(readonly path: string) {
    ({ service: this.service, method: this.method } = splitPath(path));
    this.finished = new Promise((resolve) => (this.resolve = resolve));
  }

  finish(final: PartialStatusObject): boolean {
    if (this.status) return false;
    this.status = { code: final.code, details: final.details, metadata: final.metadata ?? new Metadata() };
    this.resolve(this.status);
    return true;
  }
}

/** The recording interceptor and what it has seen. */
export interface CallRecorder {
  /** Outermost server interceptor: it sees calls as they come off the transport. */
  readonly interceptor: ServerInterceptor;
  /** Every call so far, oldest first. */
  readonly calls: readonly RecordedCall[];
  /** Resolves once no recorded call is still running. */
  settled(): Promise<void>;
  /** Forgets the calls recorded so far (running calls keep running). */
  clear(): void;
}

/**
 * Over HTTP/2 a client's deadline and a client's cancel both arrive as the same stream reset,
 * and the server's copy of the deadline runs late by the time the headers took to arrive. So a
 * cancel this close to the deadline is recorded as the deadline.
 */
const DEADLINE_TOLERANCE_MS = 250;

function isPast(deadline: Date | number): boolean {
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) && Date.now() >= ms - DEADLINE_TOLERANCE_MS;
}

/** Creates a {@link CallRecorder}; the same interceptor serves both test modes. */
export function createCallRecorder(): CallRecorder {
  const calls: MutableRecordedCall[] = [];
  const running = new Set<MutableRecordedCall>();
  let idleWaiters: (() => void)[] = [];

  function finish(record: MutableRecordedCall, final: PartialStatusObject): void {
    if (!record.finish(final)) return;
    running.delete(record);
    if (running.size === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  const interceptor: ServerInterceptor = (method, call) => {
    const record = new MutableRecordedCall(method.path);
    calls.push(record);
    running.add(record);
    scopeOfCall.set(call, record);
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            record.metadata = metadata.clone();
            handlerScope.run(record, () => nextMetadata(metadata));
          },
          onReceiveMessage(message, nextMessage) {
            record.requests.push(message);
            handlerScope.run(record, () => nextMessage(message));
          },
          onReceiveHalfClose(nextHalfClose) {
            handlerScope.run(record, nextHalfClose);
          },
          onCancel() {
            finish(
              record,
              isPast(call.getDeadline())
                ? { code: status.DEADLINE_EXCEEDED, details: "Deadline exceeded" }
                : { code: status.CANCELLED, details: "Cancelled by client" },
            );
          },
        });
      },
      sendMessage(message, next) {
        record.responses.push(message);
        next(message);
      },
      sendStatus(final, next) {
        finish(record, final);
        next(final);
      },
    });
  };

  return {
    interceptor,
    calls,
    settled() {
      return running.size === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
    },
    clear() {
      calls.length = 0;
    },
  };
}
