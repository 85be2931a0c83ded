// Ends a jest run with one plain line, "jest: N passed, N failed, N skipped", that CI log
// readers recognise in any language (jest's own summary spreads over several lines).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}

module.exports = SummaryReporter;
