import type { PairedSample } from "./figures";

/** The measurements of one round: the baseline's, then the subject's. */
export interface Round<B, S = B> {
  readonly baseline: B;
  readonly subject: S;
}

/**
 * Runs `rounds` interleaved rounds — baseline, subject, baseline, subject, ... — so that
 * whatever else the machine is doing affects both sides alike. A warm-up of each side runs
 * first and is discarded.
 */
export async function interleave<B, S = B>(
  rounds: number,
  baseline: () => Promise<B>,
  subject: () => Promise<S>,
  warmUp: { baseline?: () => Promise<unknown>; subject?: () => Promise<unknown> } = {},
): Promise<Round<B, S>[]> {
  await (warmUp.baseline ?? baseline)();
  await (warmUp.subject ?? subject)();
  const results: Round<B, S>[] = [];
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
