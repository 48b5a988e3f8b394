import { ChildProcess, execFileSync, spawn } from "child_process";
import { Resolver } from "dns/promises";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { ConfigValue, waitFor } from "./harness";
import { CGROUPS, NetNamespace, run, startOrUndo, stopDaemon } from "./netns";
import { TlsRegistry } from "./tls-registry";

/** A running test cluster, as a test uses it (test/e2e/kube-cluster.test.ts, kubernetes.test.ts). */
export interface KubeCluster {
    /** The admin's kubeconfig file (client certificate, the cluster's CA). */
    kubeconfig: string;
    /** Its context there (also the current one). */
    context: string;
    /** The one node's name. */
    nodeName: string;
    /** Its address, reached from this machine (API server on 6443, NodePorts). */
    nodeAddress: string;
    /** host:port of a registry with a login that this machine's engine pushes to and the cluster pulls from. */
    registry: string;
    registryLogin: { username: string; password: string };
    /** Pushes images of this machine's engine to `registry` (as `<registry>/<image>`); returns the pushed names. */
    push(...images: string[]): string[];
    /** The node advertises `n` `nvidia.com/gpu` (an extended resource patched on its status: there are no GPUs here). */
    advertiseGpus(n: number): Promise<void>;
    /** A request to the API server as the admin; the parsed JSON answer (throws on a status >= 300). */
    api(method: string, path: string, body?: unknown, contentType?: string): Promise<any>;
    /** Stops everything it started and leaves the machine as it was. */
    stop(): Promise<void>;
}

/** What a stack on `cluster` is configured with: the kubernetes target at its context, Services as NodePorts (reached from this machine), its registry with the login. */
export function clusterStackConfig(cluster: KubeCluster): Record<string, ConfigValue> {
    return {
        target: "kubernetes",
        kubeconfig: cluster.kubeconfig,
        kubeContext: cluster.context,
        kubeServiceType: "NodePort",
        registryServer: cluster.registry,
        registryUsername: cluster.registryLogin.username,
        registryPassword: { secret: cluster.registryLogin.password },
    };
}

const KUBE_PORT = 6443;
const REGISTRY_PORT = 5003;
const SERVICE_CIDR = "10.96.0.0/24";
const POD_CIDR = "10.244.0.0/24";
/** Statically made local PersistentVolumes of the default StorageClass (no provisioner here). */
const VOLUMES = 8;
const VOLUME_SIZE = "10Gi";
/** The cgroup v1 hierarchies the cluster's processes and containers are in (under one named as the cluster). */
const CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "systemd"];
/** How long a component has to exit on SIGTERM before it is killed. */
const STOP_GRACE_MS = 20_000;

/**
 * A real single-node Kubernetes cluster on this machine (recipe: shared/FACTS.md,
 * "A real single-node Kubernetes cluster here"), from the toolchain's
 * `kube-cluster` part (scripts/toolchain/ensure-kube-cluster.sh): etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler, containerd,
 * kubelet, kube-proxy and CoreDNS, all in a network namespace named `name`
 * (joined to this machine by a veth pair on 10.242.0.0/30: the node is
 * 10.242.0.2, this machine 10.242.0.1) and one private mount namespace (a
 * tmpfs over /run, the test's directory over /var/lib and /var/log, stand-ins
 * over the host-wide sysctls the kubelet sets). Every process and container
 * is in cgroups under one named `name`, which stop() empties and the
 * namespace's delete removes; every file is in a temp dir of its own.
 *
 * Pods pull from a TLS registry with a login on this machine's end of the
 * veth (tls-registry.ts) that the cluster's containerd trusts; the pause image
 * is imported from the toolchain's archive. CoreDNS answers on the node's
 * address (the kubelet's clusterDNS): Service names resolve in pods. The
 * default StorageClass has no provisioner and `volumeBindingMode: Immediate`:
 * a claim is bound to one of the static local volumes as soon as it is made,
 * so a tool that waits for a claim to be Bound before making its consumer
 * (Pulumi does) does not wait forever; on one node, WaitForFirstConsumer would
 * choose the same volume.
 */
