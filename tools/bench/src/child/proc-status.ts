import { readFile } from "node:fs/promises";

/** Resident memory of a process as the kernel counts it (/proc/PID/status), in bytes. */
export interface ProcMemory {
  /** VmRSS: resident now. */
  readonly rssBytes: number;
  /** VmHWM: the peak resident size since the process started (the kernel's own high-water mark). */
  readonly peakBytes: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/**
 * Reads a process's memory from /proc (Linux). Unlike sampling from inside the process, the
 * high-water mark misses no short peak and needs no event-loop turn; undefined elsewhere.
 */
export async function readProcMemory(pid: number): Promise<ProcMemory | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return { rssBytes: field(status, "VmRSS"), peakBytes: field(status, "VmHWM") };
  } catch {
    return undefined;
  }
}
