// The order the test files run in, set here and not by jest's cache (which
// runs the files that failed or took longest first, so that a fresh machine
// and a warm one run them in different orders): the unit suite before the
// e2e suite, each file by its path. DSENV_TEST_ORDER=reverse runs the same
// list backwards, which shows that no file depends on another having run
// before it.
const Sequencer = require("@jest/test-sequencer").default;

const SUITES = ["unit", "e2e"];
const ORDERS = ["forward", "reverse"];

class ProjectOrder extends Sequencer {
    sort(tests) {
        const order = process.env.DSENV_TEST_ORDER || "forward";
        if (!ORDERS.includes(order)) throw new Error(`DSENV_TEST_ORDER=${order}: accepted values are ${ORDERS.join(" and ")}`);
        const rank = test => SUITES.indexOf(test.context.config.displayName?.name);
        const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
        const forward = [...tests].sort((a, b) => rank(a) - rank(b) || byPath(a, b));
        return order === "reverse" ? forward.reverse() : forward;
    }
}

module.exports = ProjectOrder;
