import { readFileSync } from "node:fs";

/** Resident set size of a process in MiB (Linux /proc), or NaN when it cannot be read. */
export function rssMiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Least-squares slope of (minute, MiB) samples: MiB per minute; NaN with fewer than 2. */
export function slopePerMinute(samples: readonly { minute: number; mib: number }[]): number {
  const points = samples.filter((s) => Number.isFinite(s.mib));
  if (points.length < 2) return Number.NaN;
  const meanX = points.reduce((a, p) => a + p.minute, 0) / points.length;
  const meanY = points.reduce((a, p) => a + p.mib, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.minute - meanX) * (p.mib - meanY);
    den += (p.minute - meanX) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
