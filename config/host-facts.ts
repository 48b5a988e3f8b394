import * as path from "path";
import { checkoutCommit } from "../components/build-context";
import { DockerRunner, runDockerCli } from "./gpu-check";
import { HostCommandRunner, runHostCommand } from "./host-command";
import { askKubeNodes, KubeNodesAsker } from "./kube-nodes";

/** What reading the config needs from the machine running Pulumi; tests pass fakes. */
export interface HostFacts {
    runDocker: DockerRunner;
    /** A command on an engine's machine (its GPU driver, the NVIDIA hook); absent: such questions go unanswered. */
    runHost?: HostCommandRunner;
    /** Asks a Kubernetes cluster for its nodes (their GPUs, their addresses); absent: the question goes unanswered. */
    kubeNodes?: KubeNodesAsker;
    /** uid and gid of the user running pulumi; undefined where the OS has none. */
    user?: { uid: number; gid: number };
    /** The commit of this project's checkout ("-dirty" with changes); undefined outside git. Not given: THIS_HOST's. */
    projectCommit?: () => string | undefined;
}

export const THIS_HOST: HostFacts = {
    runDocker: runDockerCli,
    runHost: runHostCommand,
    kubeNodes: askKubeNodes,
    user: process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined,
    projectCommit: () => checkoutCommit(path.join(__dirname, "..")),
};

/**
 * The same facts, each question put to a machine once: within one program run
 * several readers ask the same (the engine's `docker info` for the notebooks'
 * and the workloads' GPUs, a node's GPU capacity, the driver), and the answer
 * does not change in between.
 */
export function askedOnce(host: HostFacts): HostFacts {
    const answers = new Map<string, unknown>();
    const once = <T>(key: string, ask: () => T): T => {
        if (!answers.has(key)) answers.set(key, ask());
        return answers.get(key) as T;
    };
    const runHost = host.runHost;
    const kubeNodes = host.kubeNodes;
    return {
        ...host,
        runDocker: args => once(JSON.stringify(["docker", ...args]), () => host.runDocker(args)),
        runHost:
            runHost &&
            ((engine, script) =>
                once(JSON.stringify(["host", engine.host ?? "", engine.sshOpts ?? [], script]), () => runHost(engine, script))),
        kubeNodes:
            kubeNodes &&
            (cluster => once(JSON.stringify(["kube", cluster.kubeconfig ?? "", cluster.context ?? ""]), () => kubeNodes(cluster))),
    };
}
