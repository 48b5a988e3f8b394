import * as YAML from "yaml";
import { AKS_RBAC_CLUSTER_ADMIN_ROLE, GPU_POOL_LABEL, GPU_TAINT } from "../../components/azure/aks";
import { withKubeloginMode } from "../../components/azure/kubelogin";
import { ACR_PULL_ROLE } from "../../components/azure/registry";
import { AksOnAzureSettings } from "../../config/azure";
import { azureNameProblem, azureNamePrefix } from "../../config/azure-rules";
import { loadSettings } from "../../settings/load";
import { Settings } from "../../settings";
import { deploy } from "../../targets";
import * as pulumi from "@pulumi/pulumi";
import { byType, isSecret, leaves, nameOf, one, Run, runWithMocks, valueOf } from "./harness";
import { azure, aksUserKubeconfig, resetAzure } from "./azure-mocks";

// dsenv:azureRunsOn aks: the AKS cluster the azure target makes instead of
// VMs, its config and its graph under mocks (the cluster, its pools, the
// roles, the kubeconfig, and the workspace as Kubernetes objects on it).

/** An AKS stack: no SSH key, no allowed networks (there are no VMs), the device plugin's image named. */
const AKS: Record<string, string> = {
    target: "azure",
    azureRunsOn: "aks",
    azureRegistryName: "dsenvunit01",
    azureAksDevicePluginImage: "dsenvunit01.azurecr.io/nvidia/k8s-device-plugin:v0.17.4",
};

function settingsOf(config: Record<string, string>): Promise<Run<Settings>> {
    return runWithMocks<Settings>(config, () => loadSettings(undefined, {}));
}

async function problems(config: Record<string, string>): Promise<string> {
    const run = await settingsOf(config);
    expect(run.declared).toEqual([]);
    expect(run.error?.name).toBe("ConfigError");
    return run.error!.message;
}

