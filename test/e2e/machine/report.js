// jest testResultsProcessor: the e2e suite's machine check (check-after.ts,
// run as globalTeardown just before this) as one more test in jest's results,
// so that the run fails and every count jest reports (--json included) has it.
module.exports = function machineCheckReport(results) {
    const changes = globalThis.dsenvMachineChanges;
    if (!changes || changes.length === 0) return results;
    const title = "the e2e tests leave the machine as they found it";
    const message = `the tests changed this machine:\n  ${changes.join("\n  ")}`;
    const now = Date.now();
    results.testResults.push({
        testFilePath: __filename,
        numFailingTests: 1,
        numPassingTests: 0,
        numPendingTests: 0,
        numTodoTests: 0,
        failureMessage: message,
        perfStats: { start: now, end: now, runtime: 0, slow: false },
        testResults: [
            {
                title,
                fullName: title,
                ancestorTitles: [],
                status: "failed",
                failureMessages: [message],
                failureDetails: [],
                numPassingAsserts: 0,
            },
        ],
    });
    results.numFailedTests += 1;
    results.numTotalTests += 1;
    results.numFailedTestSuites += 1;
    results.numTotalTestSuites += 1;
    results.success = false;
    return results;
};
