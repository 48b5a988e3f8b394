import { ChildProcess, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { waitFor } from "./harness";
import { ip, NetNamespace, run, startOrUndo, stopDaemon } from "./netns";
import { TlsRegistry } from "./tls-registry";

/** One simulated machine of a lab: its own network namespace, hostname and dockerd. */
export interface SwarmNode {
    /** Its hostname, as swarm names the node. */
    name: string;
    /** Its address on the lab network, where the other nodes reach it. */
    address: string;
    /** What a stack's node list names it by: the engine's socket, seen from this machine. */
    dockerHost: string;
    /** `NVIDIA-GPU` generic resources its daemon advertises (fake ids: there are no GPUs here). */
    gpus: string[];
}

/**
 * Several machines of a lab, simulated on this one (recipe: shared/FACTS.md, "A
 * multi-node Docker Swarm on one machine"): each node is a network namespace
 * with its own hostname and dockerd; a bridge in a "hub" namespace of its own
 * joins them on 10.241.0.0/24, and one more link joins this machine to the hub
 * (as 10.241.0.1), so that it can reach the nodes' published ports. The nodes
 * have no default route: nothing is pulled from outside (images are loaded).
 * Their engines are reached from this machine through their unix sockets.
 */
export class SwarmNodes {
    /** Short: unix socket paths are limited to 107 bytes. */
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsw-"));
    readonly nodes: SwarmNode[];
    /** This machine's address on the lab network. */
    readonly machineAddress = "10.241.0.1";
    /**
     * The lab's registry (tls-registry.ts), on this machine where every node
     * and this machine's engine reach it, with a login: a node pulls only with
     * what the swarm's manager hands it.
     */
    private readonly lab = new TlsRegistry(this.dir, this.machineAddress, 5002);
    readonly registry = this.lab.host;
    readonly registryLogin = this.lab.login;
    private readonly tag = `dsw${process.pid % 10000}`;
    private readonly hub = `${this.tag}hub`;
    private readonly daemons: ChildProcess[] = [];
    private readonly namespaces: NetNamespace[] = [];

    /** gpusPerNode[i]: how many fake GPUs node i advertises. */
    constructor(gpusPerNode: number[]) {
        this.nodes = gpusPerNode.map((gpus, i) => ({
            name: `lab-node${i + 1}`,
            address: `10.241.0.${11 + i}`,
            dockerHost: `unix://${path.join(this.dir, `n${i + 1}`, "docker.sock")}`,
            gpus: Array.from({ length: gpus }, (_, g) => `GPU-fake-n${i + 1}-${g}`),
        }));
    }

    async start(): Promise<this> {
        await startOrUndo(
            () => this.startAll(),
            () => this.stop(),
        );
        return this;
    }

    private async startAll(): Promise<void> {
        ip("netns", "add", this.hub);
        ip("-n", this.hub, "link", "add", "br0", "type", "bridge");
        ip("-n", this.hub, "link", "set", "dev", "br0", "up");
        ip("-n", this.hub, "link", "set", "dev", "lo", "up");
        // This machine on the hub.
        ip("link", "add", `${this.tag}m`, "type", "veth", "peer", "name", "machine", "netns", this.hub);
        ip("-n", this.hub, "link", "set", "dev", "machine", "master", "br0", "up");
        ip("addr", "add", `${this.machineAddress}/24`, "dev", `${this.tag}m`);
        ip("link", "set", "dev", `${this.tag}m`, "up");

        await this.lab.start();
        this.nodes.forEach((node, i) => this.startNode(node, i));
        for (const node of this.nodes) {
            await waitFor(
                `dockerd of ${node.name}`,
                () => run("docker", ["-H", node.dockerHost, "info", "--format", "{{.Name}}"]) === node.name,
                90_000,
            );
        }
    }

    private startNode(node: SwarmNode, i: number): void {
        const dir = path.join(this.dir, `n${i + 1}`);
        fs.mkdirSync(dir);
        const netns = new NetNamespace(`${this.tag}n${i + 1}`);
        this.namespaces.push(netns);
        ip("link", "add", `${this.tag}n${i + 1}`, "type", "veth", "peer", "name", "eth0", "netns", netns.name);
        ip("link", "set", "dev", `${this.tag}n${i + 1}`, "netns", this.hub);
        ip("-n", this.hub, "link", "set", "dev", `${this.tag}n${i + 1}`, "master", "br0", "up");
        ip("-n", netns.name, "addr", "add", `${node.address}/24`, "dev", "eth0");
        ip("-n", netns.name, "link", "set", "dev", "eth0", "up");
        this.daemons.push(netns.spawnDockerd(this.daemonArgs(node, i), path.join(dir, "dockerd.log"), node.name));
    }

    /** Node i's dockerd: its socket, data root and exec root under its directory, its own address ranges. */
    private daemonArgs(node: SwarmNode, i: number): string[] {
        const dir = path.join(this.dir, `n${i + 1}`);
        return [
            `--host=${node.dockerHost}`,
            `--data-root=${dir}/data`,
            `--exec-root=${dir}/exec`,
            `--pidfile=${dir}/docker.pid`,
            `--bip=172.${30 + i}.0.1/24`,
            `--default-address-pool=base=10.${100 + i}.0.0/16,size=24`,
            ...node.gpus.map(g => `--node-generic-resource=NVIDIA-GPU=${g}`),
        ];
    }

    /**
     * The machine replaced by a new one, as Azure replaces a VM: the same
     * hostname and address, a new OS disk (the engine's data root emptied: no
     * containers, images, networks or swarm membership), and the volumes the
     * kept data disk holds. Its dockerd is started again on that.
     */
    async replace(node: SwarmNode): Promise<void> {
        const i = this.nodes.indexOf(node);
        const dir = path.join(this.dir, `n${i + 1}`);
        await stopDaemon(this.daemons[i]);
        run("umount", ["-R", path.join(dir, "exec")]);
        fs.rmSync(path.join(dir, "exec"), { recursive: true, force: true });
        for (const entry of fs.readdirSync(path.join(dir, "data")))
            if (entry !== "volumes") fs.rmSync(path.join(dir, "data", entry), { recursive: true, force: true });
        this.daemons[i] = this.namespaces[i].spawnDockerd(this.daemonArgs(node, i), path.join(dir, `dockerd-${Date.now()}.log`), node.name);
        await waitFor(
            `dockerd of the new ${node.name}`,
            () => run("docker", ["-H", node.dockerHost, "info", "--format", "{{.Name}}"]) === node.name,
            90_000,
        );
    }

    /** The docker CLI against a node's engine. */
    docker(node: SwarmNode, ...args: string[]): string {
        return execFileSync("docker", ["-H", node.dockerHost, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    }

    /** Copies images from this machine's engine into these nodes' (the nodes pull from nowhere). */
    loadImages(nodes: SwarmNode[], ...images: string[]): void {
        const tar = path.join(this.dir, "images.tar");
        execFileSync("docker", ["save", "-o", tar, ...images]);
        for (const node of nodes) execFileSync("docker", ["-H", node.dockerHost, "load", "-i", tar], { stdio: "pipe" });
        fs.rmSync(tar);
    }

    /** A command in a node's network namespace (e.g. to reach a host-mode port from inside the lab). */
    exec(node: SwarmNode, ...cmd: string[]): string {
        return this.namespaces[this.nodes.indexOf(node)].exec(...cmd);
    }

    async stop(): Promise<void> {
        for (const node of this.nodes) {
            // Out of the swarm and rid of its containers, so that no mount stays behind under the data root.
            run("docker", ["-H", node.dockerHost, "swarm", "leave", "--force"]);
            const ids = run("docker", ["-H", node.dockerHost, "ps", "-aq"])?.split("\n").filter(Boolean) ?? [];
            if (ids.length) run("docker", ["-H", node.dockerHost, "rm", "-f", ...ids]);
        }
        await Promise.all([...this.daemons.map(stopDaemon), this.lab.stop()]);
        for (const netns of this.namespaces) netns.delete();
        run("ip", ["link", "del", `${this.tag}m`]);
        run("ip", ["netns", "del", this.hub]);
        for (const node of this.nodes) run("umount", ["-R", path.join(this.dir, `n${this.nodes.indexOf(node) + 1}`, "exec")]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
