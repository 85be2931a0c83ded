import { status } from "@grpc/grpc-js";

/**
 * One line of advice per gRPC status code, printed under a failed call's error. `address` is
 * the server inferctl dialled; `unreachable` tells an UNAVAILABLE that nothing answered apart
 * from one the server sent itself (a model not loaded, a server shutting down).
 */
export function hintFor(code: status, address: string, unreachable = true): string {
  switch (code) {
    case status.UNAUTHENTICATED:
      return "set INFERD_TOKEN or --token";
    case status.PERMISSION_DENIED:
      return "the token is valid but not allowed to do this; use a token with access";
    case status.UNAVAILABLE:
      if (!unreachable) {
        return "the server answered but cannot serve this now (a model loading or failed to load, or a server shutting down); `inferctl models` shows model states";
      }
      return `is the server running at ${address}? start it with \`pnpm start\`, or point --address / INFERD_ADDRESS at it`;
    case status.DEADLINE_EXCEEDED:
      return "the server did not answer in time; retry, or allow longer with --timeout";
    case status.INVALID_ARGUMENT:
      return "fix the argument named in the message; see `inferctl <command> --help`";
    case status.NOT_FOUND:
      return "check the name: `inferctl models` lists models, `inferctl ls --project P` lists files";
    case status.ALREADY_EXISTS:
      return "choose another name, or delete the existing one first";
    case status.FAILED_PRECONDITION:
      return "the server's current state does not allow this; the message says what to do first";
    case status.RESOURCE_EXHAUSTED:
      return "a quota or size limit was reached; free space with `inferctl rm` or send less";
    case status.DATA_LOSS:
      return "the data did not verify (changed or corrupted in transit); run the command again";
    case status.ABORTED:
      return "a concurrent operation interfered; run the command again";
    case status.OUT_OF_RANGE:
      return "a value is out of range; see the message";
    case status.UNIMPLEMENTED:
      return "the server does not offer this call; is it an older inferd, or not inferd at all?";
    case status.CANCELLED:
      return "the call was cancelled before it finished";
    case status.INTERNAL:
    case status.UNKNOWN:
      return "the server failed unexpectedly; its log has the details";
    default:
      return "see the message above";
  }
}