export async function startKubeCluster(name: string): Promise<KubeCluster> {
    if (!/^[a-z][a-z0-9]{0,14}$/.test(name)) throw new Error(`cluster name ${name}: 1-15 lower-case letters and digits (a veth name)`);
    const cluster = new Cluster(name);
    await startOrUndo(
        () => cluster.start(),
        () => cluster.stop(),
    );
    return cluster;
}

class Cluster implements KubeCluster {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsk-"));
    readonly kubeconfig = path.join(this.dir, "kubeconfig");
    readonly context: string;
    readonly nodeName: string;
    readonly machineAddress = "10.242.0.1";
    readonly nodeAddress = "10.242.0.2";
    readonly registry: string;
    readonly registryLogin: { username: string; password: string };
    private readonly tools = kubeTools();
    private readonly lab: TlsRegistry;
    private netns?: NetNamespace;
    /** The process that holds the mount namespace; every component is entered into its namespaces. */
    private holder?: ChildProcess;
    private readonly daemons = new Map<string, ChildProcess>();
    private admin?: { ca: Buffer; cert: Buffer; key: Buffer };

    constructor(readonly name: string) {
        this.context = name;
        this.nodeName = `${name}-node`;
        this.lab = new TlsRegistry(this.dir, this.machineAddress, REGISTRY_PORT);
        this.registry = this.lab.host;
        this.registryLogin = this.lab.login;
    }

    private f(...parts: string[]): string {
        return path.join(this.dir, ...parts);
    }

    async start(): Promise<void> {
        this.netns = new NetNamespace(this.name).linkToMachine(this.name, this.machineAddress, this.nodeAddress);
        // Traffic the node sends itself to a Service address needs a route before kube-proxy's DNAT (there is no default route: nothing is pulled from outside).
        this.netns.exec("ip", "route", "add", SERVICE_CIDR, "dev", "eth0");
        const registry = this.lab.start();
        this.makeCertificates();
        await this.startHolder();

        this.startDaemon("etcd", [
            "etcd",
            `--data-dir=${this.f("etcd")}`,
            "--listen-client-urls=http://127.0.0.1:2379",
            "--advertise-client-urls=http://127.0.0.1:2379",
            "--listen-peer-urls=http://127.0.0.1:2380",
            "--initial-advertise-peer-urls=http://127.0.0.1:2380",
            "--initial-cluster=default=http://127.0.0.1:2380",
        ]);
        this.startContainerd();
        const pki = (n: string) => this.f("pki", n);
        this.startDaemon("kube-apiserver", [
            this.tools.kube,
            "kube-apiserver",
            "--etcd-servers=http://127.0.0.1:2379",
            `--advertise-address=${this.nodeAddress}`,
            `--secure-port=${KUBE_PORT}`,
            `--tls-cert-file=${pki("apiserver.crt")}`,
            `--tls-private-key-file=${pki("apiserver.key")}`,
            `--client-ca-file=${pki("ca.crt")}`,
            `--kubelet-client-certificate=${pki("apiserver-kubelet.crt")}`,
            `--kubelet-client-key=${pki("apiserver-kubelet.key")}`,
            "--kubelet-preferred-address-types=InternalIP",
            `--service-account-key-file=${pki("sa.pub")}`,
            `--service-account-signing-key-file=${pki("sa.key")}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-cluster-ip-range=${SERVICE_CIDR}`,
            "--authorization-mode=Node,RBAC",
            "--allow-privileged=true",
            "--enable-admission-plugins=NodeRestriction",
            "--profiling=false",
        ]);
        await waitFor("the API server", async () => (await this.request("GET", "/readyz")).status === 200, 90_000, 500);
        await this.setUp();
        this.startDaemon("kube-controller-manager", [
            this.tools.kube,
            "kube-controller-manager",
            `--kubeconfig=${this.f("controller-manager.kubeconfig")}`,
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            `--service-account-private-key-file=${pki("sa.key")}`,
            `--root-ca-file=${pki("ca.crt")}`,
            `--cluster-signing-cert-file=${pki("ca.crt")}`,
            `--cluster-signing-key-file=${pki("ca.key")}`,
            `--service-cluster-ip-range=${SERVICE_CIDR}`,
            "--profiling=false",
        ]);
        this.startDaemon("kube-scheduler", [
            this.tools.kube,
            "kube-scheduler",
            `--kubeconfig=${this.f("scheduler.kubeconfig")}`,
            "--leader-elect=false",
            "--profiling=false",
        ]);
        this.startKubelet();
        this.startDaemon("kube-proxy", [
            this.tools.kube,
            "kube-proxy",
            `--kubeconfig=${this.f("kube-proxy.kubeconfig")}`,
            `--hostname-override=${this.nodeName}`,
            "--proxy-mode=nftables",
            "--masquerade-all",
            "--conntrack-max-per-core=0",
            `--cluster-cidr=${POD_CIDR}`,
        ]);
        fs.writeFileSync(
            this.f("Corefile"),
            [
                "cluster.local in-addr.arpa ip6.arpa {",
                "    errors",
                "    kubernetes cluster.local in-addr.arpa ip6.arpa {",
                `        kubeconfig ${this.f("coredns.kubeconfig")}`,
                "        pods insecure",
                "        ttl 5",
                "    }",
                "    cache 5",
                "}",
                "",
            ].join("\n"),
        );
        this.startDaemon("coredns", [this.tools.kube, "coredns", "-conf", this.f("Corefile")]);

        await waitFor(
            `node ${this.nodeName} Ready`,
            async () => {
                const node = await this.api("GET", `/api/v1/nodes/${this.nodeName}`);
                return node.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
            },
            120_000,
            500,
        );
        // The default ServiceAccount (pods need it) and CoreDNS answering.
        await waitFor(
            "the default ServiceAccount",
            () => this.api("GET", "/api/v1/namespaces/default/serviceaccounts/default"),
            60_000,
            500,
        );
        const dns = new Resolver({ timeout: 1000, tries: 1 });
        dns.setServers([this.nodeAddress]);
        await waitFor("CoreDNS", async () => (await dns.resolve4("kubernetes.default.svc.cluster.local")).length > 0, 60_000, 500);
        await registry;
    }

