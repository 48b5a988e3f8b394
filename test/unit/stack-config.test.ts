import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NOTEBOOK_IMAGES } from "../../config/notebook-images";

// scripts/lib/stack-config.js: what scripts/preflight.sh reads of a stack before the Pulumi CLI is there.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { stackConfig, pulledImages, runsOnKubernetes } = require("../../scripts/lib/stack-config.js");

const REPO = path.join(__dirname, "..", "..");

/** A project dir with the real Pulumi.yaml and a stack file with these lines under `config:`. */
function projectWithStack(stack: string, configLines: string[]): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-stack-config-"));
    fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.mkdirSync(path.join(dir, "stacks"));
    fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${stack}.yaml`), ["config:", ...configLines.map(l => `  ${l}`)].join("\n"));
    return dir;
}

describe("stack config as the preflight reads it", () => {
    test("a stack without a file has Pulumi.yaml's defaults, and pulls the workspace's two images", () => {
        const config = stackConfig("nofile-here");
        expect(config.values.target).toBe("local");
        expect(pulledImages(config)).toEqual([
            { key: "mysqlImage", image: "mysql:8.4.3" },
            { key: "jupyterBaseImage", image: NOTEBOOK_IMAGES.cpu },
        ]);
    });

    test("the stack file wins over the defaults; a workload's image counts only when it is on", () => {
        const dir = projectWithStack("t", [
            "dsenv:mysqlImage: mariadb:11",
            "dsenv:labEnabled: true",
            "dsenv:pytorchEnabled: false",
            "dsenv:siteImage: nginx:1",
        ]);
        const images = pulledImages(stackConfig("t", dir));
        expect(images).toEqual([
            { key: "mysqlImage", image: "mariadb:11" },
            { key: "jupyterBaseImage", image: NOTEBOOK_IMAGES.cpu },
            { key: "labBaseImage", image: "tensorflow/tensorflow:2.18.0-gpu" },
        ]);
    });

    test("the hub's base image counts only with jupyterHub on", () => {
        const hubImage = (lines: string[]) =>
            pulledImages(stackConfig("h", projectWithStack("h", lines))).find((i: { key: string }) => i.key === "jupyterHubBaseImage");
        expect(hubImage([])).toBeUndefined();
        expect(hubImage(["dsenv:jupyterHub: true"])).toEqual({ key: "jupyterHubBaseImage", image: "quay.io/jupyterhub/jupyterhub:5.5.4" });
    });

    test("the pinned notebook base: its CUDA variant where dsenv:jupyterGpus asks for GPUs, the CPU one for auto or none", () => {
        const { NOTEBOOK_IMAGES } = require("../../config/notebook-images");
        const picked = (gpus: string) =>
            pulledImages(stackConfig("g", projectWithStack("g", [`dsenv:jupyterGpus: "${gpus}"`]))).find(
                (i: { key: string }) => i.key === "jupyterBaseImage",
            ).image;
        expect([picked("2"), picked("all"), picked("auto"), picked("")]).toEqual([
            NOTEBOOK_IMAGES.cuda.image,
            NOTEBOOK_IMAGES.cuda.image,
            NOTEBOOK_IMAGES.cpu,
            NOTEBOOK_IMAGES.cpu,
        ]);
    });

    test("a stack runs on Kubernetes (and needs the kubernetes plugin) with target kubernetes, or azure on AKS", () => {
        const onKubernetes = (lines: string[]) => runsOnKubernetes(stackConfig("k", projectWithStack("k", lines)));
        expect([
            onKubernetes([]),
            onKubernetes(["dsenv:target: kubernetes"]),
            onKubernetes(["dsenv:target: azure"]),
            onKubernetes(["dsenv:target: azure", "dsenv:azureRunsOn: aks"]),
            onKubernetes(["dsenv:target: azure", "dsenv:azureRunsOn: vms"]),
            onKubernetes(["dsenv:target: swarm", "dsenv:azureRunsOn: aks"]),
        ]).toEqual([false, true, false, true, false, false]);
    });

    test("secrets and other projects' keys are not read", () => {
        const dir = projectWithStack("s", [
            "dsenv:dockerHost:",
            "    secure: v1:abc",
            "other:dockerHost: tcp://x:2375",
            "dsenv:target: ci-push",
        ]);
        const { values } = stackConfig("s", dir);
        expect(values.dockerHost).toBe("");
        expect(values.target).toBe("ci-push");
    });
});
