import type { EventEmitter } from "node:events";
import type { Metadata, ServerUnaryCall } from "@grpc/grpc-js";
import { InferdError, REQUEST_ID_HEADER } from "../errors";

/**
 * Per-call state, created once by a handler and passed down to the work it starts, so that
 * a client that goes away or a deadline that passes stops the work (nice-grpc's and
 * connect-es's call context, in small).
 */
export interface CallContext {
  /** The id the call interceptor gave this call; the client gets it back with any error. */
  readonly requestId: string;
  readonly metadata: Metadata;
  /** Aborted when the client cancels or the deadline passes; `reason` is the InferdError to answer with. */
  readonly signal: AbortSignal;
  /** The call's deadline (Date.now() milliseconds); undefined when it has none. */
  readonly deadline: number | undefined;
  /** Throws the abort reason (cancelled / deadline-exceeded) when the call is over. */
  throwIfDone(): void;
  /** Stops the deadline timer; call once the handler has answered. */
  dispose(): void;
}

/** What a context needs of a grpc-js server call (any of the four kinds). */
export type ContextCall = Pick<ServerUnaryCall<unknown, unknown>, "cancelled" | "metadata" | "getDeadline"> & Pick<EventEmitter, "once" | "off">;

/** Largest delay setTimeout takes; longer deadlines are effectively none. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function deadlineOf(call: ContextCall): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

/** Creates the {@link CallContext} of a grpc-js server call. */
export function createCallContext(call: ContextCall): CallContext {
  const controller = new AbortController();
  const deadline = deadlineOf(call);
  const onCancelled = (): void => controller.abort(new InferdError("cancelled", "the client cancelled the call"));
  call.once("cancelled", onCancelled);
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== undefined) {
    const abortLate = (): void => controller.abort(new InferdError("deadline-exceeded", "the call's deadline passed before the work was done; allow a longer deadline or retry later"));
    const remaining = deadline - Date.now();
    if (remaining <= 0) abortLate();
    else if (remaining < MAX_TIMER_MS) timer = setTimeout(abortLate, remaining);
  }
  if (call.cancelled) onCancelled();
  return {
    requestId: String(call.metadata.get(REQUEST_ID_HEADER)[0] ?? ""),
    metadata: call.metadata,
    signal: controller.signal,
    deadline,
    throwIfDone() {
      controller.signal.throwIfAborted();
    },
    dispose() {
      clearTimeout(timer);
      call.off("cancelled", onCancelled);
    },
  };
}
