import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HostFacts } from "../../config/host-facts";
import { DockerEngine } from "../../components/engine";
import * as k8s from "@pulumi/kubernetes";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { deployOnKubernetes } from "../../targets/kubernetes";
import { byType, configProblem, Declared, isSecret, leaves, one, Run, runWithMocks, valueOf } from "./harness";

// dsenv:jupyterHub on the kubernetes target under mocks: the hub as a pod with a
// ServiceAccount allowed what KubeSpawner does (no Docker socket), told the
// namespace, pull Secret, claims and GPU pool its servers get (DSENV_HUB_CONFIG,
// as images/hub/spawners.py LabKubeSpawner reads it), and each user's secret
// variables in a Secret of hers that her pod refers to. The spawner itself is
// tested in images/hub/tests (test_kube_spawner.py).

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SECRET = "kubernetes:core/v1:Secret";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";

const GPU_NODES: HostFacts = {
    runDocker: () => ({ ok: false, error: "not asked" }),
    kubeNodes: () => ({ ok: true, nodes: [{ name: "gpu-1", gpus: 2, address: "10.0.0.5" }] }),
};
// The file only has to exist: the cluster's answers are the fake's (kubeNodes).
const KUBECONFIG = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-kube-hub-")), "kubeconfig");
fs.writeFileSync(KUBECONFIG, "apiVersion: v1\nkind: Config\n");
const KUBE = {
    target: "kubernetes",
    kubeconfig: KUBECONFIG,
    namePrefix: "lab",
    registryServer: "registry.lab.internal:5000",
    registryUsername: "puller",
    registryPassword: "pull-pass",
    jupyterUsers: '["alice:1001:1002", "bob:1003:1003"]',
    jupyterHub: "true",
    jupyterHubAdmins: '["alice"]',
    jupyterUserDatabases: "own",
    jupyterUserSecretEnv: '{"bob": {"HF_TOKEN": "hf_bob"}}',
    jupyterGpus: "1",
};

function run(config: Record<string, string>, host: HostFacts = GPU_NODES): Promise<Run<any>> {
    return runWithMocks(config, () => deploy(loadSettings(undefined, {}, host)), ["registryPassword", "jupyterUserSecretEnv"]);
}

async function podSpec(d: Declared): Promise<any> {
    return (await valueOf<any>(d.props.spec)).template.spec;
}

async function envOf(d: Declared): Promise<Record<string, any>> {
    const container = (await podSpec(d)).containers[0];
    const env = await valueOf<any[]>(container.env);
    return Object.fromEntries(await Promise.all(env!.map(async e => [e.name, e.valueFrom ?? (await valueOf(e.value))])));
}

