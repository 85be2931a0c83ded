import { Metadata, status, type ServiceError } from "@grpc/grpc-js";

/** gRPC status code names by number, e.g. 14 → "UNAVAILABLE". */
const CODE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(status)
    .filter(([, value]) => typeof value === "number")
    .map(([name, value]) => [value as number, name]),
);

/** The name of a gRPC status code ("UNAVAILABLE" for 14); "CODE_<n>" for an unknown number. */
export function statusCodeName(code: number): string {
  return CODE_NAMES[code] ?? `CODE_${code}`;
}

/** The useful part of grpc-js's connection failure text ("connect ECONNREFUSED 127.0.0.1:1"). */
function lastError(details: string): string {
  const match = /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/s.exec(details);
  return (match?.[1] ?? details).trim();
}

/** Options of the {@link InferdClientError} constructor. */
export interface InferdClientErrorOptions {
  /** The server's status message (or the local reason). */
  details: string;
  /** The address the client dials, for messages about reachability. */
  address?: string;
  /** Trailing metadata of the failed call, if any. */
  metadata?: Metadata;
  /** True when no connection to the server could be made at all. */
  unreachable?: boolean;
  /** True when the failure happened on this machine (a local file), not in a call. */
  local?: boolean;
  /** The original error. */
  cause?: unknown;
}

/**
 * The one error type of @inferd/client: every failed call rejects with it. It carries the
 * gRPC status code (and its name) and the server's details, so callers can branch on
 * `error.code === status.NOT_FOUND` instead of parsing messages.
 */
export class InferdClientError extends Error {
  override readonly name = "InferdClientError";
  /** The gRPC status code. */
  readonly code: status;
  /** The code's name, e.g. "NOT_FOUND". */
  readonly codeName: string;
  /** The server's status message, or the local reason. */
  readonly details: string;
  /** The address the client dials. */
  readonly address: string | undefined;
  /** Trailing metadata of the failed call (empty when the error was local). */
  readonly metadata: Metadata;
  /** True when the server could not be reached at all (nothing answered at the address). */
  readonly unreachable: boolean;
  /**
   * True when the failure was local (reading or writing a file on this machine): the server
   * was not involved, and `code` only classifies the problem (see {@link localError}).
   */
  readonly local: boolean;

  constructor(code: status, options: InferdClientErrorOptions) {
    const unreachable = options.unreachable ?? false;
    const message = unreachable
      ? `cannot reach inferd at ${options.address ?? "the configured address"}: ${lastError(options.details)}`
      : `${statusCodeName(code)}: ${options.details}`;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.codeName = statusCodeName(code);
    this.details = options.details;
    this.address = options.address;
    this.metadata = options.metadata ?? new Metadata();
    this.unreachable = unreachable;
    this.local = options.local ?? false;
  }
}

/** gRPC codes that classify local file-system failures by their errno code. */
const LOCAL_CODES: Readonly<Record<string, status>> = {
  EACCES: status.PERMISSION_DENIED,
  EPERM: status.PERMISSION_DENIED,
  EROFS: status.PERMISSION_DENIED,
  ENOSPC: status.RESOURCE_EXHAUSTED,
  EDQUOT: status.RESOURCE_EXHAUSTED,
};

/**
 * An {@link InferdClientError} for a failure on this machine (`local: true`), such as a file
 * that cannot be read or written. `what` says what was attempted ("cannot write a.png"); a
 * Node.js system error adds its message. The code is PERMISSION_DENIED or RESOURCE_EXHAUSTED
 * for those errno codes, INVALID_ARGUMENT otherwise.
 */
export function localError(what: string, cause?: unknown): InferdClientError {
  const errno = (cause as { code?: unknown } | undefined)?.code;
  const code = (typeof errno === "string" ? LOCAL_CODES[errno] : undefined) ?? status.INVALID_ARGUMENT;
  const reason = cause instanceof Error ? `: ${cause.message}` : "";
  return new InferdClientError(code, { details: `${what}${reason}`, local: true, ...(cause === undefined ? {} : { cause }) });
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

// What grpc-js says when no transport could be established (refused, unresolvable, TLS
// handshake failure, connection dropped before any answer).
const UNREACHABLE_DETAILS =
  /No connection established|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|Name resolution failed|failed to connect|DNS resolution failed|handshake/i;

/**
 * Turns anything a grpc-js call rejected with into an {@link InferdClientError}; an
 * InferdClientError passes through unchanged. A connection failure reads
 * "cannot reach inferd at ADDRESS".
 */
export function toClientError(error: unknown, address?: string): InferdClientError {
  if (error instanceof InferdClientError) return error;
  if (isServiceError(error)) {
    const details = error.details || error.message;
    const unreachable = error.code === status.UNAVAILABLE && UNREACHABLE_DETAILS.test(details);
    return new InferdClientError(error.code, {
      details,
      metadata: error.metadata,
      unreachable,
      cause: error,
      ...(address === undefined ? {} : { address }),
    });
  }
  const details = error instanceof Error ? error.message : String(error);
  return new InferdClientError(status.UNKNOWN, { details, cause: error, ...(address === undefined ? {} : { address }) });
}
