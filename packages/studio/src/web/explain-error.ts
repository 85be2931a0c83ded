/** Turns a failed call into the sentence the page shows: what went wrong and what to do. */
import { Code, RpcError } from "./grpc-web-client";

/** A user-facing message for `error` raised while doing `what` (e.g. "running the model"). */
export function explainError(what: string, error: unknown): string {
  if (!(error instanceof RpcError)) return `Something went wrong while ${what}: ${error instanceof Error ? error.message : String(error)}`;
  switch (error.code) {
    case Code.UNAVAILABLE:
      return `The server is unavailable while ${what}: ${error.message}`;
    case Code.UNAUTHENTICATED:
      return `The server needs a token: enter it above and try again (${error.message}).`;
    case Code.PERMISSION_DENIED:
      return `This token may not do that: ${error.message}`;
    case Code.RESOURCE_EXHAUSTED:
      return `Too large for the server: ${error.message}`;
    case Code.INVALID_ARGUMENT:
      return `The server could not use this input: ${error.message}`;
    case Code.NOT_FOUND:
      return `Not found: ${error.message}`;
    case Code.FAILED_PRECONDITION:
      return `The model is not ready: ${error.message}`;
    default:
      return `The server failed while ${what} (gRPC status ${error.code}): ${error.message}`;
  }
}