    /**
     * The process that makes the mount namespace and holds it: the cgroup v1
     * hierarchies mounted again (`ip netns exec` hides them), the cluster's
     * cgroup made in each, a tmpfs over /run (containerd's shims, the pods'
     * network namespaces, iptables' lock), the test's directory over /var/lib
     * and /var/log, and files with the values the kubelet wants over the
     * host-wide sysctls it would otherwise set.
     */
    private async startHolder(): Promise<void> {
        const controllers = CONTROLLERS;
        const sysctls: [string, string][] = [
            ["vm/overcommit_memory", "1"],
            ["kernel/panic", "10"],
            ["kernel/panic_on_oops", "1"],
        ];
        fs.mkdirSync(this.f("sysctl"));
        fs.mkdirSync(this.f("var-lib"));
        fs.mkdirSync(this.f("var-log"));
        sysctls.forEach(([, value], i) => fs.writeFileSync(this.f("sysctl", String(i)), `${value}\n`));
        const script = [
            "set -e",
            "mount -t tmpfs cgroup_root /sys/fs/cgroup",
            ...controllers.map(
                c =>
                    `mkdir -p /sys/fs/cgroup/${c} && mount -t cgroup -o ${c === "systemd" ? "none,name=systemd" : c} cgroup /sys/fs/cgroup/${c}`,
            ),
            ...controllers.map(c => `mkdir -p /sys/fs/cgroup/${c}/${this.name}/system`),
            // A new cpuset has no CPUs nor memory nodes until given its parent's.
            ...["", "/system"].flatMap(sub =>
                ["cpus", "mems"].map(k => `cat /sys/fs/cgroup/cpuset/cpuset.${k} > /sys/fs/cgroup/cpuset/${this.name}${sub}/cpuset.${k}`),
            ),
            "mount -t tmpfs run /run",
            `mount --bind ${this.f("var-lib")} /var/lib`,
            `mount --bind ${this.f("var-log")} /var/log`,
            ...sysctls.map(([key], i) => `mount --bind ${this.f("sysctl", String(i))} /proc/sys/${key}`),
            ...controllers.map(c => `echo $$ > /sys/fs/cgroup/${c}/${this.name}/system/cgroup.procs`),
            "echo ready",
            "exec sleep infinity",
        ].join("\n");
        const log = fs.openSync(this.f("holder.log"), "w");
        this.holder = spawn("ip", ["netns", "exec", this.name, "unshare", "--mount", "--propagation", "private", "sh", "-c", script], {
            stdio: ["ignore", log, log],
        });
        await waitFor(
            "the cluster's mount namespace",
            () => {
                if (this.holder!.exitCode !== null) throw new Error(`it failed: ${fs.readFileSync(this.f("holder.log"), "utf8")}`);
                return fs.readFileSync(this.f("holder.log"), "utf8").includes("ready");
            },
            30_000,
            200,
        );
    }