describe("a hub on Kubernetes", () => {
    let r: Run<any>;
    let config: any;
    beforeAll(async () => {
        r = await run(KUBE);
        expect(r.error).toBeUndefined();
        const env = await envOf(one(r, DEPLOYMENT, "workspace-hub"));
        config = JSON.parse(env.DSENV_HUB_CONFIG);
    });

    test("the hub runs as its ServiceAccount, with no Docker socket, its state on a claim", async () => {
        const spec = await podSpec(one(r, DEPLOYMENT, "workspace-hub"));
        expect(await valueOf(spec.serviceAccountName)).toBe("lab-jupyterhub");
        expect(spec.automountServiceAccountToken).toBe(true);
        const volumes = await valueOf<any[]>(spec.volumes);
        expect(JSON.stringify(volumes)).not.toContain("docker.sock");
        expect(volumes!.some(v => v.hostPath)).toBe(false);
        const claims = await Promise.all(
            volumes!.filter(v => v.persistentVolumeClaim).map(v => valueOf(v.persistentVolumeClaim.claimName)),
        );
        expect(claims).toEqual(["lab-jupyterhub-state"]);
        // The other workloads still talk to no API.
        const mysql = await podSpec(one(r, DEPLOYMENT, "workspace-mysql"));
        expect(mysql.automountServiceAccountToken).toBe(false);
        expect(mysql.serviceAccountName).toBeUndefined();
    });

    test("its Role allows what KubeSpawner does in the namespace, and no more; nodes are listed cluster-wide for the GPU check", async () => {
        const role = one(r, ROLE, "workspace-hub-access-role");
        expect(await valueOf(role.props.rules)).toEqual([
            { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch", "create", "delete"] },
            { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
            { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "create"] },
        ]);
        expect(await valueOf((await valueOf<any>(role.props.metadata)).namespace)).toBe("lab");
        const binding = one(r, ROLE_BINDING, "workspace-hub-access-binding");
        const subjects = await valueOf<any[]>(binding.props.subjects);
        expect(await valueOf(subjects![0].name)).toBe("lab-jupyterhub");
        expect(await valueOf(subjects![0].namespace)).toBe("lab");
        expect((await valueOf<any>(binding.props.roleRef)).kind).toBe("Role");
        const clusterRole = one(r, CLUSTER_ROLE, "workspace-hub-access-nodes");
        expect(await valueOf(clusterRole.props.rules)).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }]);
        expect(await valueOf((await valueOf<any>(clusterRole.props.metadata)).name)).toBe("lab-lab-jupyterhub-nodes");
        expect(byType(r, CLUSTER_ROLE_BINDING)).toHaveLength(1);
        expect(byType(r, SERVICE_ACCOUNT)).toHaveLength(1);
    });

    test("the hub is told to spawn pods in the namespace with the pull Secret, claims of kubeVolumeSize, and reaches back by its Service", () => {
        expect(config).toMatchObject({
            spawner: "kubernetes",
            hubConnectHost: "lab-jupyterhub",
            serverName: "lab-jupyter-{username}",
            workVolume: "lab-jupyter-{username}-work",
            kubernetes: {
                namespace: "lab",
                pullSecret: "lab-registry-pull",
                storageClass: null,
                volumeSize: "10Gi",
                secretEnv: "lab-jupyter-{username}-env",
                // Any cluster: GPU pods tolerate the GPU nodes' usual taint; no pool that adds nodes.
                gpuPool: {
                    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
                    nodeSelector: {},
                    scales: false,
                },
            },
        });
        expect(config.image).toMatch(/^registry\.lab\.internal:5000\/.*@sha256:/);
        expect(config.users.alice).toMatchObject({ uid: 1001, gid: 1002, gpus: 1, secretEnvKeys: ["DATABASE_URL", "MYSQL_PASSWORD"] });
        expect(config.users.bob.secretEnvKeys).toEqual(["DATABASE_URL", "HF_TOKEN", "MYSQL_PASSWORD"]);
    });

    test("each user's secret variables are a Secret of hers, secret in state; the hub's own secrets hold none of them", async () => {
        const bob = one(r, SECRET, "workspace-hub-env-bob");
        expect(await valueOf((await valueOf<any>(bob.props.metadata)).name)).toBe("lab-jupyter-bob-env");
        expect(await isSecret(bob.props.stringData)).toBe(true);
        expect(Object.keys((await valueOf<any>(bob.props.stringData))!).sort()).toEqual(["DATABASE_URL", "HF_TOKEN", "MYSQL_PASSWORD"]);
        expect((await valueOf<any>(bob.props.stringData)).HF_TOKEN).toBe("hf_bob");
        const hubSecrets = byType(r, SECRET).find(s => s.name === "workspace-hub-secrets")!;
        const hubValues = JSON.parse((await valueOf<any>(hubSecrets.props.stringData)).DSENV_HUB_SECRETS);
        expect(Object.keys(hubValues).sort()).toEqual(["cookieSecret", "oauthClientSecret", "passwords", "proxyToken"]);
        for (const leaf of await leaves(config)) expect(leaf.value).not.toContain("hf_bob");
    });
});

describe("the hub on an AKS-like cluster: a GPU pool that scales from zero", () => {
    test("the hub is told the pool's toleration, its node selector, and that it adds nodes", async () => {
        const pool = {
            tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
            nodeSelector: { agentpool: "gpu" },
            scales: true,
        };
        const r = await runWithMocks(KUBE, () => {
            const settings = loadSettings(undefined, {}, GPU_NODES);
            return deployOnKubernetes(settings, {
                provider: new k8s.Provider("aks", {}),
                namespace: "lab",
                buildEngine: new DockerEngine("build-engine", { registryLogins: [] }),
                push: { server: "labacr.azurecr.io" },
                volumeSize: "10Gi",
                serviceType: "ClusterIP",
                gpuPool: pool,
            }).outputs;
        }, ["registryPassword", "jupyterUserSecretEnv"]);
        expect(r.error).toBeUndefined();
        const config = JSON.parse((await envOf(one(r, DEPLOYMENT, "workspace-hub"))).DSENV_HUB_CONFIG);
        expect(config.kubernetes.gpuPool).toEqual(pool);
        // The cluster's own identity pulls (AcrPull): no pull Secret.
        expect(config.kubernetes.pullSecret).toBeNull();
    });
});

describe("the hub's keys on Kubernetes", () => {
    test("jupyterHubUserFolder is refused: a pod runs on any node", async () => {
        const r = await run({ ...KUBE, jupyterHubUserFolder: "/mnt/nas/{username}" });
        expect(r.error?.message).toBe(
            configProblem(
                `dsenv:jupyterHubUserFolder: got "/mnt/nas/{username}", expected "" on the kubernetes target: a server's pod runs on whichever node the scheduler picks, and a host folder is on one machine`,
            ),
        );
    });

    test("jupyterGpus all is refused: Kubernetes gives each GPU to one pod", async () => {
        const r = await run({ ...KUBE, jupyterGpus: "all" });
        expect(r.error?.message).toContain("dsenv:jupyterGpus");
    });
});
