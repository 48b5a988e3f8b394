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

    test("stacks live in stacks/ and the local stack file exists", () => {
        expect(project.stackConfigDir).toBe("stacks");
        expect(fs.existsSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.local.yaml"))).toBe(true);
    });
});
