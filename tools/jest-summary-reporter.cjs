// Ends a jest run with one plain line, "jest: N passed, N failed, N skipped", that CI log
// readers recognise in any language (jest's own summary spreads over several lines). It is
// written when the process exits, so it comes after everything jest itself prints.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once("exit", () => process.stderr.write(line));
  }
}

module.exports = SummaryReporter;
