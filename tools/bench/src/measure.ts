import { cpuDeltaUs, type ServerProcess } from "./child/server-process";
import { closedLoop, type LoadOptions, type LoadResult } from "./load";

/** A load run plus the server process's CPU time spent during it. */
export interface ServerLoadResult extends LoadResult {
  /** Server user+system CPU time over the run ÷ completed calls, in microseconds. */
  readonly cpuUsPerRequest: number;
}

/**
 * Runs closed-loop load against a server process and charges it the CPU time the process
 * spent meanwhile (read by the probe before and after, so it counts only this window).
 */
export async function loadServer(
  server: ServerProcess,
  options: LoadOptions,
  call: () => Promise<unknown>,
): Promise<ServerLoadResult> {
  const before = await server.usage();
  const result = await closedLoop(options, call);
  const after = await server.usage();
  return { ...result, cpuUsPerRequest: cpuDeltaUs(before, after) / result.requests };
}
