import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ensureLateParts, LATE_PARTS_WAIT_MS } from "./late-parts";

// The npm SDKs (@pulumi/docker, @pulumi/random, @pulumi/kubernetes) send tokens
// and property names that the installed provider plugins must know: a name the
// plugin does not declare is dropped or refused at run time, silently in the
// worst case. This compares the schema each installed plugin reports with the
// SDK's type declarations, for every resource, function, provider argument and
// nested type.
jest.setTimeout(120_000);

const MODULES = path.join(__dirname, "..", "..", "node_modules", "@pulumi");

/**
 * What @pulumi/docker declares that is not the Terraform provider's: pulumi-docker's
 * own Go resource `docker.Image` (a build with BuildKit and a push) and its types.
 * The project does not use it (components/image.ts builds with RemoteImage).
 */
const NOT_BRIDGED: Record<string, Set<string>> = {
    docker: new Set(["docker:index/image:Image", "docker:image:Image", "CacheFrom", "DockerBuild", "Registry"]),
    random: new Set(),
    kubernetes: new Set(),
};

/**
 * Tokens on one side only by design, in @pulumi/kubernetes: the functions its
 * overlays (helm v3 Chart, kustomize Directory, yaml ConfigFile) invoke, which
 * the provider serves outside its schema; and schema resources the SDK makes
 * itself, with no fixed token of their own (CustomResource: apiVersion/kind of
 * the object; the v1 yaml and kustomize components: the SDK's own classes).
 */
const SDK_ONLY: Record<string, Set<string>> = {
    kubernetes: new Set(["kubernetes:helm:template", "kubernetes:kustomize:directory", "kubernetes:yaml:decode"]),
};
const SCHEMA_ONLY: Record<string, Set<string>> = {
    kubernetes: new Set([
        "kubernetes:apiextensions.k8s.io:CustomResource",
        "kubernetes:apiextensions.k8s.io:CustomResourcePatch",
        "kubernetes:kustomize:Directory",
        "kubernetes:yaml:ConfigFile",
        "kubernetes:yaml:ConfigGroup",
    ]),
};
/**
 * Components the SDK implements itself under the schema's token, with options
 * of its own shape: helm v3's Chart (ChartOpts or LocalChartOpts) renders the
 * chart through the provider's kubernetes:helm:template. Their arguments are
 * not compared.
 */
const SDK_COMPONENTS: Record<string, Set<string>> = {
    kubernetes: new Set(["kubernetes:helm.sh/v3:Chart"]),
};

interface Members {
    /** property name -> optional? */
    [name: string]: boolean;
}

/**
 * Interfaces and classes of one .d.ts file: name -> its property members; those
 * in namespaces named with the namespaces' path (`core.v1.PodSpec`).
 */
function declarations(file: string): Map<string, Members> {
    const source = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
    const found = new Map<string, Members>();
    const visit = (node: ts.Node, prefix: string) => {
        if (ts.isModuleDeclaration(node) && node.body) {
            const inner = `${prefix}${node.name.text}.`;
            node.body.forEachChild(child => visit(child, inner));
            return;
        }
        if (!(ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) || !node.name) return;
        const members: Members = {};
        for (const m of node.members) {
            const isStatic = ts.canHaveModifiers(m) && ts.getModifiers(m)?.some(x => x.kind === ts.SyntaxKind.StaticKeyword);
            if ((ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) && !isStatic && m.name && ts.isIdentifier(m.name)) {
                members[m.name.text] = m.questionToken !== undefined;
            }
        }
        found.set(`${prefix}${node.name.text}`, members);
    };
    source.forEachChild(node => visit(node, ""));
    return found;
}

/** The schema the installed plugin reports (the plugin the e2e stacks run). */
function pluginSchema(pkg: string): any {
    const version = JSON.parse(fs.readFileSync(path.join(MODULES, pkg, "package.json"), "utf8")).version;
    const out = execFileSync("pulumi", ["package", "get-schema", `${pkg}@${version}`], {
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const schema = JSON.parse(out);
    expect(schema.version).toBe(version);
    return schema;
}

/**
 * The tokens the SDK sends, each with the module that declares it (its path in
 * the package, without .js), read from the compiled JS: resources
 * (`__pulumiType = '...'`), functions (`invoke("...")`) and provider methods
 * (`call("...")`). The provider's own token (the package name) is the schema's
 * `provider`, compared apart. The package's own node_modules and install
 * scripts are not the SDK.
 */
function sdkTokens(pkg: string): Map<string, string> {
    const root = path.join(MODULES, pkg);
    const tokens = new Map<string, string>();
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const file = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (e.name !== "node_modules" && e.name !== "scripts") walk(file);
                continue;
            }
            if (!e.name.endsWith(".js")) continue;
            for (const m of fs.readFileSync(file, "utf8").matchAll(/__pulumiType = '([^']+)'|(?:invoke|invokeOutput|call)\("([^"]+)"/g)) {
                const token = m[1] ?? m[2];
                if (token !== pkg) tokens.set(token, path.relative(root, file).replace(/\.js$/, ""));
            }
        }
    };
    walk(root);
    return tokens;
}

/**
 * The name the SDK gives a schema type: its module (the schema's
 * `meta.moduleFormat` picks it out of the token; `index` is the top level; the
 * Node.js `moduleToPackage` maps it to the SDK's path) as namespaces, then the
 * name with an upper-case first letter (`kubernetes:core/v1:PodSpec` ->
 * `core.v1.PodSpec`, `docker:index/ContainerPort:ContainerPort` -> `ContainerPort`).
 */
