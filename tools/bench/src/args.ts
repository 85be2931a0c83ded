import { parseArgs } from "node:util";

/** Parsed command line of `pnpm bench`. */
export interface BenchArgs {
  /** Scenario names to run, in order; empty means all. */
  readonly scenarios: readonly string[];
  readonly quick: boolean;
  /** Print only the JSON line on stdout (tables go to stderr). */
  readonly json: boolean;
  readonly help: boolean;
  readonly rounds?: number;
  readonly windowMs?: number;
  readonly uploadBytes?: number;
  readonly runImages?: number;
  /** Write a V8 CPU profile of every server process into this dir. */
  readonly cpuProf?: string;
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Parses a size such as "1GiB", "64MiB", "512k" or "1000" into bytes (binary units). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new Error(`invalid size "${text}": use e.g. 1GiB, 64MiB, 512KiB or a byte count`);
  const bytes = Math.round(Number(match[1]) * unit);
  if (bytes < 1) throw new Error(`invalid size "${text}": must be at least 1 byte`);
  return bytes;
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

/** Parses argv (without node and the script). Throws with a message saying what to fix. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      rounds: { type: "string" },
      "window-ms": { type: "string" },
      "upload-size": { type: "string" },
      "run-images": { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  const uploadSize = values["upload-size"];
  return {
    scenarios: positionals,
    quick: values.quick ?? false,
    json: values.json ?? false,
    help: values.help ?? false,
    rounds: positiveInt("rounds", values.rounds),
    windowMs: positiveInt("window-ms", values["window-ms"]),
    uploadBytes: uploadSize === undefined ? undefined : parseSize(uploadSize),
    runImages: positiveInt("run-images", values["run-images"]),
    cpuProf: values["cpu-prof"],
  };
}