    /** Starts a component in the cluster's namespaces and its cgroup, its output in <name>.log. */
    private startDaemon(name: string, cmd: string[]): void {
        const joinCgroup = CONTROLLERS.map(c => `echo $$ > /sys/fs/cgroup/${c}/${this.name}/system/cgroup.procs`).join(" && ");
        const log = fs.openSync(this.f(`${name}.log`), "w");
        const daemon = spawn(
            "nsenter",
            ["-t", String(this.holder!.pid), "-n", "-m", "--", "sh", "-c", `${joinCgroup} && exec "$@"`, name, ...cmd],
            {
                stdio: ["ignore", log, log],
            },
        );
        this.daemons.set(name, daemon);
    }

    private startContainerd(): void {
        const ca = this.f("certs.d", this.registry);
        fs.mkdirSync(ca, { recursive: true });
        fs.copyFileSync(this.lab.caFile, path.join(ca, "ca.crt"));
        fs.writeFileSync(
            path.join(ca, "hosts.toml"),
            [
                `server = "https://${this.registry}"`,
                `[host."https://${this.registry}"]`,
                `  capabilities = ["pull", "resolve"]`,
                `  ca = "${path.join(ca, "ca.crt")}"`,
                "",
            ].join("\n"),
        );
        fs.mkdirSync(this.f("cni"));
        fs.writeFileSync(
            this.f("cni", "10-pods.conflist"),
            JSON.stringify({
                cniVersion: "1.0.0",
                name: "pods",
                plugins: [
                    {
                        type: "bridge",
                        bridge: "cni0",
                        isGateway: true,
                        hairpinMode: true,
                        ipam: {
                            type: "host-local",
                            ranges: [[{ subnet: POD_CIDR }]],
                            routes: [{ dst: "0.0.0.0/0" }],
                            dataDir: this.f("cni-ipam"),
                        },
                    },
                ],
            }),
        );
        fs.writeFileSync(
            this.f("containerd.toml"),
            [
                "version = 2",
                `root = "${this.f("containerd", "root")}"`,
                `state = "${this.f("containerd", "state")}"`,
                "[grpc]",
                `  address = "${this.f("containerd.sock")}"`,
                "[ttrpc]",
                `  address = "${this.f("containerd.ttrpc.sock")}"`,
                '[plugins."io.containerd.grpc.v1.cri"]',
                `  sandbox_image = "${this.tools.pauseImage}"`,
                // This sandbox lacks CAP_SYS_RESOURCE: runc fails to lower a container's oom_score_adj otherwise.
                "  restrict_oom_score_adj = true",
                "  tolerate_missing_hugetlb_controller = true",
                "  disable_hugetlb_controller = true",
                '  [plugins."io.containerd.grpc.v1.cri".cni]',
                '    bin_dir = "/usr/lib/cni"',
                `    conf_dir = "${this.f("cni")}"`,
                '  [plugins."io.containerd.grpc.v1.cri".containerd]',
                '    snapshotter = "overlayfs"',
                '    default_runtime_name = "runc"',
                '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
                '    runtime_type = "io.containerd.runc.v2"',
                '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
                "    SystemdCgroup = false",
                '  [plugins."io.containerd.grpc.v1.cri".registry]',
                `    config_path = "${this.f("certs.d")}"`,
                "",
            ].join("\n"),
        );
        this.startDaemon("containerd", ["containerd", "--config", this.f("containerd.toml")]);
    }

