import type { Figure } from "./figures";

/** Settings and services a scenario runs with. */
export interface BenchContext {
  /** Quick mode: a few short rounds, small sizes; checks the scenario works, not its speed. */
  readonly quick: boolean;
  /** Interleaved rounds per figure. */
  readonly rounds: number;
  /** Length of one load window (one side of one round), in milliseconds. */
  readonly windowMs: number;
  /** Size of the upload scenario's file, in bytes. */
  readonly uploadBytes: number;
  /** Images in the run scenario's job. */
  readonly runImages: number;
  /** A fresh temporary folder for this scenario, removed afterwards. */
  readonly workDir: string;
  /** Progress notes for the operator (stderr). */
  progress(message: string): void;
}

/** A scenario's output: its figures and the table's title and baseline column label. */
export interface ScenarioResult {
  readonly title: string;
  readonly baselineLabel: string;
  readonly figures: readonly Figure[];
}

/** One benchmark scenario. */
export interface Scenario {
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  run(context: BenchContext): Promise<ScenarioResult>;
}
