/**
 * The exit codes of inferctl: 1 a failed call (or job), 2 a usage error, 3 a local failure
 * (a file on this machine could not be read or written; the server is not to blame).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, local: 3, interrupted: 130 } as const;

/**
 * Ends a command with a given exit code and message (e.g. a job that ended FAILED, or a
 * Ctrl-C detach) without being a failed call.
 */
export class CliExit extends Error {
  override readonly name = "CliExit";
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}