    private startKubelet(): void {
        fs.writeFileSync(this.f("resolv.conf"), "");
        fs.writeFileSync(
            this.f("kubelet.yaml"),
            JSON.stringify({
                apiVersion: "kubelet.config.k8s.io/v1beta1",
                kind: "KubeletConfiguration",
                authentication: {
                    anonymous: { enabled: false },
                    webhook: { enabled: true },
                    x509: { clientCAFile: this.f("pki", "ca.crt") },
                },
                authorization: { mode: "Webhook" },
                containerRuntimeEndpoint: `unix://${this.f("containerd.sock")}`,
                cgroupDriver: "cgroupfs",
                cgroupRoot: `/${this.name}`,
                // This machine has cgroup v1 (the kubelet refuses it unless told).
                failCgroupV1: false,
                failSwapOn: false,
                clusterDNS: [this.nodeAddress],
                clusterDomain: "cluster.local",
                resolvConf: this.f("resolv.conf"),
                podLogsDir: this.f("pod-logs"),
                volumePluginDir: this.f("volume-plugins"),
                // The machine's disk is shared with the other tests and caches: no eviction nor image GC for its fill level.
                evictionHard: { "memory.available": "50Mi", "nodefs.available": "1%", "imagefs.available": "1%" },
                imageGCHighThresholdPercent: 100,
                imageGCLowThresholdPercent: 99,
                readOnlyPort: 0,
                serializeImagePulls: false,
                registerNode: true,
            }),
        );
        this.startDaemon("kubelet", [
            this.tools.kube,
            "kubelet",
            `--config=${this.f("kubelet.yaml")}`,
            `--kubeconfig=${this.f("kubelet.kubeconfig")}`,
            `--root-dir=${this.f("kubelet")}`,
            `--cert-dir=${this.f("kubelet", "pki")}`,
            `--hostname-override=${this.nodeName}`,
            `--node-ip=${this.nodeAddress}`,
        ]);
    }

