/**
 * Placeholder barrel; the package gets its substance in its own issue.
 *
 * @packageDocumentation
 */
export {};
