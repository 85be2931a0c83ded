import { readdirSync, readFileSync } from "node:fs";
import { lowerHelperThreads } from "./thread-priority";

/** The nice value of each thread of this process (field 19 of /proc/self/task/TID/stat). */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const task of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, "utf8");
      // Fields after the parenthesised command name: state is field 3, nice is field 19.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      nice.set(Number(task), Number(fields[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return nice;
}

const linux = process.platform === "linux" ? test : test.skip;

linux("every thread but the main one is put below the event loop; the main thread keeps its priority", () => {
  const before = niceByThread().get(process.pid);
  expect(lowerHelperThreads(7)).toBeGreaterThan(0);
  const after = niceByThread();
  expect(after.get(process.pid)).toBe(before);
  const helpers = [...after].filter(([tid]) => tid !== process.pid).map(([, nice]) => nice);
  expect(helpers.length).toBeGreaterThan(0);
  expect(helpers.every((nice) => nice === 7)).toBe(true);
});

test("nice 0 changes nothing", () => {
  expect(lowerHelperThreads(0)).toBe(0);
});