    /**
     * What the cluster has before its nodes join: CoreDNS's read access, the
     * default StorageClass and its volumes, and the pause image in containerd.
     */
    private async setUp(): Promise<void> {
        await this.api("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
            metadata: { name: "system:coredns" },
            rules: [
                { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
                { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
            ],
        });
        await this.api("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
            metadata: { name: "system:coredns" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:coredns" }],
        });
        await this.api("POST", "/apis/storage.k8s.io/v1/storageclasses", {
            metadata: { name: "local", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "kubernetes.io/no-provisioner",
            volumeBindingMode: "Immediate",
            reclaimPolicy: "Retain",
        });
        for (let i = 1; i <= VOLUMES; i++) {
            const dir = this.f("volumes", `pv${i}`);
            fs.mkdirSync(dir, { recursive: true });
            fs.chmodSync(dir, 0o777);
            await this.api("POST", "/api/v1/persistentvolumes", {
                metadata: { name: `${this.name}-pv${i}` },
                spec: {
                    capacity: { storage: VOLUME_SIZE },
                    accessModes: ["ReadWriteOnce"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: "local",
                    local: { path: dir },
                    nodeAffinity: {
                        required: {
                            nodeSelectorTerms: [
                                { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [this.nodeName] }] },
                            ],
                        },
                    },
                },
            });
        }
        await waitFor("containerd", () => this.nsExec("ctr", "--address", this.f("containerd.sock"), "version") !== undefined, 60_000, 500);
        if (
            this.nsExec("ctr", "--address", this.f("containerd.sock"), "-n", "k8s.io", "images", "import", this.tools.pauseTar) ===
            undefined
        )
            throw new Error(`cannot import ${this.tools.pauseTar} into the cluster's containerd`);
    }

    /** A command in the cluster's namespaces; its stdout, or undefined when it fails. */
    private nsExec(...cmd: string[]): string | undefined {
        return run("nsenter", ["-t", String(this.holder!.pid), "-n", "-m", "--", ...cmd], 120_000);
    }

    /** Certificates made with openssl (a CA of the cluster's own) and the kubeconfigs of the admin and each component. */
    private makeCertificates(): void {
        const pki = (n: string) => this.f("pki", n);
        fs.mkdirSync(this.f("pki"));
        const key = (n: string) => openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", pki(`${n}.key`));
        key("ca");
        openssl("req", "-x509", "-new", "-key", pki("ca.key"), "-subj", `/CN=${this.name}-ca`, "-days", "2", "-out", pki("ca.crt"));
        const cert = (n: string, subject: string, ext: string) => {
            key(n);
            openssl("req", "-new", "-key", pki(`${n}.key`), "-subj", subject, "-out", pki(`${n}.csr`));
            fs.writeFileSync(pki(`${n}.ext`), `${ext}\n`);
            openssl(
                "x509",
                "-req",
                "-in",
                pki(`${n}.csr`),
                "-CA",
                pki("ca.crt"),
                "-CAkey",
                pki("ca.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                pki(`${n}.ext`),
                "-out",
                pki(`${n}.crt`),
            );
        };
        const client = "extendedKeyUsage=clientAuth";
        cert(
            "apiserver",
            "/CN=kube-apiserver",
            `subjectAltName=IP:${this.nodeAddress},IP:10.96.0.1,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth`,
        );
        cert("apiserver-kubelet", "/O=system:masters/CN=kube-apiserver-kubelet-client", client);
        cert("admin", "/O=system:masters/CN=admin", client);
        cert("controller-manager", "/CN=system:kube-controller-manager", client);
        cert("scheduler", "/CN=system:kube-scheduler", client);
        cert("kubelet", `/O=system:nodes/CN=system:node:${this.nodeName}`, client);
        cert("kube-proxy", "/CN=system:kube-proxy", client);
        cert("coredns", "/CN=system:coredns", client);
        key("sa");
        openssl("pkey", "-in", pki("sa.key"), "-pubout", "-out", pki("sa.pub"));
        for (const n of ["admin", "controller-manager", "scheduler", "kubelet", "kube-proxy", "coredns"]) {
            const file = n === "admin" ? this.kubeconfig : this.f(`${n}.kubeconfig`);
            fs.writeFileSync(file, this.kubeconfigFor(n), { mode: 0o600 });
        }
        this.admin = {
            ca: fs.readFileSync(pki("ca.crt")),
            cert: fs.readFileSync(pki("admin.crt")),
            key: fs.readFileSync(pki("admin.key")),
        };
    }

    private kubeconfigFor(n: string): string {
        const b64 = (f: string) => fs.readFileSync(this.f("pki", f)).toString("base64");
        return JSON.stringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [
                {
                    name: this.name,
                    cluster: { server: `https://${this.nodeAddress}:${KUBE_PORT}`, "certificate-authority-data": b64("ca.crt") },
                },
            ],
            users: [{ name: n, user: { "client-certificate-data": b64(`${n}.crt`), "client-key-data": b64(`${n}.key`) } }],
            contexts: [{ name: this.context, context: { cluster: this.name, user: n } }],
            "current-context": this.context,
        });
    }

    push(...images: string[]): string[] {
        return this.lab.push(...images);
    }

    async advertiseGpus(n: number): Promise<void> {
        // https://kubernetes.io/docs/tasks/administer-cluster/extended-resource-node/
        await this.api(
            "PATCH",
            `/api/v1/nodes/${this.nodeName}/status`,
            [{ op: "add", path: "/status/capacity/nvidia.com~1gpu", value: String(n) }],
            "application/json-patch+json",
        );
        await waitFor(
            `${n} nvidia.com/gpu allocatable on ${this.nodeName}`,
            async () => (await this.api("GET", `/api/v1/nodes/${this.nodeName}`)).status?.allocatable?.["nvidia.com/gpu"] === String(n),
            30_000,
            500,
        );
    }