describe("dsenv:azureRunsOn aks: the config", () => {
    test("the defaults: a Standard_D4s_v5 system node, a GPU pool of azureVmSize from 0 to 1 node, kubelogin with the az login", async () => {
        const run = await settingsOf(AKS);
        expect(run.error).toBeUndefined();
        const target = run.result.target;
        expect(target.kind).toBe("azure");
        const azureSettings = (target as { azure: AksOnAzureSettings }).azure;
        expect(azureSettings.runsOn).toBe("aks");
        expect(azureSettings.aks).toEqual({
            systemVmSize: "Standard_D4s_v5",
            gpuPool: { vmSize: "Standard_NC4as_T4_v3", gpusPerNode: 1, maxNodes: 1 },
            devicePluginImage: AKS.azureAksDevicePluginImage,
            kubeloginMode: "azurecli",
        });
        // The namespace, claims and Services: the kube* keys, as on the kubernetes target.
        expect(azureSettings.kube).toEqual({
            namespace: "dsenv-unit",
            storageClass: undefined,
            serviceType: "ClusterIP",
            volumeSize: "10Gi",
        });
        // A notebook with GPUs would keep a GPU node running: auto gives it none on AKS.
        expect(run.result.jupyter.gpus).toBeUndefined();
        expect(run.result.jupyter.gpuChoice).toMatch(/^none \(auto: a notebook with GPUs would keep a node of the AKS GPU pool/);
    });

    test("a GPU workload's auto is the GPUs of one node of the pool, by count", async () => {
        const run = await settingsOf({ ...AKS, azureVmSize: "Standard_NC48ads_A100_v4", pytorchEnabled: "true" });
        expect(run.error).toBeUndefined();
        expect(run.result.workloads?.pytorch?.gpus).toEqual({ count: 2 });
    });

    test.each<[string, Record<string, string>, string]>([
        ["an unknown way to run", { azureRunsOn: "kubernetes" }, 'dsenv:azureRunsOn: got "kubernetes", expected one of vms, aks'],
        [
            "a GPU pool without GPUs",
            { azureVmSize: "Standard_D4s_v5" },
            'dsenv:azureVmSize: got "Standard_D4s_v5", expected a GPU size for the AKS GPU pool (dsenv:azureRunsOn is aks), one of',
        ],
        [
            "a system pool of GPU nodes",
            { azureAksSystemVmSize: "Standard_NC4as_T4_v3" },
            'dsenv:azureAksSystemVmSize: got "Standard_NC4as_T4_v3", expected a size without GPUs for the system pool (GPUs are the GPU pool\'s: dsenv:azureVmSize)',
        ],
        [
            "a GPU pool of no nodes",
            { azureAksGpuNodesMax: "0" },
            "dsenv:azureAksGpuNodesMax: got 0, expected a number of GPU nodes from 1 to 100: the GPU pool scales between 0 and it",
        ],
        [
            "no device plugin",
            { azureAksDevicePluginImage: "" },
            "dsenv:azureAksDevicePluginImage: got \"\", expected the image of NVIDIA's Kubernetes device plugin (k8s-device-plugin), e.g. mirrored into the stack's registry: without it the GPU nodes advertise no nvidia.com/gpu and GPU pods are never placed",
        ],
        [
            "a login kubelogin does not have",
            { azureAksKubeloginMode: "password" },
            'dsenv:azureAksKubeloginMode: got "password", expected one of azurecli, workloadidentity, spn, msi, azd, devicecode, interactive',
        ],
        [
            "a VM's key",
            { azureSshPublicKey: "ssh-ed25519 AAAA" },
            'dsenv:azureSshPublicKey: got "ssh-ed25519 AAAA", expected it unset, since dsenv:azureRunsOn is aks (the stack makes no VMs) (it has no effect)',
        ],
        [
            "several VMs",
            { azureVmCount: "3" },
            "dsenv:azureVmCount: got 3, expected it unset, since dsenv:azureRunsOn is aks (the stack makes no VMs) (it has no effect)",
        ],
        [
            "a host folder per hub user (as on the kubernetes target: KubeSpawner's pods go to any node)",
            { jupyterHub: "true", jupyterUsers: '["alice"]', jupyterHubUserFolder: "/mnt/nas/{username}" },
            'dsenv:jupyterHubUserFolder: got "/mnt/nas/{username}", expected "" on the kubernetes target',
        ],
        ["a namespace Kubernetes does not take", { kubeNamespace: "Lab_1" }, 'dsenv:kubeNamespace: got "Lab_1", expected a DNS label'],
        [
            "all GPUs, which a pod cannot ask for",
            { pytorchEnabled: "true", pytorchGpus: "all" },
            'dsenv:pytorchGpus: got "all", expected a number of GPUs: a pod on AKS asks for nvidia.com/gpu by count (a node of Standard_NC4as_T4_v3 has 1)',
        ],
        [
            "more GPUs than one node has",
            { pytorchEnabled: "true", pytorchGpus: "2" },
            'dsenv:pytorchGpus: got "2", expected at most 1 GPUs, what one node of the AKS GPU pool (Standard_NC4as_T4_v3) has: a pod\'s GPUs come from one node',
        ],
    ])("refused: %s", async (_what, change, message) => {
        expect(await problems({ ...AKS, ...change })).toContain(message);
    });

    test("the AKS keys on a stack of VMs are refused: they would have no effect", async () => {
        const message = await problems({
            target: "azure",
            azureRegistryName: "dsenvunit01",
            azureAksGpuNodesMax: "4",
            azureAllowedCidrs: '["10.20.30.40/32"]',
        });
        expect(message).toContain(
            "dsenv:azureAksGpuNodesMax: got 4, expected it unset, since dsenv:azureRunsOn is vms (the stack makes no AKS cluster) (it has no effect)",
        );
    });

    test("the cluster's names are checked by Azure's rules, on AKS only", () => {
        // namePrefix has 40 characters at most (any target): a longer one is refused before these rules.
        const prefix = `dsenv-${"b".repeat(50)}`;
        expect(azureNamePrefix(prefix, 1, false)).toBeUndefined();
        expect(azureNamePrefix(prefix, 1, true)).toBe(
            `a prefix whose Azure names are valid; aksDnsPrefix ${prefix} must have 1 to 54 characters`,
        );
        expect(azureNameProblem("aksCluster", "dsenv-unit-aks")).toBeUndefined();
        expect(azureNameProblem("aksCluster", "-aks")).toBe("letters, digits, '_' and '-', starting and ending with a letter or digit");
    });
});

describe("the AKS user kubeconfig", () => {
    const original = aksUserKubeconfig("dsenv-unit-aks");
    const argsOf = (kubeconfig: string) => YAML.parse(kubeconfig).users[0].user.exec.args as string[];

    test("azurecli (the default): kubelogin with the az login, for the cluster's server id only", () => {
        expect(argsOf(withKubeloginMode(original, "azurecli"))).toEqual([
            "get-token",
            "--login",
            "azurecli",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
        ]);
    });

    test("spn keeps the tenant; devicecode keeps AKS's client too; the cluster part is untouched", () => {
        expect(argsOf(withKubeloginMode(original, "spn"))).toEqual([
            "get-token",
            "--login",
            "spn",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
            "--environment",
            "AzurePublicCloud",
            "--tenant-id",
            "tenant-1",
        ]);
        expect(argsOf(withKubeloginMode(original, "devicecode"))).toEqual([
            "get-token",
            "--login",
            "devicecode",
            "--server-id",
            "6dae42f8-4368-4678-94ff-3960e28e3630",
            "--environment",
            "AzurePublicCloud",
            "--client-id",
            "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
            "--tenant-id",
            "tenant-1",
        ]);
        const before = YAML.parse(original);
        const after = YAML.parse(withKubeloginMode(original, "azurecli"));
        expect(after.clusters).toEqual(before.clusters);
        expect(after.contexts).toEqual(before.contexts);
    });

    test("a kubeconfig that is not an Entra ID cluster's is refused", () => {
        const withoutServer = original.replace(/ {6}- --server-id\n {6}- \S+\n/, "");
        expect(() => withKubeloginMode(withoutServer, "azurecli")).toThrow(/no --server-id/);
    });
});

describe("dsenv:azureRunsOn aks: the graph", () => {
    let r: Run<unknown>;
    beforeAll(async () => {
        resetAzure();
        r = await runWithMocks({ ...AKS, pytorchEnabled: "true" }, () => deploy(loadSettings(undefined, {})));
        expect(r.error).toBeUndefined();
    }, 60_000);
    const T = {
        cluster: "azure-native:containerservice:ManagedCluster",
        pool: "azure-native:containerservice:AgentPool",
        role: "azure-native:authorization:RoleAssignment",
        vm: "azure-native:compute:VirtualMachine",
        k8sProvider: "pulumi:providers:kubernetes",
        daemonSet: "kubernetes:apps/v1:DaemonSet",
        deployment: "kubernetes:apps/v1:Deployment",
    };

    test("a cluster with Entra ID sign-in and Azure RBAC, local accounts off; no VM", () => {
        expect(byType(r, T.vm)).toEqual([]);
        const cluster = r.inputs.get("aks");
        expect(cluster).toMatchObject({
            resourceName: "dsenv-unit-aks",
            dnsPrefix: "dsenv-unit",
            identity: { type: "SystemAssigned" },
            enableRBAC: true,
            disableLocalAccounts: true,
            aadProfile: { managed: true, enableAzureRBAC: true, tenantID: "tenant-1" },
            tags: { "dsenv-stack": "dsenv/unit" },
        });
        // Only the system pool inline, one node of the system size.
        expect(cluster.agentPoolProfiles).toEqual([
            { name: "system", mode: "System", vmSize: "Standard_D4s_v5", count: 1, osType: "Linux", type: "VirtualMachineScaleSets" },
        ]);
    });

    test("the GPU pool: autoscaled from 0 to azureAksGpuNodesMax, tainted and labelled, the driver installed by AKS; its count left to the autoscaler", () => {
        const pool = one(r, T.pool, "aks-gpu");
        expect(r.inputs.get("aks-gpu")).toMatchObject({
            resourceName: "dsenv-unit-aks",
            agentPoolName: "gpu",
            mode: "User",
            vmSize: "Standard_NC4as_T4_v3",
            enableAutoScaling: true,
            minCount: 0,
            maxCount: 1,
            count: 0,
            nodeTaints: ["nvidia.com/gpu=present:NoSchedule"],
            nodeLabels: { [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value },
            gpuProfile: { driver: "Install" },
        });
        expect(pool.opts.ignoreChanges).toEqual(["count"]);
    });

    test("AcrPull for the kubelet identity on the registry; RBAC Cluster Admin for the deployer on the cluster", async () => {
        const roles = byType(r, T.role).map(d => r.inputs.get(d.name));
        expect(roles).toHaveLength(2);
        expect(r.inputs.get("aks-acr-pull")).toMatchObject({
            principalId: "kubelet-object-1",
            principalType: "ServicePrincipal",
            roleDefinitionId: `/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`,
            scope: "/subscriptions/sub-1/resourceGroups/rg/providers/registry",
        });
        expect(r.inputs.get("aks-admin")).toMatchObject({
            principalId: "deployer-object",
            roleDefinitionId: `/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
            scope: "/subscriptions/sub-1/resourceGroups/rg/providers/aks",
        });
    });

    test("the kubeconfig is the user one (exec, kubelogin with the az login), secret; no admin credential is asked for or held", async () => {
        expect(azure.credentialCalls).toEqual([{ resourceGroupName: "dsenv-unit-rg", resourceName: "dsenv-unit-aks", format: "exec" }]);
        const outputs = r.result as Record<string, unknown>;
        expect(await isSecret(outputs.kubeconfig)).toBe(true);
        const kubeconfig = YAML.parse((await valueOf(outputs.kubeconfig as any)) as string);
        expect(kubeconfig.users[0].user.exec.command).toBe("kubelogin");
        expect(kubeconfig.users[0].user.exec.args).toContain("azurecli");
        // Jupyter is reached with kubectl port-forward through that kubeconfig, written where docs/azure.md says.
        const forwards = (await valueOf(outputs.kubePortForward as any)) as string[];
        expect(forwards.some(f => f.startsWith("kubectl --kubeconfig aks.kubeconfig ") && f.includes("port-forward"))).toBe(true);
        // Each provider of the cluster is made from that secret kubeconfig.
        const providers = byType(r, T.k8sProvider);
        expect(providers.length).toBeGreaterThan(0);
        for (const p of providers) expect(await isSecret(p.props.kubeconfig)).toBe(true);
        // Nothing declared or output carries a static credential of the cluster.
        const everything = [...r.declared.map(d => d.props), outputs];
        for (const value of everything)
            for (const leaf of await leaves(value))
                expect(leaf.value).not.toMatch(/client-key-data|client-certificate-data|clusterAdmin|\btoken:/);
    });

    test("the device plugin runs on the GPU pool only, with the stack's image", () => {
        const ds = r.inputs.get("nvidia-device-plugin");
        expect(one(r, T.daemonSet, "nvidia-device-plugin")).toBeDefined();
        const pod = ds.spec.template.spec;
        expect(pod.containers[0].image).toBe(AKS.azureAksDevicePluginImage);
        expect(pod.nodeSelector).toEqual({ [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value });
        expect(pod.tolerations).toContainEqual({ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect });
    });

    test("the workspace and a GPU workload are Kubernetes objects on the cluster; the GPU pod tolerates the pool's taint and selects it", async () => {
        const pods = new Map<string, any>();
        for (const d of byType(r, T.deployment)) {
            expect(nameOf(d.opts.provider)).toBe("aks-k8s");
            pods.set(d.name, (await resolved(d.props.spec)).template.spec);
        }
        expect([...pods.keys()].sort()).toEqual(["pytorch", "workspace-jupyter", "workspace-mysql"]);
        const pytorch = pods.get("pytorch");
        expect(pytorch.containers[0].resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
        expect(pytorch.tolerations).toEqual([{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect }]);
        expect(pytorch.nodeSelector).toEqual({ [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value });
        // The others stay off the GPU pool; images from the stack's registry by digest, pulled by the kubelet identity (no pull Secret).
        for (const [name, pod] of pods) {
            if (name !== "pytorch") expect([pod.tolerations, pod.nodeSelector]).toEqual([undefined, undefined]);
            expect(pod.imagePullSecrets).toBeUndefined();
        }
        expect(pods.get("workspace-jupyter").containers[0].image).toMatch(/^dsenvunit01\.azurecr\.io\/dsenv\/jupyter.*@sha256:/);
    });
});

describe("dsenv:azureRunsOn aks: the lab hub", () => {
    test("KubeSpawner is told that the GPU pool adds nodes, so a GPU server waits for one instead of being refused", async () => {
        resetAzure();
        const r = await runWithMocks({ ...AKS, jupyterHub: "true", jupyterUsers: '["alice"]' }, () => deploy(loadSettings(undefined, {})));
        expect(r.error).toBeUndefined();
        const hub = byType(r, "kubernetes:apps/v1:Deployment").find(d => d.name === "workspace-hub");
        const env = (await resolved(hub!.props.spec)).template.spec.containers[0].env as { name: string; value?: string }[];
        const config = JSON.parse(env.find(e => e.name === "DSENV_HUB_CONFIG")!.value!);
        expect(config.spawner).toBe("kubernetes");
        expect(config.kubernetes.gpuPool).toEqual({
            tolerations: [{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect }],
            nodeSelector: { [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value },
            scales: true,
        });
    }, 60_000);
});

/** A value with every Output inside it resolved. */
async function resolved(value: unknown): Promise<any> {
    const v = await valueOf(value);
    if (Array.isArray(v)) return Promise.all(v.map(resolved));
    if (v && typeof v === "object" && !pulumi.Resource.isInstance(v))
        return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolved(x)])));
    return v;
}

describe("dsenv:azureRunsOn aks: day two", () => {
    const graph = async (change: Record<string, string>) => {
        const run = await runWithMocks({ ...AKS, ...change }, () => deploy(loadSettings(undefined, {})));
        expect(run.error).toBeUndefined();
        return run;
    };

    test("the GPU pool's keys change the pool only: the cluster is declared as before", async () => {
        const before = await graph({});
        const after = await graph({ azureAksGpuNodesMax: "3", azureVmSize: "Standard_NC24ads_A100_v4" });
        expect(after.inputs.get("aks")).toEqual(before.inputs.get("aks"));
        expect(after.inputs.get("aks-gpu")).toEqual({
            ...before.inputs.get("aks-gpu"),
            maxCount: 3,
            vmSize: "Standard_NC24ads_A100_v4",
        });
    }, 60_000);
});
