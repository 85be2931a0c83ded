import { Metadata, status, type ServiceError } from "@grpc/grpc-js";

/** Why a request failed, in domain terms; {@link toServiceError} maps each kind to a gRPC code. */
export type ErrorKind =
  | "invalid-argument"
  | "not-found"
  | "already-exists"
  | "failed-precondition"
  | "aborted"
  | "out-of-range"
  | "data-loss"
  | "resource-exhausted"
  | "unavailable"
  | "unauthenticated"
  | "permission-denied"
  | "cancelled"
  | "deadline-exceeded"
  | "unimplemented"
  | "internal";

/** The one table from domain error kinds to gRPC status codes. */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, status>> = {
  "invalid-argument": status.INVALID_ARGUMENT,
  "not-found": status.NOT_FOUND,
  "already-exists": status.ALREADY_EXISTS,
  "failed-precondition": status.FAILED_PRECONDITION,
  aborted: status.ABORTED,
  "out-of-range": status.OUT_OF_RANGE,
  "data-loss": status.DATA_LOSS,
  "resource-exhausted": status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  unauthenticated: status.UNAUTHENTICATED,
  "permission-denied": status.PERMISSION_DENIED,
  cancelled: status.CANCELLED,
  "deadline-exceeded": status.DEADLINE_EXCEEDED,
  unimplemented: status.UNIMPLEMENTED,
  internal: status.INTERNAL,
};

/**
 * An error whose message is meant for the client: it says what was wrong and what to do.
 * Anything thrown that is not an InferdError (or already a gRPC ServiceError) reaches the
 * client as INTERNAL without its message.
 */
export class InferdError extends Error {
  override readonly name = "InferdError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Shorthand for `new InferdError("invalid-argument", message)`. */
export function invalidArgument(message: string): InferdError {
  return new InferdError("invalid-argument", message);
}

function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ServiceError>).code === "number" &&
    (error as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/**
 * Metadata key of the id the call interceptor gives every call: handlers read it from the
 * call's metadata, and clients get it back in the trailers of every error (and in the message
 * of an INTERNAL one), to quote when they report a problem.
 */
export const REQUEST_ID_HEADER = "inferd-request-id";

// The original error of each INTERNAL, keyed by the trailers object handed to grpc-js, which
// passes that object on unchanged to the call interceptor's sendStatus (see internalCauseOf).
const internalCauses = new WeakMap<Metadata, unknown>();

/**
 * The original error behind an INTERNAL status that {@link toServiceError} made, found by the
 * status's trailers; the call interceptor logs it with the call's request id.
 */
export function internalCauseOf(trailers: Metadata | null | undefined): unknown {
  return trailers ? internalCauses.get(trailers) : undefined;
}

/** A gRPC status ready for `callback(error)` or `call.emit("error", error)`. */
export interface MappedError extends Partial<ServiceError> {
  code: status;
  details: string;
  /** The original error, kept for the server log; never sent to the client. */
  cause?: unknown;
}

/**
 * Operating-system conditions that are no bug of the server and that a client can act on
 * (retry later, resume once space is freed), by errno code. Anywhere they are thrown (file
 * store, jobs, downloads) they reach the client with this kind and message, never INTERNAL.
 */
export const SYSTEM_ERRORS: Readonly<Record<string, { kind: ErrorKind; message: string }>> = {
  ENOSPC: {
    kind: "resource-exhausted",
    message: "the server is out of disk space; bytes already stored are kept: retry (or resume an upload) once space is freed",
  },
  EDQUOT: {
    kind: "resource-exhausted",
    message: "the server is out of disk space (its disk quota is used up); retry once space is freed",
  },
  EMFILE: { kind: "unavailable", message: "the server has too many files open right now; retry shortly" },
  ENFILE: { kind: "unavailable", message: "the server's machine has too many files open right now; retry shortly" },
};

/**
 * Longest status message sent, in characters: a backstop behind `quote()` (quote.ts) for any message
 * that still grew long, so the grpc-message header stays far below clients' metadata limits
 * (8 KiB in C-core) even when every character is percent-encoded.
 */
export const MAX_STATUS_MESSAGE_CHARS = 1000;

/** A status message cut to {@link MAX_STATUS_MESSAGE_CHARS} characters. */
export function capStatusMessage(message: string): string {
  return message.length <= MAX_STATUS_MESSAGE_CHARS ? message : `${message.slice(0, MAX_STATUS_MESSAGE_CHARS - 1)}…`;
}

/**
 * Maps anything thrown by a handler to a gRPC status: an InferdError through
 * {@link STATUS_BY_KIND}; a ServiceError keeps its code; an OS error of {@link SYSTEM_ERRORS}
 * through that table; anything else becomes INTERNAL
 * with a generic message, the original kept as `cause` for logging. Messages longer than
 * {@link MAX_STATUS_MESSAGE_CHARS} are cut.
 */
export function toServiceError(error: unknown): MappedError {
  if (error instanceof InferdError) {
    const details = capStatusMessage(error.message);
    return { code: STATUS_BY_KIND[error.kind], details, message: details };
  }
  if (isServiceError(error)) {
    const details = capStatusMessage(error.details);
    return { code: error.code, details, metadata: error.metadata, message: details };
  }
  // Not `instanceof Error`: errors of Node's own modules may come from another realm (jest).
  const code = typeof error === "object" && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
  const system = typeof code === "string" && Object.hasOwn(SYSTEM_ERRORS, code) ? SYSTEM_ERRORS[code] : undefined;
  if (system) return { code: STATUS_BY_KIND[system.kind], details: system.message, message: system.message };
  const metadata = new Metadata();
  internalCauses.set(metadata, error);
  return {
    code: status.INTERNAL,
    details: "internal server error; the server log has the details",
    message: "internal server error",
    metadata,
    cause: error,
  };
}