    private request(
        method: string,
        urlPath: string,
        body?: unknown,
        contentType = "application/json",
    ): Promise<{ status: number; body: string }> {
        const admin = this.admin!;
        return new Promise((resolve, reject) => {
            const data = body === undefined ? undefined : JSON.stringify(body);
            const req = https.request(
                {
                    host: this.nodeAddress,
                    port: KUBE_PORT,
                    path: urlPath,
                    method,
                    ca: admin.ca,
                    cert: admin.cert,
                    key: admin.key,
                    timeout: 10_000,
                    headers: { Accept: "application/json", ...(data ? { "Content-Type": contentType } : {}) },
                },
                res => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", c => (text += c));
                    res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
            req.on("error", reject);
            if (data) req.write(data);
            req.end();
        });
    }

    async api(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<any> {
        const res = await this.request(method, urlPath, body, contentType);
        if (res.status >= 300) throw new Error(`${method} ${urlPath}: ${res.status} ${res.body}`);
        return res.body.startsWith("{") ? JSON.parse(res.body) : res.body;
    }

    /**
     * Stops everything, the API server before etcd (it hangs on SIGTERM
     * otherwise), then kills what is left in the cluster's cgroups (the
     * containers and containerd's shims, which outlive containerd), and
     * deletes the namespaces, cgroups, registry and files.
     */
    async stop(): Promise<void> {
        const stop = (...names: string[]) =>
            Promise.all(
                names.map(async n => {
                    const t0 = Date.now();
                    await stopWithin(this.daemons.get(n));
                    verbose(`${n} stopped in ${Date.now() - t0} ms`);
                }),
            );
        await stop("coredns", "kube-proxy", "kubelet", "kube-scheduler", "kube-controller-manager");
        await stop("kube-apiserver");
        await stop("etcd", "containerd");
        const step = async (what: string, f: () => unknown) => {
            const t0 = Date.now();
            await f();
            verbose(`${what} in ${Date.now() - t0} ms`);
        };
        await step("the containers killed", () => this.killCgroup());
        await step("the mount namespace gone", () => stopDaemon(this.holder));
        await step("the registry stopped", () => this.lab.stop());
        await step("the network namespace and cgroups deleted", () => this.netns?.delete());
        await step("its files removed", () => fs.rmSync(this.dir, { recursive: true, force: true }));
    }

    /** SIGKILLs every process left in the cluster's cgroup (the pids hierarchy sees them all), until none is. */
    private killCgroup(): void {
        const root = path.join(CGROUPS, "pids", this.name);
        for (let attempt = 0; attempt < 40; attempt++) {
            const pids = cgroupProcs(root).filter(p => p !== this.holder?.pid);
            if (pids.length === 0) return;
            for (const pid of pids) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // gone already
                }
            }
            execFileSync("sleep", ["0.25"]);
        }
    }
}

function verbose(line: string): void {
    if (process.env.DSENV_E2E_VERBOSE) process.stderr.write(`kube-cluster: ${line}\n`);
}

/** Stops a daemon as stopDaemon does, killing it when it outlasts STOP_GRACE_MS. */
async function stopWithin(daemon: ChildProcess | undefined): Promise<void> {
    const kill = setTimeout(() => daemon?.kill("SIGKILL"), STOP_GRACE_MS);
    try {
        await stopDaemon(daemon);
    } finally {
        clearTimeout(kill);
    }
}

/** The pids in a cgroup and those below it. */
function cgroupProcs(dir: string): number[] {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
    const own = (run("cat", [path.join(dir, "cgroup.procs")]) ?? "").split("\n").filter(Boolean).map(Number);
    return [...own, ...entries.filter(e => e.isDirectory()).flatMap(e => cgroupProcs(path.join(dir, e.name)))];
}

function openssl(...args: string[]): void {
    execFileSync("openssl", args, { stdio: "pipe" });
}

/**
 * The binaries and pause image that the toolchain's `kube-cluster` part built
 * (scripts/toolchain/ensure-kube-cluster.sh); missing, the test fails here.
 */
function kubeTools(): { kube: string; pauseImage: string; pauseTar: string } {
    const kube = process.env.DSENV_KUBE;
    const pauseImage = process.env.DSENV_KUBE_PAUSE_IMAGE;
    const pauseTar = process.env.DSENV_KUBE_PAUSE_TAR;
    if (!kube || !pauseImage || !pauseTar) {
        throw new Error(
            "DSENV_KUBE is not set: the test cluster is built by the toolchain " +
                '(eval "$(scripts/toolchain/ensure.sh ... kube-cluster)", as scripts/test.sh does)',
        );
    }
    fs.accessSync(kube, fs.constants.X_OK);
    return { kube, pauseImage, pauseTar };
}
