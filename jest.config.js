// Two suites: unit (Pulumi mocks, seconds) and e2e (the real CLI against a real
// Docker engine, minutes). Type checking is `tsc --noEmit`, so ts-jest only transpiles.
const tsJest = { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] };

module.exports = {
    projects: [
        { displayName: "unit", testEnvironment: "node", transform: tsJest, testMatch: ["<rootDir>/test/unit/**/*.test.ts"], setupFiles: ["<rootDir>/test/unit/private-home.ts"] },
        { displayName: "e2e", testEnvironment: "node", transform: tsJest, testMatch: ["<rootDir>/test/e2e/**/*.test.ts"] },
    ],
};
