import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULTS } from "../../config/defaults";

const project = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml config schema", () => {
    test("declares exactly the keys the program reads, with the same defaults", () => {
        const declared = Object.fromEntries(Object.entries(project.config).map(([k, v]: [string, any]) => [k, v.default]));
        expect(declared).toEqual(DEFAULTS);
    });

    test("every key has a type matching its default and a description", () => {
        for (const [key, spec] of Object.entries<any>(project.config)) {
            const expected = Array.isArray(spec.default) ? "array" : typeof spec.default === "number" ? "integer" : typeof spec.default;
            expect([key, spec.type]).toEqual([key, expected]);
            expect(spec.description).toEqual(expect.any(String));
        }
    });

    test("stacks live in stacks/; the local stack's file is per-user, so git ignores it", () => {
        expect(project.stackConfigDir).toBe("stacks");
        // `pulumi stack init` writes the user's passphrase salt into it: a tracked file would leave the checkout dirty.
        const ignored = execFileSync("git", ["check-ignore", "--no-index", "stacks/Pulumi.local.yaml"], { cwd: path.join(__dirname, "..", ".."), encoding: "utf8" });
        expect(ignored.trim()).toBe("stacks/Pulumi.local.yaml");
    });
});
