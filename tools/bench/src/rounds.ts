import type { PairedSample } from "./figures";

/** The measurements of one round: the baseline's, then the subject's. */
export interface Round<T> {
  readonly baseline: T;
  readonly subject: T;
}

/**
 * Runs `rounds` interleaved rounds — baseline, subject, baseline, subject, ... — so that
 * whatever else the machine is doing affects both sides alike. A warm-up of each side runs
 * first and is discarded.
 */
export async function interleave<T>(
  rounds: number,
  baseline: () => Promise<T>,
  subject: () => Promise<T>,
  warmUp: { baseline?: () => Promise<unknown>; subject?: () => Promise<unknown> } = {},
): Promise<Round<T>[]> {
  await (warmUp.baseline ?? baseline)();
  await (warmUp.subject ?? subject)();
  const results: Round<T>[] = [];
  for (let round = 0; round < rounds; round++) {
    const b = await baseline();
    const s = await subject();
    results.push({ baseline: b, subject: s });
  }
  return results;
}

/** Extracts one number from each side of every round, ready for {@link pairedFigure}. */
export function pick<T>(rounds: readonly Round<T>[], value: (measurement: T) => number): PairedSample[] {
  return rounds.map((round) => ({ baseline: value(round.baseline), subject: value(round.subject) }));
}
