import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { byType, runWithMocks, valueOf } from "./harness";

// The README's example of another Pulumi program using the components, as a
// user would copy it: it type-checks against components/index.ts, and under
// mocks it declares what it says.
const ROOT = path.join(__dirname, "..", "..");
const HEADING = "## Using the components in your own Pulumi program";

function readmeExample(): string {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf(HEADING));
    const block = /```ts\n([\s\S]*?)```/.exec(section);
    if (!readme.includes(HEADING) || !block) throw new Error(`README.md has no \`\`\`ts block under "${HEADING}"`);
    return block[1];
}

/** The example in a program directory of its own, importing this checkout's components as `../dsenv/components` would. */
function exampleFile(): string {
    const source = readmeExample();
    expect(source).toContain('from "../dsenv/components";');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-reuse-"));
    const file = path.join(dir, "index.ts");
    fs.writeFileSync(file, source.replace('"../dsenv/components"', JSON.stringify(path.join(ROOT, "components"))));
    return file;
}

test("the README's reuse example type-checks against components/index.ts", () => {
    const file = exampleFile();
    const config = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram([file], {
        ...options,
        noEmit: true,
        types: ["node"],
        typeRoots: [path.join(ROOT, "node_modules", "@types")],
    });
    const problems = ts.getPreEmitDiagnostics(program).map(d => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
}, 60_000);

test("the README's reuse example declares the workspace and the site on one engine", async () => {
    const file = exampleFile();
    const r = await runWithMocks({}, () => require(file));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(r.error).toBeUndefined();
    const containers = await Promise.all(byType(r, "docker:index/container:Container").map(c => valueOf(c.props.name)));
    expect(containers.sort()).toEqual(["team-jupyter", "team-mysql", "team-site"]);
    expect(await valueOf(byType(r, "docker:index/network:Network")[0].props.name)).toBe("team-net");
    expect(await valueOf((r.result as { siteUrl: unknown }).siteUrl)).toBe("http://127.0.0.1:9999/");
});
