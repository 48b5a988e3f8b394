import * as pulumi from "@pulumi/pulumi";
import { MYSQL_ALIAS } from "../components/mysql";
import type { GpuRequest } from "../components/gpu";
import type { ConfigKey } from "../config/defaults";
import { canonicalEngineAddress, canonicalIp, isAllInterfaces, isHostIp } from "../config/addresses";
import { AZURE_VM_ORDER, checkAksGpus, checkAzureSwarmGpus, readAzure, readCiPush } from "../config/azure";
import * as azureRules from "../config/azure-rules";
import { runsHealthStartInterval } from "../config/engine-api";
import { readWorkDir } from "../config/host-paths";
import { ConfigError, ConfigReader } from "../config/reader";
import * as rules from "../config/rules";
import {
    EngineSettings,
    JupyterSettings,
    MySqlSettings,
    Published,
    RegistrySettings,
    RESTART_POLICIES,
    RestartPolicy,
    Target,
    TARGETS,
} from "../config/settings";
import type { Settings } from "./index";
import { WORKLOAD_DEFAULTS } from "../config/workload-defaults";
import { shmSizeMb } from "../config/workload-rules";
import { readNotebookBaseImage, readNotebookPackages } from "../config/notebook-image";
import { readNotebookVariables } from "../config/notebook-variables";
import { NodeNumbering, readNotebookUsers } from "../config/notebook-users";
import { notebookPlace, readNotebookGpus, withNotebookGpus } from "./notebook-gpus";
import { HubGpuPlace, hubServerGpus, readJupyterHub } from "../config/jupyter-hub";
import { checkSwarmGpus, checkSwarmKeepsGpus, readSwarm, readSwarmLayout, SwarmLayout, SwarmSettings } from "../config/swarm";
import { WorkloadGpuPlace } from "../config/gpus-auto";
import { checkKubeGpuRequests, checkKubeNamePrefix, clusterNodes, KubernetesSettings, readKubernetes } from "../config/kubernetes";
import { KubeNodesAnswer } from "../config/kube-nodes";
import { refuseOnKubernetes } from "./kubernetes-limits";
import { askedOnce } from "../config/host-facts";
import { gpuRequests, HostFacts, readWorkloads, THIS_HOST, workloadHostPorts } from "../workloads/read";

/**
 * On the azure target the containers run on a VM this stack creates: its paths
 * cannot be checked from here, and its NVIDIA runtime is checked by the VM's
 * readiness step (components/azure/remote-host.ts) instead of at preview.
 */
const AZURE_VM: { engine: EngineSettings; facts: HostFacts } = {
    engine: { isLocal: false },
    facts: {
        runDocker: () => ({ ok: false, error: "the GPU VM is created by this stack; its readiness step waits for the NVIDIA runtime" }),
    },
};

/**
 * Reads and validates the whole stack config. Throws one ConfigError listing
 * every problem; returns settings that components can trust.
 */
