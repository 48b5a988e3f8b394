import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { HostFacts } from "../../config/host-facts";
import type { KubeNodesAnswer } from "../../config/kube-nodes";
import { parseNodes } from "../../config/kube-nodes";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { byType, configProblem, leaves, nameOf, one, Run, runWithMocks, valueOf } from "./harness";

// The kubernetes target's graph under mocks: the same workload specs rendered
// as Deployments, Services, claims and Secrets; what is kept and taken over
// on the next up; what is secret; and the config checks that ask the cluster.

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const PROVIDER = "pulumi:providers:kubernetes";

const KUBECONFIG = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-kube-")), "config");
fs.writeFileSync(KUBECONFIG, "apiVersion: v1\nkind: Config\n");
const BASE = { target: "kubernetes", kubeconfig: KUBECONFIG, kubeContext: "lab", registryServer: "registry.lab:5000", namePrefix: "p" };

/** A cluster whose nodes advertise these GPUs ("down": it does not answer); records what was asked. */
function cluster(gpus: number[] | "down"): HostFacts & { asked: unknown[] } {
    const asked: unknown[] = [];
    const answer: KubeNodesAnswer =
        gpus !== "down"
            ? { ok: true, nodes: gpus.map((g, i) => ({ name: `node${i + 1}`, gpus: g, address: `10.0.0.${11 + i}` })) }
            : { ok: false, error: "connection refused" };
    return {
        asked,
        runDocker: args => ({ ok: false, error: `unexpected: docker ${args.join(" ")}` }),
        kubeNodes: c => {
            asked.push(c);
            return answer;
        },
    };
}

function kubeStack(config: Record<string, string> = {}, gpus: number[] | "down" = [0], secretKeys: string[] = []): Promise<Run<any>> {
    return runWithMocks({ ...BASE, ...config }, () => deploy(loadSettings(undefined, {}, cluster(gpus))), secretKeys);
}

/** A value with every Output inside it resolved. */
async function resolved(value: unknown): Promise<any> {
    const v = await valueOf(value);
    if (Array.isArray(v)) return Promise.all(v.map(resolved));
    if (v && typeof v === "object" && !pulumi.Resource.isInstance(v))
        return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolved(x)])));
    return v;
}

/** A Deployment's pod spec, every Output inside it resolved. */
async function podSpec(r: Run<unknown>, name: string): Promise<any> {
    return (await resolved(one(r, DEPLOYMENT, name).props.spec)).template.spec;
}

async function container(r: Run<unknown>, name: string): Promise<any> {
    return (await podSpec(r, name)).containers[0];
}

