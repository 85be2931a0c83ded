import { status } from "@grpc/grpc-js";
import type { InferdClientError } from "../errors";

/** What a hint depends on besides the status code: where, which command, what the server said. */
export interface HintSituation {
  /** The server inferctl dialled. */
  address: string;
  /** True when nothing answered at the address (default); false for an UNAVAILABLE the server sent. */
  unreachable?: boolean;
  /** The inferctl command that failed ("watch", "health", "download", ...). */
  command?: string;
  /** The status details (server message, or the local reason). */
  details?: string;
  /** Whether inferctl dialled with TLS (--tls or --ca). */
  tls?: boolean;
}

/** Commands whose NOT_FOUND names a job id. */
const JOB_COMMANDS = new Set(["watch", "cancel", "jobs"]);
/** Commands whose NOT_FOUND names a stored file. */
const FILE_COMMANDS = new Set(["upload", "download", "ls", "rm"]);

// grpc-js: "Received message larger than max (N vs M)" / "Sent message larger than max ...".
const MESSAGE_TOO_LARGE = /message larger than max/i;
// OpenSSL's answer when a TLS client reads a plaintext (HTTP/2) server's first bytes.
const PLAINTEXT_ANSWER = /wrong version number|WRONG_VERSION_NUMBER|packet length too long|http request|ssl3_get_record/i;

function notFoundHint(command: string | undefined): string {
  if (command !== undefined && JOB_COMMANDS.has(command)) {
    return "check the job id: `inferctl run` prints it when it starts a job (`inferctl run --detach` prints only the id)";
  }
  if (command === "health") {
    return "the server has no such service; leave the name out for the whole server, or use one such as inferd.v1.Inference";
  }
  if (command !== undefined && FILE_COMMANDS.has(command)) {
    return "check the project and path: `inferctl ls --project P` lists the stored files";
  }
  return "check the name: `inferctl models` lists models, `inferctl ls --project P` lists files";
}

function resourceHint(details: string): string {
  if (MESSAGE_TOO_LARGE.test(details)) {
    return "a message exceeded the gRPC size limit; send a smaller (or more compressed) image, or run the server with a larger --max-message-mb";
  }
  if (/quota/i.test(details)) return "the project's storage quota is full; free space with `inferctl rm`, or ask for a larger quota";
  return "a server limit was reached (the message says which); retry later, or send a smaller request";
}

/** True when a TLS handshake got a plaintext answer: the server does not speak TLS. */
export function isPlaintextAnswer(situation: HintSituation): boolean {
  return situation.tls === true && PLAINTEXT_ANSWER.test(situation.details ?? "");
}

/**
 * One line of advice per gRPC status code, printed under a failed call's error, fitted to
 * the command and the details (a job id is not a model name; an oversized message is not a
 * full quota; a TLS handshake with a plaintext server is not a server that is down).
 */
export function hintFor(code: status, situation: HintSituation): string {
  const { address, unreachable = true, details = "" } = situation;
  switch (code) {
    case status.UNAUTHENTICATED:
      return "set INFERD_TOKEN or --token";
    case status.PERMISSION_DENIED:
      return "the token is valid but not allowed to do this; use a token with access";
    case status.UNAVAILABLE:
      if (isPlaintextAnswer(situation)) return "the server does not speak TLS; try again without --tls (and --ca)";
      if (!unreachable) {
        return "the server answered but cannot serve this now (a model loading or failed to load, or a server shutting down); `inferctl models` shows model states";
      }
      return `is the server running at ${address}? start it with \`pnpm start\`, or point --address / INFERD_ADDRESS at it`;
    case status.DEADLINE_EXCEEDED:
      return "the server did not answer in time; retry, or allow longer with --timeout";
    case status.INVALID_ARGUMENT:
      return "fix the argument named in the message; see `inferctl <command> --help`";
    case status.NOT_FOUND:
      return notFoundHint(situation.command);
    case status.ALREADY_EXISTS:
      return "choose another name, or delete the existing one first";
    case status.FAILED_PRECONDITION:
      return "the server's current state does not allow this; the message says what to do first";
    case status.RESOURCE_EXHAUSTED:
      return resourceHint(details);
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

/** The hint of a local failure: the server had no part in it. */
export const LOCAL_HINT = "this failed on this machine, not on the server: check the local path, that its folder can be created, and its permissions";

/**
 * The two lines inferctl prints for a failed call or local failure: the message (without
 * "inferctl: ") and the hint.
 */
export function describeFailure(error: InferdClientError, situation: Omit<HintSituation, "details" | "unreachable">): { message: string; hint: string } {
  if (error.local) return { message: `local error: ${error.details}`, hint: LOCAL_HINT };
  const full: HintSituation = { ...situation, details: error.details, unreachable: error.unreachable };
  if (error.code === status.UNAVAILABLE && isPlaintextAnswer(full)) {
    return { message: `UNAVAILABLE: the server at ${situation.address} does not speak TLS (it answered the TLS handshake in plaintext)`, hint: hintFor(error.code, full) };
  }
  const message = error.unreachable ? `${error.codeName}: ${error.message}` : error.message;
  return { message, hint: hintFor(error.code, full) };
}
