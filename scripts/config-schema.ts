// What is made from Pulumi.yaml, the one place a config key's type, default and
// description are written: the program's defaults (config/defaults.ts) and the
// configuration reference (docs/configuration.md). `npm run generate` writes
// both; test/unit/config-schema.test.ts fails when either is stale.
//
// Pulumi.yaml groups its keys into sections with a comment line
// `# section <id>: <title>` before a section's first key; the comment lines
// after it (in the same block) are the section's introduction in the reference.
import * as fs from "fs";
import * as path from "path";
import { isMap, isScalar, parseDocument, YAMLMap } from "yaml";

const ROOT = path.join(__dirname, "..");
const COMMAND = "npm run generate";

export interface DeclaredKey {
    key: string;
    type: "string" | "integer" | "boolean" | "array" | "object";
    default: unknown;
    description: string;
}

export interface Section {
    id: string;
    title: string;
    intro: string;
    keys: DeclaredKey[];
}

/** Pulumi.yaml's config keys, by section, in the order it declares them. */
export function readSections(yamlText = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")): Section[] {
    const doc = parseDocument(yamlText);
    const config = doc.get("config", true);
    if (!isMap(config)) throw new Error("Pulumi.yaml has no config map");
    const sections: Section[] = [];
    (config as YAMLMap).items.forEach((pair, i) => {
        if (!isScalar(pair.key)) throw new Error("Pulumi.yaml: a config key that is not a plain name");
        const key = String(pair.key.value);
        const comment = [i === 0 ? config.commentBefore : undefined, pair.key.commentBefore].filter(Boolean).join("\n");
        const heading = sectionHeading(comment);
        if (heading) sections.push({ ...heading, keys: [] });
        if (sections.length === 0) throw new Error(`Pulumi.yaml: config key ${key} comes before the first "# section <id>: <title>" line`);
        const spec = (pair.value as YAMLMap).toJSON() as Record<string, unknown>;
        for (const field of ["type", "default", "description"]) {
            if (!(field in spec)) throw new Error(`Pulumi.yaml: config key ${key} has no ${field}`);
        }
        sections[sections.length - 1].keys.push({
            key,
            type: spec.type as DeclaredKey["type"],
            default: spec.default,
            description: String(spec.description),
        });
    });
    return sections;
}

function sectionHeading(comment: string): { id: string; title: string; intro: string } | undefined {
    const lines = comment.split("\n").map(l => l.trim());
    const at = lines.findIndex(l => /^section [a-z][A-Za-z0-9]*: /.test(l));
    if (at < 0) return undefined;
    const [, id, title] = /^section ([a-z][A-Za-z0-9]*): (.+)$/.exec(lines[at])!;
    return {
        id,
        title,
        intro: lines
            .slice(at + 1)
            .join(" ")
            .trim(),
    };
}

/** A default as a TypeScript expression, typed as the key's type (an empty list is a string[], not never[]). */
function tsValue(k: DeclaredKey): string {
    const json = JSON.stringify(k.default);
    if (k.type === "array") return `${json} as string[]`;
    if (k.type === "object") return `${json} as Record<string, unknown>`;
    return json;
}

function tsComment(text: string, indent: string): string {
    return `${indent}/** ${text.replace(/\*\//g, "*\\/")} */\n`;
}

/** config/defaults.ts: every key's default, by section and all together. */
export function renderDefaults(sections: Section[]): string {
    const out = [
        `// Generated from Pulumi.yaml by scripts/config-schema.ts (${COMMAND}): edit Pulumi.yaml, not this file.`,
        "// The CLI applies Pulumi.yaml's defaults; these apply them where the program runs",
        "// without the CLI (Pulumi mocks, another program importing it).",
        "",
        "/** Each section of Pulumi.yaml's config: its keys and their defaults. */",
        "export const SECTION_DEFAULTS = {",
    ];
    for (const s of sections) {
        out.push(`    /** ${s.title} */`, `    ${s.id}: {`);
        for (const k of s.keys) out.push(tsComment(k.description, "        ").trimEnd(), `        ${k.key}: ${tsValue(k)},`);
        out.push("    },");
    }
    out.push(
        "};",
        "",
        "/** Every key the program reads, with its default. */",
        "export const DEFAULTS = {",
        ...sections.map(s => `    ...SECTION_DEFAULTS.${s.id},`),
        "};",
        "",
        "export type ConfigKey = keyof typeof DEFAULTS;",
        "",
    );
    return out.join("\n");
}

function mdDefault(k: DeclaredKey): string {
    return `\`${JSON.stringify(k.default)}\``.replace(/^`"(.+)"`$/, "`$1`");
}

function mdType(k: DeclaredKey): string {
    return k.type === "array" ? "string[]" : k.type;
}

/**
 * A description as Markdown in a table cell: `|` escaped, `<` outside code
 * spans as an entity (`<stack>` is no HTML tag), and plain mentions of
 * docs/<file>.md as links relative to docs/.
 */
function linked(text: string): string {
    return text
        .split(/(`[^`]*`)/)
        .map((part, i) =>
            i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/\bdocs\/([a-z-]+\.md(?:#[a-z0-9-]+)?)/g, "[docs/$1]($1)"),
        )
        .join("")
        .replace(/\|/g, "\\|");
}

/** docs/configuration.md: every key by section, with its type, default and what is accepted. */
export function renderReference(
    sections: Section[],
    intro = fs.readFileSync(path.join(__dirname, "config-reference-intro.md"), "utf8"),
): string {
    const out = [
        `<!-- Generated from Pulumi.yaml by scripts/config-schema.ts (${COMMAND}): edit Pulumi.yaml (and scripts/config-reference-intro.md), not this file. -->`,
        intro.trim(),
        "",
        "Sections: " + sections.map(s => `[${s.title}](#${s.id})`).join(" · "),
        "",
    ];
    for (const s of sections) {
        out.push(`<a id="${s.id}"></a>`, "", `## ${s.title}`, "");
        if (s.intro) out.push(linked(s.intro), "");
        out.push("| key | type | default | what it is, and what is accepted |", "|---|---|---|---|");
        for (const k of s.keys) out.push(`| \`${k.key}\` | ${mdType(k)} | ${mdDefault(k)} | ${linked(k.description)} |`);
        out.push("");
    }
    return out.join("\n");
}

/** Each generated file (relative to the project root) and the content it must have. */
export function generatedFiles(sections = readSections()): Record<string, string> {
    return {
        [path.join("config", "defaults.ts")]: renderDefaults(sections),
        [path.join("docs", "configuration.md")]: renderReference(sections),
    };
}

if (require.main === module) {
    for (const [file, content] of Object.entries(generatedFiles())) {
        fs.writeFileSync(path.join(ROOT, file), content);
        console.log(`wrote ${file}`);
    }
}
