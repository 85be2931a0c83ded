/** Options of `pnpm soak`. */
export interface SoakArgs {
  /** How long to run, in minutes (fractions allowed: 0.1 = 6 s). */
  readonly minutes: number;
  /** Client calls in flight at once. */
  readonly concurrency: number;
  /** Extra flags for the server. */
  readonly serverArgs: readonly string[];
}

/** Longest soak accepted, so a typo cannot start a run that never ends. */
export const MAX_SOAK_MINUTES = 24 * 60;

/** Usage text. */
export const SOAK_USAGE = [
  "usage: pnpm soak [--minutes N] [--concurrency N] [-- <inferd flags>]",
  "",
  "Mixed traffic (uploads, downloads, infers, runs, pings, bad requests) against the real inferd",
  "binary on 127.0.0.1; prints error counts by code, latency percentiles and the server's RSS slope.",
  "  --minutes N      how long to run (default 5; fractions allowed; at most 1440)",
  "  --concurrency N  calls in flight at once (default 8)",
].join("\n");

/** Parses argv; throws with the usage on anything unknown. */
export function parseSoakArgs(argv: readonly string[]): SoakArgs {
  let minutes = 5;
  let concurrency = 8;
  const serverArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${arg} needs a positive number\n${SOAK_USAGE}`);
      return n;
    };
    if (arg === "--minutes") minutes = Math.min(value(), MAX_SOAK_MINUTES);
    else if (arg === "--concurrency") concurrency = Math.max(1, Math.floor(value()));
    else if (arg === "--") {
      serverArgs.push(...argv.slice(i + 1));
      break;
    }    else throw new Error(`unknown argument ${arg}\n${SOAK_USAGE}`);
  }
  return { minutes, concurrency, serverArgs };
}
