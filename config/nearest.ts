// The closest of some names to a mistyped one, for "did you mean" hints.
// A wrong capital letter is the most common slip, so case is compared last.

/** Edit distance with transpositions (optimal string alignment), case-blind. */
function distance(a: string, b: string): number {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
    for (let j = 1; j <= y.length; j++) d[0][j] = j;
    for (let i = 1; i <= x.length; i++) {
        for (let j = 1; j <= y.length; j++) {
            const cost = x[i - 1] === y[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[x.length][y.length];
}

/** The candidate nearest to `name`; the first of equals wins. */
export function nearest(name: string, candidates: readonly string[]): string {
    let best = candidates[0];
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = distance(name, c);
        if (d < bestDistance) [best, bestDistance] = [c, d];
    }
    return best;
}