function sdkTypeName(schema: any, token: string): string {
    const [, mod, name] = token.split(":");
    const format = new RegExp(`^${schema.meta?.moduleFormat ?? "(.*)"}$`);
    const module = format.exec(mod)?.[1] ?? mod;
    const sdkPath = module === "index" ? "" : (schema.language?.nodejs?.moduleToPackage?.[module] ?? module);
    const prefix = sdkPath ? `${sdkPath.replace(/\//g, ".")}.` : "";
    return `${prefix}${name[0].toUpperCase()}${name.slice(1)}`;
}

function names(members: Members | undefined): string[] {
    return Object.keys(members ?? {}).sort();
}

function required(members: Members | undefined): string[] {
    return Object.entries(members ?? {})
        .filter(([, optional]) => !optional)
        .map(([n]) => n)
        .sort();
}

describe.each(["docker", "random", "kubernetes"])("the installed %s plugin matches @pulumi/%s", pkg => {
    let schema: any;
    let tokens: Map<string, string>;
    const notBridged = NOT_BRIDGED[pkg];
    const sdkOnly = SDK_ONLY[pkg] ?? new Set<string>();
    const schemaOnly = SCHEMA_ONLY[pkg] ?? new Set<string>();
    const sdkComponents = SDK_COMPONENTS[pkg] ?? new Set<string>();
    beforeAll(() => {
        // The kubernetes plugin is one of the toolchain's late parts (scripts/test.sh builds it meanwhile).
        if (pkg === "kubernetes") ensureLateParts("kubernetes-plugin");
        schema = pluginSchema(pkg);
        tokens = sdkTokens(pkg);
    }, LATE_PARTS_WAIT_MS);

    test("every resource and function of the SDK is in the schema, and the schema has nothing the SDK lacks", () => {
        const sdk = [...tokens.keys()].filter(t => !notBridged.has(t) && !sdkOnly.has(t)).sort();
        const plugin = [...Object.keys(schema.resources), ...Object.keys(schema.functions ?? {})].filter(t => !schemaOnly.has(t)).sort();
        expect(plugin).toEqual(sdk);
        // The exceptions are real: each is on its one side.
        expect([...sdkOnly].filter(t => !tokens.has(t))).toEqual([]);
        expect([...schemaOnly].filter(t => !schema.resources[t])).toEqual([]);
    });

    test("each resource's arguments and outputs have the SDK's names, and the same ones are required", () => {
        expect([...sdkComponents].filter(t => !tokens.has(t) || !schema.resources[t]?.isComponent)).toEqual([]);
        for (const [token, file] of tokens) {
            if (notBridged.has(token) || sdkComponents.has(token) || !schema.resources[token]) continue;
            const decls = declarations(path.join(MODULES, pkg, `${file}.d.ts`));
            const className = token.split(":")[2];
            const res = schema.resources[token];
            const args = decls.get(`${className}Args`);
            expect([token, names(args)]).toEqual([token, Object.keys(res.inputProperties ?? {}).sort()]);
            expect([token, "required", required(args)]).toEqual([token, "required", [...(res.requiredInputs ?? [])].sort()]);
            const outputs = names(decls.get(className)).filter(n => n !== "id" && n !== "urn");
            expect([token, "outputs", outputs]).toEqual([token, "outputs", Object.keys(res.properties ?? {}).sort()]);
        }
    });

    test("each function's arguments have the SDK's names", () => {
        for (const [token, file] of tokens) {
            const fn = schema.functions?.[token];
            // A provider method's only argument is the provider itself (__self__).
            if (!fn || token.startsWith("pulumi:providers:")) continue;
            const decls = declarations(path.join(MODULES, pkg, `${file}.d.ts`));
            const fnName = token.split(":")[2];
            const args = decls.get(`${fnName[0].toUpperCase()}${fnName.slice(1)}Args`);
            expect([token, names(args)]).toEqual([token, Object.keys(fn.inputs?.properties ?? {}).sort()]);
        }
    });

    test("the provider's configuration has the SDK's names", () => {
        const args = declarations(path.join(MODULES, pkg, "provider.d.ts")).get("ProviderArgs");
        expect(names(args)).toEqual(Object.keys(schema.provider.inputProperties ?? {}).sort());
    });

    test("every nested type the SDK sends has the schema's property names, and the same ones are required", () => {
        const inputFile = path.join(MODULES, pkg, "types", "input.d.ts");
        if (!fs.existsSync(inputFile)) return; // a package without object types (random)
        // Types of functions' arguments are named in lower camel case in the schema, in upper in the SDK.
        const schemaTypes = new Map(Object.entries(schema.types ?? {}).map(([tok, t]) => [sdkTypeName(schema, tok), t as any]));
        for (const [name, members] of declarations(inputFile)) {
            // Function argument types come twice: Foo and FooArgs (its Input form).
            const typeName = name.endsWith("Args") && !schemaTypes.has(name) ? name.slice(0, -"Args".length) : name;
            if (notBridged.has(typeName)) continue;
            const type = schemaTypes.get(typeName);
            expect([name, type !== undefined]).toEqual([name, true]);
            expect([name, names(members)]).toEqual([name, Object.keys(type.properties ?? {}).sort()]);
            expect([name, "required", required(members)]).toEqual([name, "required", [...(type.required ?? [])].sort()]);
        }
    });
});