describe("the kubernetes target: the workspace as Deployments, Services and claims", () => {
    let r: Run<any>;
    beforeAll(async () => {
        r = await kubeStack({ registryUsername: "lab", registryPassword: "hunter2-registry" }, [0], ["registryPassword"]);
    });

    test("the program runs without error", () => {
        expect(r.error).toBeUndefined();
    });

    test("MySQL and Jupyter are Deployments of one pod in the stack's namespace, on the stack's provider", async () => {
        const deployments = byType(r, DEPLOYMENT);
        expect(deployments.map(d => d.name).sort()).toEqual(["workspace-jupyter", "workspace-mysql"]);
        for (const d of deployments) {
            const props = await valueOf<any>(d.props.metadata);
            expect(props.name).toMatch(/^p-(mysql|jupyter)$/);
            expect(await valueOf(props.namespace)).toBe("p");
            expect((await valueOf<any>(d.props.spec)).replicas).toBe(1);
            expect(nameOf(d.opts.provider)).toBe("kubernetes");
        }
        // Data on a ReadWriteOnce claim: the old pod goes before the new one starts.
        expect((await valueOf<any>(one(r, DEPLOYMENT, "workspace-mysql").props.spec)).strategy).toEqual({ type: "Recreate" });
    });

    test("every name the workloads reach resolves: a headless Service per workload and per alias (mysql, myjupyterdb)", async () => {
        const services = await Promise.all(
            byType(r, SERVICE).map(async s => {
                const meta = await valueOf<any>(s.props.metadata);
                const spec = await valueOf<any>(s.props.spec);
                return { name: meta.name, clusterIP: spec.clusterIP, selector: spec.selector };
            }),
        );
        expect(services.map(s => s.name).sort()).toEqual(["myjupyterdb", "mysql", "p-jupyter", "p-mysql"]);
        for (const s of services) expect(s.clusterIP).toBe("None");
        const mysqlSelector = services.find(s => s.name === "p-mysql")!.selector;
        expect(services.find(s => s.name === "mysql")!.selector).toEqual(mysqlSelector);
        expect(services.find(s => s.name === "myjupyterdb")!.selector).toEqual(mysqlSelector);
        const mysqlPods = (await valueOf<any>(one(r, DEPLOYMENT, "workspace-mysql").props.spec)).template.metadata.labels;
        expect(mysqlPods).toMatchObject(mysqlSelector);
    });

    test("every object carries the stack's labels", async () => {
        for (const d of r.declared.filter(d => d.type.startsWith("kubernetes:"))) {
            const labels = (await valueOf<any>(d.props.metadata)).labels;
            expect([d.name, labels]).toEqual([
                d.name,
                expect.objectContaining({ "app.kubernetes.io/part-of": "p", "app.kubernetes.io/managed-by": "dsenv" }),
            ]);
        }
    });

    test("data lives on claims, kept on destroy, not awaited (a kept claim of a WaitForFirstConsumer class is never Pending again)", async () => {
        const claims = byType(r, PVC);
        expect(claims.map(c => c.name).sort()).toEqual(["workspace-jupyter-work", "workspace-mysql-data"]);
        for (const c of claims) {
            expect(c.opts.retainOnDelete).toBe(true);
            expect(nameOf(c.opts.provider)).toBe("kubernetes");
            const meta = await valueOf<any>(c.props.metadata);
            expect(meta.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
            expect(await valueOf(c.props.spec)).toEqual({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } });
        }
        const mysql = await podSpec(r, "workspace-mysql");
        expect(mysql.volumes[0]).toEqual({ name: "v0", persistentVolumeClaim: { claimName: "p-mysql-data" } });
        expect((await container(r, "workspace-mysql")).volumeMounts[0]).toMatchObject({ mountPath: "/var/lib/mysql" });
    });

    test("the namespace is made by the stack and kept on destroy; the provider is the stack's kubeconfig and context", async () => {
        const ns = one(r, NAMESPACE, "namespace");
        expect((await valueOf<any>(ns.props.metadata)).name).toBe("p");
        expect(ns.opts.retainOnDelete).toBe(true);
        const provider = one(r, PROVIDER, "kubernetes");
        expect([await valueOf(provider.props.kubeconfig), await valueOf(provider.props.context)]).toEqual([KUBECONFIG, "lab"]);
    });

    test("the next up takes the kept namespace and claims over: the pinned provider creates by Server-Side Apply (before 4.29)", () => {
        // From 4.29 a create refuses an existing object unless the provider has upsertExistingObjects
        // (pulumi-kubernetes #4278): an upgrade must give the kept objects such a provider (PersistentClaim).
        const version: string = require("@pulumi/kubernetes/package.json").version;
        const [major, minor] = version.split(".").map(Number);
        expect([version, major === 4 && minor < 29]).toEqual([version, true]);
    });

    test("secrets: a Secret per workload, env by secretKeyRef, files with <VAR>_FILE; no secret value in a plain input", async () => {
        const env: any[] = (await container(r, "workspace-mysql")).env;
        expect(env).toEqual(
            expect.arrayContaining([
                { name: "MYSQL_DATABASE", value: "analytics" },
                { name: "MYSQL_PASSWORD_FILE", value: "/run/dsenv/secrets/mysql_password" },
                { name: "MYSQL_ROOT_PASSWORD_FILE", value: "/run/dsenv/secrets/mysql_root_password" },
            ]),
        );
        expect(env.map(e => e.name)).not.toContain("MYSQL_PASSWORD");
        const mysqlPod = await podSpec(r, "workspace-mysql");
        expect(mysqlPod.volumes.find((v: any) => v.name === "secret-files").secret).toMatchObject({ secretName: "p-mysql-secrets" });
        expect(
            byType(r, SECRET)
                .map(s => s.name)
                .sort(),
        ).toEqual(["registry-pull", "workspace-jupyter-secrets", "workspace-mysql-secrets"]);
        for (const d of r.declared) {
            for (const leaf of await leaves(d.props, d.name)) {
                if (/secret-workspace-|hunter2/.test(leaf.value)) expect([leaf.path, leaf.secret]).toEqual([leaf.path, true]);
            }
        }
    });

    test("pods pull built images by digest from the registry, with the login as a dockerconfigjson Secret", async () => {
        const pull = one(r, SECRET, "registry-pull");
        expect(await valueOf(pull.props.type)).toBe("kubernetes.io/dockerconfigjson");
        const config = JSON.parse(((await valueOf<any>(pull.props.stringData)) as any)[".dockerconfigjson"]);
        expect(config.auths["registry.lab:5000"]).toMatchObject({ username: "lab", password: "hunter2-registry" });
        const jupyter = await podSpec(r, "workspace-jupyter");
        expect(jupyter.imagePullSecrets).toEqual([{ name: "p-registry-pull" }]);
        expect(jupyter.containers[0].image).toBe(`registry.lab:5000/dsenv/jupyter@sha256:${"d".repeat(64)}`);
        expect((await container(r, "workspace-mysql")).image).toBe("mysql:8.4.3");
    });

    test("the healthcheck is a readiness probe; shm, grace, no service links nor API token", async () => {
        const mysql = await container(r, "workspace-mysql");
        expect(mysql.readinessProbe).toEqual({
            exec: { command: ["/bin/sh", "-c", "mysqladmin ping -h 127.0.0.1 --silent"] },
            periodSeconds: 5,
            timeoutSeconds: 5,
            failureThreshold: 30,
        });
        expect(mysql.command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
        expect(mysql.args).toEqual(["mysqld"]);
        const jupyter = await podSpec(r, "workspace-jupyter");
        expect(jupyter.volumes).toContainEqual({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: "2048Mi" } });
        expect(jupyter.containers[0].readinessProbe.exec.command[0]).toBe("python");
        expect([jupyter.terminationGracePeriodSeconds, jupyter.enableServiceLinks, jupyter.automountServiceAccountToken]).toEqual([
            30,
            false,
            false,
        ]);
    });

    test("outputs: the notebook through kubectl port-forward on 127.0.0.1, the command, the namespace", async () => {
        const out = r.result;
        expect(await valueOf(out.jupyterUrl)).toBe("http://127.0.0.1:8888/");
        expect(await valueOf(out.kubeNamespace)).toBe("p");
        expect(await valueOf(out.kubePortForward)).toEqual([
            `kubectl --kubeconfig ${KUBECONFIG} --context lab -n p port-forward svc/p-jupyter 8888:8888`,
        ]);
        expect(await valueOf(out.jupyterGpus)).toMatch(/^none per notebook \(auto: no node advertises nvidia.com\/gpu/);
    });
});

describe("GPUs on the kubernetes target", () => {
    test("auto gives each notebook one GPU where a node has one: a limit, the image told nothing else", async () => {
        const r = await kubeStack({ jupyterUsers: '["alice:1001:1002"]' }, [0, 2]);
        expect(r.error).toBeUndefined();
        const alice = await container(r, "workspace-jupyter-alice");
        expect(alice.resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
        expect(alice.env).toContainEqual({ name: "NVIDIA_DRIVER_CAPABILITIES", value: "compute,utility" });
        const pod = await podSpec(r, "workspace-jupyter-alice");
        // The notebook starts as root and drops to alice (NB_UID): root is uid 0 in every image.
        expect(pod.securityContext).toEqual({ runAsUser: 0 });
        // GPU nodes' usual taint is tolerated by GPU pods only.
        expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        expect((await podSpec(r, "workspace-mysql")).tolerations).toBeUndefined();
    });

    test("a GPU workload gets its count as a limit; a CUDA image without GPUs sees none", async () => {
        const r = await kubeStack({ pytorchEnabled: "true", pytorchGpus: "2", jupyterGpus: "" }, [0, 2]);
        expect(r.error).toBeUndefined();
        expect((await container(r, "pytorch")).resources).toEqual({ limits: { "nvidia.com/gpu": "2" } });
        const jupyter = await container(r, "workspace-jupyter");
        expect(jupyter.resources).toBeUndefined();
    });

    test("a request no node can give, or GPUs by index or all, is refused at preview with what the cluster has", async () => {
        const none = await kubeStack({ pytorchEnabled: "true", pytorchGpus: "1", jupyterGpus: "" }, [0, 0]);
        expect(none.error?.message).toBe(
            configProblem(
                'dsenv:pytorchGpus: got "1", expected "" (no GPUs): no node of the cluster advertises nvidia.com/gpu (allocatable nvidia.com/gpu: node1 0, node2 0); install the NVIDIA device plugin (or the GPU operator) on the GPU nodes',
            ),
        );
        expect(byType(none, DEPLOYMENT)).toEqual([]);
        const many = await kubeStack({ jupyterGpus: "4" }, [2, 1]);
        expect(many.error?.message).toContain(
            'dsenv:jupyterGpus: got "4", expected at most 2 GPUs per notebook, what the best-equipped node can give one pod (allocatable nvidia.com/gpu: node1 2, node2 1)',
        );
        const devices = await kubeStack({ jupyterGpus: "device=0,1" }, [2]);
        expect(devices.error?.message).toContain(
            'dsenv:jupyterGpus: got "device=0,1", expected a number of GPUs per notebook: Kubernetes gives a pod a count',
        );
    });

    test("a cluster that does not answer leaves an explicit count to the scheduler; auto comes to none", async () => {
        const r = await kubeStack({ pytorchEnabled: "true", pytorchGpus: "1" }, "down");
        expect(r.error).toBeUndefined();
        expect((await container(r, "pytorch")).resources).toEqual({ limits: { "nvidia.com/gpu": "1" } });
        expect(await valueOf(r.result.jupyterGpus)).toMatch(/^none per notebook \(auto: the cluster did not answer: connection refused\)/);
    });

    test("a GPU pool's tolerations and node selector go on GPU pods only (deployOnKubernetes, as AKS calls it)", async () => {
        const { deployOnKubernetes } = await import("../../targets/kubernetes");
        const k8s = await import("@pulumi/kubernetes");
        const { DockerEngine } = await import("../../components/engine");
        const r = await runWithMocks({ ...BASE, pytorchEnabled: "true", pytorchGpus: "1", jupyterGpus: "" }, () => {
            const settings = loadSettings(undefined, {}, cluster([1]));
            const provider = new k8s.Provider("aks", { kubeconfig: "apiVersion: v1" });
            return deployOnKubernetes(settings, {
                provider,
                namespace: "lab",
                buildEngine: new DockerEngine("build-engine", {}),
                push: { server: "lab.azurecr.io" },
                volumeSize: "10Gi",
                serviceType: "ClusterIP",
                gpuPool: {
                    tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
                    nodeSelector: { pool: "gpu" },
                },
            }).outputs;
        });
        expect(r.error).toBeUndefined();
        const pytorch = await podSpec(r, "pytorch");
        expect([pytorch.tolerations, pytorch.nodeSelector]).toEqual([
            [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
            { pool: "gpu" },
        ]);
        expect(pytorch.imagePullSecrets).toBeUndefined();
        const jupyter = await podSpec(r, "workspace-jupyter");
        expect([jupyter.tolerations, jupyter.nodeSelector]).toEqual([undefined, undefined]);
        expect(byType(r, SECRET).map(s => s.name)).not.toContain("registry-pull");
    });
});

describe("who a pod runs as, and who may write its claims", () => {
    test("the workspace's notebook runs as the image's jovyan: its claim is made the users group's; uid:gid as the pod's ids", async () => {
        const r = await kubeStack({ labEnabled: "true", labUid: "1500", labGid: "1600", labGpus: "" });
        expect(r.error).toBeUndefined();
        expect((await podSpec(r, "workspace-jupyter")).securityContext).toEqual({ fsGroup: 100, fsGroupChangePolicy: "OnRootMismatch" });
        expect((await podSpec(r, "lab")).securityContext).toEqual({
            runAsUser: 1500,
            runAsGroup: 1600,
            fsGroup: 1600,
            fsGroupChangePolicy: "OnRootMismatch",
        });
        // MySQL's entrypoint starts as root and takes its data directory over.
        expect((await podSpec(r, "workspace-mysql")).securityContext).toBeUndefined();
    });

    test("a notebook published on every interface: kubectl forwards there", async () => {
        const r = await kubeStack({ jupyterHostIp: "0.0.0.0", mysqlHostPort: "3307" });
        expect(r.error).toBeUndefined();
        expect(await valueOf(r.result.kubePortForward)).toEqual([
            `kubectl --kubeconfig ${KUBECONFIG} --context lab -n p port-forward svc/p-mysql 3307:3306`,
            `kubectl --kubeconfig ${KUBECONFIG} --context lab -n p port-forward --address 0.0.0.0 svc/p-jupyter 8888:8888`,
        ]);
    });
});

describe("published ports on NodePort and LoadBalancer", () => {
    test("NodePort: a Service of that type at the host port, the URL a node's address", async () => {
        const r = await kubeStack({ kubeServiceType: "NodePort" });
        expect(r.error).toBeUndefined();
        const published = one(r, SERVICE, "workspace-jupyter-published");
        expect(await valueOf<any>(published.props.spec)).toMatchObject({
            type: "NodePort",
            ports: [{ port: 8888, targetPort: 8888, protocol: "TCP" }],
        });
        // The mocked API server assigns no nodePort: the URL falls back to the service's port at the node's address.
        expect(await valueOf(r.result.jupyterUrl)).toBe("http://10.0.0.11:8888/");
        expect(r.result.kubePortForward).toBeUndefined();
    });

    test("NodePort without a cluster that says a node's address is refused", async () => {
        const r = await kubeStack({ kubeServiceType: "NodePort" }, "down");
        expect(r.error?.message).toContain(
            'dsenv:kubeServiceType: got "NodePort", expected ClusterIP or LoadBalancer, or NodePort with a cluster that says a node\'s address (it did not answer: connection refused)',
        );
    });
});

describe("the kubernetes target's config", () => {
    test("what Kubernetes cannot do is refused before any resource: host folders, the app's bound source, the hub (for now)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-work-"));
        const r = await kubeStack({
            jupyterWorkDir: dir,
            appEnabled: "true",
            appSourceDir: dir,
            siteEnabled: "true",
            siteSource: "bind",
            siteDir: dir,
        });
        const message = r.error?.message ?? "";
        expect(message).toContain(`dsenv:jupyterWorkDir: got ${JSON.stringify(dir)}, expected "" (a PersistentVolumeClaim)`);
        expect(message).toContain('dsenv:siteSource: got "bind", expected image');
        expect(message).toContain("dsenv:appEnabled: got true, expected false on the kubernetes target");
        expect(r.declared.filter(d => d.type.startsWith("kubernetes:"))).toEqual([]);
        const hub = await kubeStack({ jupyterUsers: '["alice"]', jupyterHub: "true" });
        expect(hub.error?.message).toContain("dsenv:jupyterHub: got true, expected false on the kubernetes target for now");
    });

    test("bad values name the key, the value and what is accepted", async () => {
        const r = await kubeStack({
            kubeconfig: "/nonexistent/kubeconfig",
            kubeNamespace: "Lab_1",
            kubeServiceType: "Ingress",
            kubeVolumeSize: "10GB",
            kubeStorageClass: "Fast SSD",
            registryServer: "",
        });
        expect(r.error?.message).toBe(
            configProblem(
                'dsenv:registryServer: got "", expected a registry the cluster\'s nodes can pull from (host:port, or http://host:port for a plain-HTTP lab registry): the nodes pull the images built here from it',
                'dsenv:kubeconfig: got "/nonexistent/kubeconfig", expected an existing kubeconfig file (/nonexistent/kubeconfig does not exist)',
                'dsenv:kubeNamespace: got "Lab_1", expected a DNS label: 1 to 63 lower-case letters, digits and inner hyphens',
                "dsenv:kubeStorageClass: got \"Fast SSD\", expected a StorageClass name (lower-case letters, digits, '-' and '.'), or \"\" for the default",
                'dsenv:kubeServiceType: got "Ingress", expected one of ClusterIP, NodePort, LoadBalancer',
                'dsenv:kubeVolumeSize: got "10GB", expected a positive Kubernetes quantity of bytes, e.g. 10Gi, 500Mi or 20G',
            ),
        );
    });

    test("the namespace defaults to namePrefix as a DNS label; the cluster is asked with the stack's kubeconfig and context", async () => {
        const facts = cluster([0]);
        const settings = await runWithMocks({ ...BASE, namePrefix: "lab_team.one" }, () => loadSettings(undefined, {}, facts));
        expect(settings.error).toBeUndefined();
        expect((settings.result.target as any).kubernetes.namespace).toBe("lab-team-one");
        expect(facts.asked).toEqual([{ kubeconfig: KUBECONFIG, context: "lab" }]);
    });
});

describe("the cluster's answer (config/kube-nodes.ts)", () => {
    test("allocatable GPUs as counts, the node's address", () => {
        expect(
            parseNodes(
                'warning on stderr\n[{"name":"a","gpus":"2","address":"10.0.0.1"},{"name":"b","gpus":"0"},{"name":"c","gpus":"100m"}]\n',
            ),
        ).toEqual({
            ok: true,
            nodes: [
                { name: "a", gpus: 2, address: "10.0.0.1" },
                { name: "b", gpus: 0 },
                { name: "c", gpus: 0 },
            ],
        });
        expect(parseNodes("{}")).toEqual({ ok: false, error: "unexpected answer: {}" });
    });
});
