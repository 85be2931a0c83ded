#!/usr/bin/env node
/**
 * `pnpm bench [scenario...] [--quick] [--json]`: runs inferd's benchmark scenarios. Each
 * scenario prints a table; the last line of stdout is one JSON object with every figure.
 * Every figure is a ratio against a baseline measured in the same run, in interleaved
 * rounds, so a busy or slow machine affects both sides alike. BENCHMARKS.md explains them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseBenchArgs, type BenchArgs } from "./args";
import { profileServersInto } from "./child/server-process";
import type { BenchContext, Scenario } from "./context";
import type { Figure } from "./figures";
import { createReport, renderTable } from "./report";
import { SCENARIOS } from "./scenarios";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function usage(): string {
  return [
    "usage: pnpm bench [scenario...] [--quick] [--json] [--rounds N] [--window-ms MS] [--upload-size SIZE] [--run-images N]",
    "",
    "scenarios (default: all):",
    ...SCENARIOS.map((s) => `  ${s.name.padEnd(18)}${s.summary}`),
    "",
    "  --quick         a few short rounds and small sizes: checks that every scenario works (CI)",
    "  --json          tables go to stderr; stdout is only the final JSON line",
    "  --rounds N      interleaved rounds per figure (default 5, quick 2)",
    "  --window-ms MS  length of one load window (default 2000, quick 250)",
    "  --upload-size S upload scenario file size, e.g. 256MiB (default 1GiB, quick 8MiB)",
    "  --run-images N  images in the run scenario's job (default 100, quick 4; scale-out runs twice that)",
    "  --cpu-prof DIR  write a V8 CPU profile (.cpuprofile) of every server process into DIR",
  ].join("\n");
}

function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...SCENARIOS];
  return names.map((name) => {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) throw new Error(`unknown scenario "${name}"; choose from: ${SCENARIOS.map((s) => s.name).join(", ")}`);
    return scenario;
  });
}

function contextFor(args: BenchArgs, workDir: string): BenchContext {
  return {
    quick: args.quick,
    rounds: args.rounds ?? (args.quick ? 2 : 5),
    windowMs: args.windowMs ?? (args.quick ? 250 : 2000),
    uploadBytes: args.uploadBytes ?? (args.quick ? 8 * MiB : GiB),
    runImages: args.runImages ?? (args.quick ? 4 : 100),
    workDir,
    progress: (message) => process.stderr.write(`· ${message}\n`),
  };
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    console.log(usage());
    return 0;
  }
  const scenarios = selectScenarios(args.scenarios);
  if (args.cpuProf) profileServersInto(resolve(args.cpuProf));
  const out = args.json ? process.stderr : process.stdout;
  const started = performance.now();
  const figures: Figure[] = [];
  const errors: { scenario: string; message: string }[] = [];
  for (const scenario of scenarios) {
    const workDir = mkdtempSync(join(tmpdir(), `inferd-bench-${scenario.name}-`));
    let keep = false;
    try {
      const result = await scenario.run(contextFor(args, workDir));
      figures.push(...result.figures);
      out.write(`\n${renderTable(result.title, result.baselineLabel, result.figures)}\n`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({ scenario: scenario.name, message });
      // The servers' logs explain most failures: keep them.
      keep = true;
      process.stderr.write(`\n${scenario.name}: FAILED: ${message}\n  server logs kept in ${workDir}\n`);
    } finally {
      if (!keep) rmSync(workDir, { recursive: true, force: true });
    }
  }
  const elapsedS = (performance.now() - started) / 1000;
  const report = { ...createReport(args.quick, scenarios.map((s) => s.name), figures, elapsedS), errors };
  process.stdout.write(`\n${JSON.stringify(report)}\n`);
  return errors.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