export function loadSettings(config = new pulumi.Config(), env: NodeJS.ProcessEnv = process.env, facts: HostFacts = THIS_HOST): Settings {
    const host = askedOnce(facts);
    const read = new ConfigReader(config);
    const stack = pulumi.getStack();
    read.rejectUnknownKeys();

    const kind = read.string("target", rules.oneOf(TARGETS)) as Target["kind"];
    const sshOpts = read.strings("dockerSshOpts", v => (v === "" ? 'non-empty ssh options, e.g. ["-i", "~/.ssh/gpu_box"]' : undefined));
    const swarm = kind === "swarm" ? readSwarm(read, sshOpts) : undefined;
    // An azure stack of several VMs makes them a swarm: its nodes are the VMs, by their numbers.
    // An azure stack on AKS runs on Kubernetes: it has no VMs (readAzure refuses their keys there).
    const onAks = kind === "azure" && read.string("azureRunsOn") === "aks";
    const azureVmCount = kind === "azure" && !onAks ? read.integer("azureVmCount", azureRules.vmCount) : 1;
    const azureSwarm = azureVmCount > 1 ? readSwarmLayout(read, azureVmCount, AZURE_VM_ORDER) : undefined;
    const nodes: NodeNumbering | undefined = swarm
        ? { count: swarm.nodes.length, order: "dsenv:swarmNodes' order" }
        : azureSwarm && { count: azureVmCount, order: AZURE_VM_ORDER };
    // The local, swarm and kubernetes targets push to registryServer; the others have their Azure registry.
    const registry =
        kind === "local" || kind === "swarm" || kind === "kubernetes"
            ? readRegistry(read, kind === "local" ? undefined : kind === "swarm" ? "every swarm node" : "the cluster's nodes")
            : undefined;
    const engines = readEngines(read, env, sshOpts, kind === "local" && registry === undefined, swarm);
    const buildEngine = engines.buildEngine;
    // The local target's containers run on this engine: asked once whether it runs a healthcheck start interval.
    const engine =
        kind === "local"
            ? { ...engines.engine, healthStartInterval: runsHealthStartInterval(engines.engine, host.runDocker) }
            : engines.engine;
    // Where the containers run: the engine at dockerHost, the Azure VM, or the swarm's nodes (whose
    // paths cannot be checked from here, and whose GPUs checkSwarmGpus checks by their capacity).
    const runsOn =
        kind === "azure"
            ? AZURE_VM
            : kind === "swarm" || kind === "kubernetes"
              ? { engine: { isLocal: false }, facts: host }
              : { engine, facts: host };
    const namePrefix = read.string("namePrefix", v => (v === "" ? undefined : rules.resourceName(v))) || prefixFromStack(read, stack);
    const kube = kind === "kubernetes" ? readKubernetes(read, namePrefix, env) : undefined;
    // On AKS, the limits and names are the kubernetes target's.
    if (kube || onAks) checkKubeNamePrefix(read, namePrefix);
    const kubeNodes = kube && clusterNodes(kube, host);
    const restartPolicy = read.string("restartPolicy", rules.oneOf(RESTART_POLICIES)) as RestartPolicy;
    const mysql = readMySql(read);
    const jupyterRead = readJupyter(read, runsOn.engine, mysql, kind, nodes);
    const notebookGpus = readNotebookGpus(read);
    // The local target's engine is asked about GPUs once, for the notebooks and the workloads (settings/notebook-gpus.ts).
    const gpuPlace: WorkloadGpuPlace = swarm
        ? { kind: "swarm", swarm }
        : kubeNodes
          ? { kind: "kubernetes", gpus: kubeNodes }
          : kind === "azure"
            ? onAks
                ? { kind: "aks", vmSize: read.string("azureVmSize") }
                : { kind: "azure", vmSize: read.string("azureVmSize"), vmCount: azureVmCount }
            : { kind: "engine", engine };
    const workloads =
        kind === "ci-push"
            ? { notices: [] }
            : readWorkloads(
                  read,
                  runsOn.engine,
                  runsOn.facts,
                  nodes === undefined && kind !== "local" && kind !== "kubernetes" && !onAks,
                  gpuPlace,
              );
    const gpus = gpuRequests(workloads);
    // ci-push tags the project's images with the commit: a user's packages would change the content, not the tag.
    if (kind === "ci-push")
        for (const key of ["jupyterRequirements", "jupyterEnvironment"] as const)
            read.rejectOrphan(key, "the ci-push target pushes the project's own images, tagged by commit");
    const notebookGpuKeys = notebookGpus !== undefined && notebookGpus !== "auto" ? ["jupyterGpus"] : [];
    const target = readTarget(
        read,
        kind,
        [...gpus.map(([key]) => key), ...notebookGpuKeys],
        namePrefix,
        host,
        swarm,
        {
            count: azureVmCount,
            swarm: azureSwarm,
        },
        kube && withNodeAddress(read, kube, kubeNodes!),
    );
    if (kubeNodes) checkKubeGpuRequests(read, gpus, kubeNodes, workloads.notices);
    if (swarm) checkSwarmGpus(read, swarm, gpus, host.runDocker, workloads.notices);
    if (target.kind === "azure") checkAzureSwarmGpus(read, target.azure, gpus, workloads.notices);
    if (target.kind === "azure" && target.azure.runsOn === "aks") checkAksGpus(read, target.azure.aks, gpus);
    const hubGpuPlace: HubGpuPlace =
        target.kind === "swarm" || target.kind === "kubernetes" || azureSwarm
            ? { kind: "swarm" }
            : target.kind === "azure"
              ? { kind: "azure", vmSize: target.azure.runsOn === "aks" ? target.azure.aks.gpuPool.vmSize : target.azure.vm.size }
              : { kind: "engine", engine };
    const jupyter = hubServerGpus(
        read,
        withNotebookGpus(
            read,
            jupyterRead,
            notebookGpus,
            notebookPlace(target, engine, workloads, host),
            host,
            workloads.notices,
            buildEngine,
        ),
        notebookGpus === "auto",
        hubGpuPlace,
        host,
        workloads.notices,
    );

    if (swarm) {
        // On a swarm a GPU count is a reservation of the nodes' NVIDIA-GPU resources ("all" reserves none).
        const reserves = (g: GpuRequest | undefined) => g !== undefined && g !== "all" && "count" in g;
        const notebooksReserve = reserves(jupyter.gpus) || jupyter.users.some(u => reserves(u.gpus));
        const keys: ConfigKey[] = [
            ...gpus.filter(([, g]) => reserves(g)).map(([key]) => key),
            ...(notebooksReserve ? ["jupyterGpus" as const] : []),
        ];
        checkSwarmKeepsGpus(read, swarm, keys, host.runDocker);
    }

    if (kube || onAks) refuseOnKubernetes(read, jupyter, workloads);

    checkHostPortsDistinct(read, [
        ["mysqlHostPort", mysql.publish],
        // The hub, or the workspace's one notebook, is at jupyterHostPort; always-on notebooks on their names' ports.
        ["jupyterHostPort", jupyter.users.length && !jupyter.hub ? undefined : jupyter.publish],
        ...(jupyter.hub
            ? []
            : jupyter.users.map((u): [string, Published, string] => [
                  "jupyterUsers",
                  { hostPort: u.hostPort, hostIp: jupyter.publish.hostIp },
                  u.name,
              ])),
        ...workloadHostPorts(workloads),
    ]);
    // What this target never reads has no effect; a disabled workload's keys may stay (docs/workloads.md).
    for (const key of read.unaskedChanges(k => k in WORKLOAD_DEFAULTS)) read.rejectOrphan(key, `the ${kind} target does not use it`);

    if (read.problems.length > 0) throw new ConfigError(read.problems);
    return { stack, namePrefix, target, engine, buildEngine, restartPolicy, registry, mysql, jupyter, workloads };
}

