/**
 * Loaded with `node --require` into every server process the bench starts (inferd's own
 * binary and the bare baseline alike), so the server code runs unchanged. It answers the
 * bench over the fork IPC channel with the process's own CPU time (process.cpuUsage(), µs
 * precision, unlike /proc's clock ticks) and samples its RSS on demand.
 */
import type { ProbeReply, ProbeRequest } from "./probe-protocol";

let peak = 0;
let sampler: NodeJS.Timeout | undefined;

function sample(): void {
  peak = Math.max(peak, process.memoryUsage.rss());
}

function reply(id: number): ProbeReply {
  const cpu = process.cpuUsage();
  return { id, userUs: cpu.user, systemUs: cpu.system, rssBytes: process.memoryUsage.rss(), peakRssBytes: peak };
}

if (process.send) {
  process.on("message", (request: ProbeRequest) => {
    if (request.op === "peak-start") {
      clearInterval(sampler);
      peak = 0;
      sample();
      sampler = setInterval(sample, request.intervalMs);
      sampler.unref();
    } else if (request.op === "peak-stop") {
      clearInterval(sampler);
      sampler = undefined;
      sample();
    }
    process.send?.(reply(request.id));
  });
  // The channel must not keep a server alive that wants to exit (after the listener, which refs it).
  process.channel?.unref();
}
