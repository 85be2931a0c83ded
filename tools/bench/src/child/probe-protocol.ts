/** Messages between the bench and the probe inside a server process (over the fork IPC channel). */

/** What the bench asks of the probe. */
export type ProbeCommand =
  | { readonly op: "usage" }
  | { readonly op: "peak-start"; readonly intervalMs: number }
  | { readonly op: "peak-stop" };

/** A command with the id its reply will carry. */
export type ProbeRequest = ProbeCommand & { readonly id: number };

/** The probe's answer to a request of the same id. */
export interface ProbeReply {
  readonly id: number;
  /** process.cpuUsage(): user and system CPU time in microseconds since the process started. */
  readonly userUs: number;
  readonly systemUs: number;
  /** Resident set size now, in bytes. */
  readonly rssBytes: number;
  /** For peak-stop: the largest RSS sampled since peak-start, in bytes. */
  readonly peakRssBytes: number;
}
