// The order the test files run in, set here and not by jest's cache (which
// runs the files that failed or took longest first, so that a fresh machine
// and a warm one run them in different orders): the unit suite before the
// e2e suite, each file by its path, except that the e2e files that wait for
// the toolchain parts scripts/test.sh builds in the background (those that
// call ensureLateParts: test/e2e/late-parts.ts) run after the others, by
// which time that build is done. DSENV_TEST_ORDER=reverse runs the same list
// backwards, which shows that no file depends on another having run before it.
const fs = require("fs");
const Sequencer = require("@jest/test-sequencer").default;

/** Written as test/e2e/late-parts.ts's LATE_PARTS_MARKER (test/unit/test-order.test.ts checks they agree). */
const LATE_PARTS_MARKER = "ensureLateParts(";

const SUITES = ["unit", "e2e"];
const ORDERS = ["forward", "reverse"];

class ProjectOrder extends Sequencer {
    sort(tests) {
        const order = process.env.DSENV_TEST_ORDER || "forward";
        if (!ORDERS.includes(order)) throw new Error(`DSENV_TEST_ORDER=${order}: accepted values are ${ORDERS.join(" and ")}`);
        const rank = test => SUITES.indexOf(test.context.config.displayName?.name);
        const late = new Map(tests.map(t => [t.path, waitsForLateParts(t.path)]));
        const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
        const forward = [...tests].sort((a, b) => rank(a) - rank(b) || late.get(a.path) - late.get(b.path) || byPath(a, b));
        return order === "reverse" ? forward.reverse() : forward;
    }
}

/** 1 for a test file that waits for the toolchain's late parts, else 0. */
function waitsForLateParts(file) {
    try {
        return fs.readFileSync(file, "utf8").includes(LATE_PARTS_MARKER) ? 1 : 0;
    } catch {
        return 0;
    }
}

module.exports = ProjectOrder;
module.exports.LATE_PARTS_MARKER = LATE_PARTS_MARKER;