/**
 * On NodePort a published port's URL is a node's address: the cluster is
 * asked for its nodes (the same answer the GPU checks read), and one that
 * does not say is refused, since no URL could be given.
 */
function withNodeAddress(read: ConfigReader, kube: KubernetesSettings, nodes: () => KubeNodesAnswer): KubernetesSettings {
    if (kube.serviceType !== "NodePort") return kube;
    const answer = nodes();
    const address = answer.ok ? answer.nodes.find(n => n.address)?.address : undefined;
    if (!address)
        read.reject(
            "kubeServiceType",
            kube.serviceType,
            `ClusterIP or LoadBalancer, or NodePort with a cluster that says a node's address (${answer.ok ? "no node has one" : `it did not answer: ${answer.error}`})`,
        );
    return { ...kube, nodeAddress: address };
}

/** The default prefix comes from the stack name, which Pulumi allows to be what a Docker name cannot. */
function prefixFromStack(read: ConfigReader, stack: string): string {
    const prefix = `dsenv-${stack}`.toLowerCase();
    const problem = rules.resourceName(prefix);
    if (problem)
        read.reject("namePrefix", "", `${problem}; the default made from the stack name, ${JSON.stringify(prefix)}, is not: set one`);
    return prefix;
}

function readTarget(
    read: ConfigReader,
    kind: Target["kind"],
    gpuWorkloadKeys: string[],
    namePrefix: string,
    host: HostFacts,
    swarm?: SwarmSettings,
    azureVms?: { count: number; swarm?: SwarmLayout },
    kube?: KubernetesSettings,
): Target {
    switch (kind) {
        case "swarm":
            return { kind, swarm: swarm! };
        case "kubernetes":
            return { kind, kubernetes: kube! };
        case "azure":
            return { kind, azure: readAzure(read, gpuWorkloadKeys, namePrefix, azureVms) };
        case "ci-push":
            return { kind, ciPush: readCiPush(read, host.projectCommit ?? THIS_HOST.projectCommit!) };
        default:
            return { kind: "local" };
    }
}

