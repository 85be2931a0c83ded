import { median } from "./stats";

/**
 * A target a figure should meet: on its ratio, on its subject-minus-baseline delta, or (for
 * absolute limits such as peak memory) on the subject's value itself.
 */
export interface Target {
  readonly on: "ratio" | "delta" | "subject";
  readonly op: "<=" | ">=";
  readonly value: number;
}

/**
 * One benchmark figure: the baseline and the subject (inferd) measured in the same run,
 * each the median over interleaved rounds, and the median of the per-round ratios
 * subject / baseline. Ratios are what to compare across machines; absolute values only
 * describe this run.
 */
export interface Figure {
  readonly scenario: string;
  /** Short id, unique within the scenario, e.g. "c16.cpu_us_per_req". */
  readonly name: string;
  /** What the numbers are, e.g. "µs", "req/s", "MB/s". */
  readonly unit: string;
  /** Median over rounds of the baseline's value. */
  readonly baseline: number;
  /** Median over rounds of inferd's value. */
  readonly subject: number;
  /** Median over rounds of subject / baseline (paired per round). */
  readonly ratio: number;
  /** Median over rounds of subject - baseline (paired per round), in unit. */
  readonly delta: number;
  /** Number of rounds behind the medians. */
  readonly rounds: number;
  readonly target?: Target;
  /** Whether the target is met; absent when there is no target. */
  readonly met?: boolean;
}

/** One round's value of a figure for both sides. */
export interface PairedSample {
  readonly baseline: number;
  readonly subject: number;
}

/** Builds a {@link Figure} from paired per-round samples. */
export function pairedFigure(
  scenario: string,
  name: string,
  unit: string,
  samples: readonly PairedSample[],
  target?: Target,
): Figure {
  const ratio = median(samples.map((s) => s.subject / s.baseline));
  const delta = median(samples.map((s) => s.subject - s.baseline));
  const figure = {
    scenario,
    name,
    unit,
    baseline: median(samples.map((s) => s.baseline)),
    subject: median(samples.map((s) => s.subject)),
    ratio,
    delta,
    rounds: samples.length,
  };
  if (!target) return figure;
  const value = target.on === "ratio" ? ratio : target.on === "delta" ? delta : figure.subject;
  const met = target.op === "<=" ? value <= target.value : value >= target.value;
  return { ...figure, target, met };
}
