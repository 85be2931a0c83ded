/**
 * Items of issue #10 not fixed on this branch. Cases tagged with one of them run as
 * `test.failing`: they prove the problem exists today, and they fail loudly once it is fixed,
 * which is the cue to delete the number here. Empty once every item is merged.
 */
export const OPEN_ITEMS: ReadonlySet<number> = new Set([8]);