/**
 * The engine containers run on (dockerHost; on a swarm, its first manager) and
 * the one images are built on (buildDockerHost, e.g. a laptop building for a GPU
 * box over ssh://). Two engines need a registry between them, unless the
 * target brings its own.
 */
function readEngines(
    read: ConfigReader,
    env: NodeJS.ProcessEnv,
    sshOpts: string[],
    needsRegistry: boolean,
    swarm?: SwarmSettings,
): { engine: EngineSettings; buildEngine: EngineSettings } {
    const hostRule = (v: string) => (v === "" ? undefined : rules.dockerHost(v));
    // The Docker provider ignores DOCKER_HOST (pulumi-docker #619), so it is read here.
    const runHost = swarm ? swarm.nodes[0]?.engine.host : read.string("dockerHost", hostRule) || env.DOCKER_HOST || undefined;
    const buildConfigured = read.string("buildDockerHost", hostRule);
    // Another spelling of the engine that runs the containers is that engine.
    const buildHost =
        buildConfigured && canonicalEngineAddress(buildConfigured) !== canonicalEngineAddress(runHost) ? buildConfigured : runHost;
    if (buildHost !== runHost && needsRegistry) {
        read.reject(
            "buildDockerHost",
            buildConfigured,
            "the same engine as dsenv:dockerHost, or a registry in dsenv:registryServer to carry the images from one to the other",
        );
    }
    const hosts = [runHost, buildHost, ...(swarm?.nodes.map(n => n.engine.host) ?? [])];
    if (!hosts.some(h => h?.startsWith("ssh://")))
        read.rejectOrphan(
            "dockerSshOpts",
            "no engine is reached over ssh:// (dsenv:dockerHost, dsenv:buildDockerHost, dsenv:swarmNodes or DOCKER_HOST)",
        );
    const engineAt = (host?: string): EngineSettings => ({ host, sshOpts, isLocal: host === undefined || host.startsWith("unix://") });
    return { engine: engineAt(runHost), buildEngine: engineAt(buildHost) };
}

/** registryServer and its login; `pullers` (every swarm node, the cluster's nodes): required, as where they pull the built images from. */
function readRegistry(read: ConfigReader, pullers?: string): RegistrySettings | undefined {
    const server = read.string("registryServer", v =>
        v === ""
            ? pullers
                ? `a registry ${pullers} can pull from (host:port, or http://host:port for a plain-HTTP lab registry): the nodes pull the images built here from it`
                : undefined
            : rules.registryServer(v),
    );
    const username = read.string("registryUsername");
    const password = read.secret("registryPassword");
    if (!server) {
        if (username) read.reject("registryUsername", username, "no user name while dsenv:registryServer is empty");
        if (password) read.rejectOrphan("registryPassword", "dsenv:registryServer is empty");
        return undefined;
    }
    if (password && !username) read.reject("registryUsername", username, "the user name that goes with dsenv:registryPassword");
    const plainHttp = server.startsWith("http://");
    return { server: plainHttp ? server.slice("http://".length) : server, plainHttp, username: username || undefined, password };
}

function readMySql(read: ConfigReader): MySqlSettings {
    const hostPort = read.integer("mysqlHostPort", rules.portOrOff);
    const hostIp = read.string("mysqlHostIp", rules.hostIp);
    if (hostPort === 0) read.rejectOrphan("mysqlHostIp", "dsenv:mysqlHostPort is 0 (MySQL is not published)");
    return {
        image: read.string("mysqlImage", rules.imageRef),
        database: read.string("mysqlDatabase", rules.mysqlDatabase),
        user: read.string("mysqlUser", rules.mysqlUser),
        extraAliases: distinctAliases(read.strings("mysqlAliases", rules.dnsLabel)),
        publish: hostPort > 0 ? { hostPort, hostIp } : undefined,
        keepDataOnDestroy: read.boolean("mysqlKeepData"),
    };
}

