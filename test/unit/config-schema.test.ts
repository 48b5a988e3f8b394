import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { DEFAULTS } from "../../config/defaults";
import { generatedFiles, readSections, renderDefaults, renderReference } from "../../scripts/config-schema";

const ROOT = path.join(__dirname, "..", "..");
const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));

describe("Pulumi.yaml config schema", () => {
    test("config/defaults.ts and docs/configuration.md are what Pulumi.yaml makes (else: npm run generate)", () => {
        for (const [file, content] of Object.entries(generatedFiles())) {
            expect([file, fs.readFileSync(path.join(ROOT, file), "utf8")]).toEqual([file, content]);
        }
    });

    test("the program's defaults are Pulumi.yaml's, key for key", () => {
        const declared = Object.fromEntries(Object.entries(project.config).map(([k, v]: [string, any]) => [k, v.default]));
        expect(DEFAULTS).toEqual(declared);
    });

    test("every key has a type matching its default and a one-line description, and is in a section", () => {
        for (const [key, spec] of Object.entries<any>(project.config)) {
            const expected = Array.isArray(spec.default) ? "array" : typeof spec.default === "number" ? "integer" : typeof spec.default;
            expect([key, spec.type]).toEqual([key, expected]);
            expect([key, spec.description]).toEqual([key, expect.stringMatching(/^[^\n]+$/)]);
        }
        expect(readSections().flatMap(s => s.keys.map(k => k.key))).toEqual(Object.keys(project.config));
    });

    test("a new key needs only its Pulumi.yaml entry: it gets its default and its row in the reference", () => {
        const yaml = [
            "config:",
            "  # section hub: The lab hub",
            "  # One server for the whole lab (docs/hub.md).",
            "  hubEnabled:",
            "    type: boolean",
            "    default: false",
            "    description: Declare the hub.",
            "  hubUsers:",
            "    type: array",
            "    items:",
            "      type: string",
            "    default: []",
            "    description: Who may log in, each <name>.",
            "",
        ].join("\n");
        const sections = readSections(yaml);
        expect(sections).toEqual([
            {
                id: "hub",
                title: "The lab hub",
                intro: "One server for the whole lab (docs/hub.md).",
                keys: [
                    expect.objectContaining({ key: "hubEnabled", default: false }),
                    expect.objectContaining({ key: "hubUsers", default: [] }),
                ],
            },
        ]);
        expect(renderDefaults(sections)).toContain("    hub: {\n        /** Declare the hub. */\n        hubEnabled: false,\n");
        expect(renderDefaults(sections)).toContain("        hubUsers: [] as string[],\n");
        const reference = renderReference(sections, "# Reference");
        expect(reference).toContain("One server for the whole lab ([docs/hub.md](hub.md)).");
        expect(reference).toContain("| `hubUsers` | string[] | `[]` | Who may log in, each &lt;name>. |");
    });

    test("a key outside any section is refused, naming it", () => {
        expect(() => readSections("config:\n  stray:\n    type: string\n    default: ''\n    description: x\n")).toThrow(
            'config key stray comes before the first "# section <id>: <title>" line',
        );
    });

    test("stacks live in stacks/; the local stack's file is per-user, so git ignores it", () => {
        expect(project.stackConfigDir).toBe("stacks");
        // `pulumi stack init` writes the user's passphrase salt into it: a tracked file would leave the checkout dirty.
        const ignored = execFileSync("git", ["check-ignore", "--no-index", "stacks/Pulumi.local.yaml"], { cwd: ROOT, encoding: "utf8" });
        expect(ignored.trim()).toBe("stacks/Pulumi.local.yaml");
    });
});
