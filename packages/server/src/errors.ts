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
 * Maps anything thrown by a handler to a gRPC status: an InferdError through
 * {@link STATUS_BY_KIND}; a ServiceError keeps its code; anything else becomes INTERNAL
 * with a generic message, the original kept as `cause` for logging.
 */
export function toServiceError(error: unknown): MappedError {
  if (error instanceof InferdError) {
    return { code: STATUS_BY_KIND[error.kind], details: error.message, message: error.message };
  }
  if (isServiceError(error)) {
    return { code: error.code, details: error.details, metadata: error.metadata, message: error.details };
  }
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
