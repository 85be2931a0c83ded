/** Formatting helpers of inferctl's output: sizes, durations, aligned tables, JSON. */
import type { InferdClientError } from "../errors";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** "0 B", "512 B", "1.5 KiB", "12.3 MiB": binary units, three significant digits. */
export function formatBytes(bytes: bigint | number): string {
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${value} B`;
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${UNITS[unit]}`;
}

/** "850 ms", "1.25 s", "3 m 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} m ${String(seconds % 60).padStart(2, "0")} s`;
}

/** A column of {@link formatTable}: its header and whether it is right-aligned (numbers). */
export interface Column {
  header: string;
  align?: "left" | "right";
}

/**
 * Lays rows out in columns separated by two spaces, like kubectl: headers in capitals,
 * numbers right-aligned, no trailing spaces.
 */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const all = [columns.map((column) => column.header.toUpperCase()), ...rows];
  const widths = columns.map((_, index) => Math.max(...all.map((row) => (row[index] ?? "").length)));
  return all
    .map((row) =>
      columns
        .map((column, index) => {
          const cell = row[index] ?? "";
          const width = widths[index] ?? 0;
          return column.align === "right" ? cell.padStart(width) : cell.padEnd(width);
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/**
 * JSON for --json output: bigints (int64 fields) become decimal strings, like the protobuf
 * JSON mapping, so values beyond 2^53 survive; Dates become RFC 3339; bytes are left out by
 * the callers. `indent` 0 gives one line.
 */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item), indent);
}

/** Percent with one decimal, "42.5%". */
export function formatPercent(part: number, whole: number): string {
  return whole <= 0 ? "100%" : `${Math.min(100, (part / whole) * 100).toFixed(1)}%`;
}

/** The --json view of a failed call or local failure (`local` true when the server was not involved). */
export function errorJson(error: InferdClientError): { code: number; codeName: string; details: string; unreachable: boolean; local: boolean } {
  return { code: error.code, codeName: error.codeName, details: error.details, unreachable: error.unreachable, local: error.local };
}
