import { cpus } from "node:os";
import type { Figure, Target } from "./figures";

/** Formats a number for a table: 3 significant digits, no exponent for everyday magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString("en-US");
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return "";
  if (target.on === "ratio") return `ratio ${target.op} ${target.value}`;
  if (target.on === "delta") return `Δ ${target.op} ${target.value} ${unit}`;
  return `${target.op} ${target.value} ${unit}`;
}

/** Renders a scenario's figures as an aligned plain-text table. */
export function renderTable(title: string, baselineLabel: string, figures: readonly Figure[]): string {
  const header = ["figure", "unit", baselineLabel, "inferd", "ratio", "Δ", "target", ""];
  const rows = figures.map((f) => [
    f.name,
    f.unit,
    formatNumber(f.baseline),
    formatNumber(f.subject),
    formatNumber(f.ratio),
    formatNumber(f.delta),
    formatTarget(f.target, f.unit),
    f.met === undefined ? "" : f.met ? "ok" : "MISS",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i < 2 || i >= 6 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  const rounds = figures[0]?.rounds ?? 0;
  return [
    `${title} (median of ${rounds} interleaved rounds)`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}

/** What the final JSON line holds. */
export interface BenchReport {
  readonly bench: "inferd";
  /** Bumped when the shape of this object changes. */
  readonly schema: 1;
  readonly quick: boolean;
  readonly scenarios: readonly string[];
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly node: string; readonly platform: string };
  readonly figures: readonly Figure[];
  /** Wall time of the whole run, in seconds. */
  readonly elapsedS: number;
}

/** Builds the final report. */
export function createReport(quick: boolean, scenarios: readonly string[], figures: readonly Figure[], elapsedS: number): BenchReport {
  const cpuList = cpus();
  return {
    bench: "inferd",
    schema: 1,
    quick,
    scenarios,
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? "unknown",
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    figures,
    elapsedS,
  };
}
