// What the scripts need to know of a stack's config before the Pulumi CLI is
// there (scripts/preflight.sh): the effective value of each plain key — the
// stack file's (stacks/Pulumi.<stack>.yaml) over Pulumi.yaml's default — and
// the images a local stack pulls, whether it runs on a Kubernetes cluster.
// Secrets (`secure:` values) are never read.
//
//   node scripts/lib/stack-config.js STACK   -> JSON { target, dockerHost, images: [{ key, image }], kubernetes }
"use strict";
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const ROOT = path.join(__dirname, "..", "..");
const NAMESPACE = "dsenv";

/**
 * Image keys whose empty value means an image the program picks: the pinned
 * notebook base (config/notebook-images.ts), its CUDA variant where
 * dsenv:jupyterGpus asks for GPUs. With `auto` the engine's answer is the
 * program's to read: the CPU image is checked here.
 */
function pickedImage(key, values) {
    if (key !== "jupyterBaseImage") return undefined;
    require("../../boot/register-ts");
    const gpus = values.jupyterGpus !== "" && values.jupyterGpus !== "auto" && values.jupyterGpus !== undefined;
    return require("../../config/notebook-images.ts").defaultNotebookBaseImage(gpus);
}

/** The effective plain config of a stack: key (without namespace) -> value. */
function stackConfig(stack, root = ROOT) {
    const project = YAML.parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const values = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) values[key] = decl?.default;
    const file = path.join(root, project.stackConfigDir ?? ".", `Pulumi.${stack}.yaml`);
    if (fs.existsSync(file)) {
        const stackFile = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
        for (const [qualified, value] of Object.entries(stackFile.config ?? {})) {
            const [ns, key] = qualified.split(":");
            if (ns !== NAMESPACE || key === undefined) continue;
            if (value !== null && typeof value === "object" && "secure" in value) continue;
            values[key] = value;
        }
    }
    return { declared: new Set(Object.keys(project.config ?? {})), values };
}

/**
 * The images a local stack pulls: every `<part>Image` / `<part>BaseImage` key,
 * where `<part>` is on (a workload with `<part>Enabled` true, the hub with
 * `jupyterHub` true) or always there (no such switch: MySQL, Jupyter).
 */
function pulledImages({ declared, values }) {
    const images = [];
    for (const key of declared) {
        const m = /^([a-z][A-Za-z]*?)(Base)?Image$/.exec(key);
        const image = m && (values[key] || pickedImage(key, values));
        if (!image) continue;
        // A part's switch: `<part>Enabled` (a workload), or the key `<part>` itself (jupyterHub).
        const switchKey = [`${m[1]}Enabled`, m[1]].find(k => declared.has(k));
        const on = !switchKey || values[switchKey] === true || values[switchKey] === "true";
        if (on) images.push({ key, image: String(image) });
    }
    return images;
}

/**
 * Whether the stack's workloads run on a Kubernetes cluster (and so need the
 * kubernetes plugin): target kubernetes, or azure on AKS.
 */
function runsOnKubernetes({ values }) {
    return values.target === "kubernetes" || (values.target === "azure" && values.azureRunsOn === "aks");
}

if (require.main === module) {
    const stack = process.argv[2];
    if (!stack) {
        console.error("usage: node scripts/lib/stack-config.js STACK");
        process.exit(2);
    }
    const config = stackConfig(stack);
    const { target, dockerHost } = config.values;
    console.log(JSON.stringify({ target, dockerHost, images: pulledImages(config), kubernetes: runsOnKubernetes(config) }));
}

module.exports = { stackConfig, pulledImages, runsOnKubernetes };
