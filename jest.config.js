// Two suites: unit (Pulumi mocks, seconds) and e2e (the real CLI against a real
// Docker engine, minutes). Type checking is `tsc --noEmit`, so ts-jest only transpiles.
// The e2e suite checks that it left the machine as it found it (test/e2e/machine:
// a failure counts as a failed test); the files run in the order test/sequencer.js sets.
const tsJest = { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] };

module.exports = {
    testSequencer: "<rootDir>/test/sequencer.js",
    testResultsProcessor: "<rootDir>/test/e2e/machine/report.js",
    projects: [
        {
            displayName: "unit",
            testEnvironment: "node",
            transform: tsJest,
            testMatch: ["<rootDir>/test/unit/**/*.test.ts"],
            setupFiles: ["<rootDir>/test/unit/private-home.ts"],
        },
        {
            displayName: "e2e",
            testEnvironment: "node",
            transform: tsJest,
            testMatch: ["<rootDir>/test/e2e/**/*.test.ts"],
            globalSetup: "<rootDir>/test/e2e/machine/check-before.ts",
            globalTeardown: "<rootDir>/test/e2e/machine/check-after.ts",
        },
    ],
};
