#!/usr/bin/env node
/**
 * `node tools/bench/dist/profile-summary.js FILE.cpuprofile [--top N]`: summarises a V8 CPU
 * profile (from `pnpm bench --cpu-prof DIR`) as self time per function and per package, so a
 * profile can be read in a terminal. Idle and GC are reported separately.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** The package (or area) a script URL belongs to, e.g. "@grpc/grpc-js", "inferd/server", "node:internal". */
export function areaOf(url: string): string {
  if (url === "") return "(native/V8)";
  if (url.startsWith("node:")) return "node:internal";
  const nodeModules = url.lastIndexOf("/node_modules/");
  if (nodeModules >= 0) {
    const rest = url.slice(nodeModules + "/node_modules/".length).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const packages = /\/packages\/([^/]+)\//.exec(url);
  if (packages) return `inferd/${packages[1]}`;
  return url;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: "string", default: "25" } } });
  const file = positionals[0];
  if (!file) throw new Error("usage: profile-summary FILE.cpuprofile [--top N]");
  const top = Number(values.top);
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const name = frame.url === "" ? frame.functionName || "(anonymous)" : `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*\/(node_modules|packages)\//, "")}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const area = ["(idle)", "(program)", "(garbage collector)"].includes(frame.functionName) ? frame.functionName : areaOf(frame.url);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    total += us;
  }
  const busy = total - (byArea.get("(idle)") ?? 0);
  const print = (title: string, entries: Map<string, number>, count: number): void => {
    console.log(`\n${title} (ms, % of non-idle ${(busy / 1000).toFixed(0)} ms)`);
    for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) {
      console.log(`${(us / 1000).toFixed(1).padStart(9)}  ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
    }
  };
  print("self time by package", byArea, 20);
  print("self time by function", byFunction, top);
}

main();
