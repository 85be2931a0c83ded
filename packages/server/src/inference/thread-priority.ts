import { readdirSync } from "node:fs";
import { setPriority } from "node:os";

/**
 * Default nice value of inferd's helper threads (see {@link lowerHelperThreads}): they still
 * get every core when nothing else runs, but yield to the event loop at once.
 */
export const DEFAULT_HELPER_THREAD_NICE = 10;

/**
 * Lowers the scheduling priority (nice) of every thread of this process but the main one:
 * libuv's pool (sharp/libvips decoding and resizing), V8's helpers and the model worker
 * threads. Under a flood of heavy Infers those threads keep every core busy; at equal
 * priority the event loop then waits its turn behind them, and health checks and Pings took
 * over 130 ms at p99 (`pnpm bench admission`, 2 cores). Threads those helpers start later
 * inherit the lower priority (Linux keeps nice per thread); the model workers set their own
 * (worker-runtime.ts). Linux only; elsewhere, and for nice 0, it does nothing. Returns how
 * many threads it changed.
 */
export function lowerHelperThreads(nice = DEFAULT_HELPER_THREAD_NICE): number {
  if (process.platform !== "linux" || nice === 0) return 0;
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    return 0;
  }
  let changed = 0;
  for (const task of tasks) {
    const tid = Number(task);
    if (tid === process.pid) continue; // the main thread: the event loop
    try {
      setPriority(tid, nice);
      changed++;
    } catch {
      // the thread ended meanwhile
    }
  }
  return changed;
}