/** DNS is case-blind: each name once, and never "mysql", which the database always has. */
function distinctAliases(aliases: string[]): string[] {
    const seen = new Set([MYSQL_ALIAS]);
    return aliases.filter(a => !seen.has(a.toLowerCase()) && seen.add(a.toLowerCase()));
}

function readJupyter(
    read: ConfigReader,
    engine: EngineSettings,
    mysql: MySqlSettings,
    target: Target["kind"],
    nodes?: NodeNumbering,
): Omit<JupyterSettings, "gpus" | "gpuChoice"> {
    const workDir = read.string("jupyterWorkDir", v => (v === "" ? undefined : rules.hostPath(v)));
    const keepWork = read.boolean("jupyterKeepWork");
    if (workDir !== "") read.rejectOrphan("jupyterKeepWork", "dsenv:jupyterWorkDir is a host directory, which destroy never removes");
    const publish = { hostPort: read.integer("jupyterHostPort", rules.port), hostIp: read.string("jupyterHostIp", rules.hostIp) };
    const users = readNotebookUsers(read, publish.hostPort, mysql, nodes);
    const env = readNotebookVariables(
        read,
        users.map(u => u.name),
    );
    const workDirSettings = readWorkDir(read, "jupyterWorkDir", workDir, keepWork, engine);
    // The GPU ids a hub hands out are known once the GPUs are (hubServerGpus).
    const hub = readJupyterHub(read, { users, workDir: workDirSettings }, target);
    return {
        // "" until the notebooks' GPUs are known: then the pinned default or its CUDA variant (withNotebookGpus).
        baseImage: readNotebookBaseImage(read),
        packages: readNotebookPackages(read),
        publish,
        workDir: workDirSettings,
        users: users.map(u => ({ ...u, env: env.byUser[u.name] })),
        env: env.shared,
        shmSizeMb: read.integer("jupyterShmSizeMb", shmSizeMb),
        hub: hub && { ...hub, engineGpus: [] },
    };
}

/**
 * Two containers cannot publish the same host port on overlapping addresses:
 * the same address however it is spelt, or every interface (0.0.0.0, ::, ...)
 * and anything. Invalid addresses are reported by their own rule.
 */
export function checkHostPortsDistinct(
    read: ConfigReader,
    published: [key: string, publish: Published | undefined, user?: string][],
): void {
    const seen: [string, Published, string?][] = [];
    const overlap = (a: string, b: string) => isAllInterfaces(a) || isAllInterfaces(b) || canonicalIp(a) === canonicalIp(b);
    // A notebook user's port is their entry's =<port>, else picked from their name: the way out is a free one.
    const taken = new Set(published.map(([, p]) => p?.hostPort));
    const freeAfter = (port: number) => [...Array(65535 - port).keys()].map(i => port + 1 + i).find(p => !taken.has(p));
    const userWay = (user: string, port: number) =>
        `end ${JSON.stringify(user)}'s entry in dsenv:jupyterUsers with =<port> (e.g. =${freeAfter(port)}; without one, its port is picked from the name)`;
    for (const [name, p, user] of published) {
        if (!p || !isHostIp(p.hostIp)) continue;
        const clash = seen.find(([, q]) => q.hostPort === p.hostPort && overlap(q.hostIp, p.hostIp));
        if (!clash) seen.push([name, p, user]);
        else if (user && clash[2] === user)
            continue; // one name twice: refused as such (readNotebookUsers)
        else if (user && clash[2])
            read.reject(name, user, `a port of its own (${JSON.stringify(clash[2])} has ${p.hostPort} too): ${userWay(user, p.hostPort)}`);
        else if (user)
            read.reject(
                name,
                user,
                `a port not already published by ${read.key(clash[0])} (${p.hostPort}): ${userWay(user, p.hostPort)}, or set ${read.key(clash[0])} to another`,
            );
        else if (clash[2])
            read.reject(
                name,
                p.hostPort,
                `a host port not already published by ${read.key(clash[0])} (the notebook of ${JSON.stringify(clash[2])}): another, or ${userWay(clash[2], p.hostPort)}`,
            );
        else read.reject(name, p.hostPort, `a host port not already published by ${read.key(clash[0])}`);
    }
}
