import { ChildProcess, execSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as docker from "@pulumi/docker";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as random from "@pulumi/random";
import { DATA_VOLUMES, ENGINE_VOLUMES } from "../../components/azure/cloud-init";
import { DockerEngine } from "../../components/engine";
import { waitFor } from "./harness";
import { NetNamespace, run, stopDaemon } from "./netns";

// destroy -> up on the kept data disk (issue 18, item 1), Azure aside: a
// simulated VM is a dockerd in a network namespace of its own, its data root
// on a directory that plays the VM's OS disk, and Docker's volumes directory
// a bind of a directory that plays the data disk's volumes, as the boot script
// lays them out (DATA_VOLUMES on ENGINE_VOLUMES; vm-boot-script.test.ts runs
// that step for real). The stack: the engine, a network, a data volume and a
// container that appends a line to a file on the volume at each start, all
// deletedWith the VM, as on the azure target. A destroy with the VM gone
// (dockerd stopped, its OS disk discarded), then a new VM on the same data
// disk and an up: green, the data there, nothing of the old engine. The
// layout before this fix (the engine's whole data root on the kept disk) runs
// the same steps as the control: its second up must fail on what the old
// engine restored, so the check can tell the two apart.
jest.setTimeout(8 * 60_000);

const IMAGE = "dsenv/debian:bookworm";
const id = crypto.randomBytes(2).toString("hex");
/** Short: the unix socket's path is limited to 107 bytes. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsk-"));

type Layout = "volumes-on-disk" | "data-root-on-disk";

/** A VM: its dockerd, its namespace, its OS disk; the data disk outlives it. */
class SimulatedVm {
    readonly socket: string;
    private readonly netns: NetNamespace;
    private readonly daemon: ChildProcess;

    constructor(
        readonly name: string,
        readonly dataDisk: string,
        layout: Layout,
    ) {
        const osDisk = path.join(dir, name);
        fs.mkdirSync(osDisk, { recursive: true });
        this.socket = `unix://${osDisk}/d.sock`;
        const dataRoot = layout === "volumes-on-disk" ? path.join(osDisk, "docker") : path.join(dataDisk, "docker");
        // The boot script's bind: <data disk>/volumes (DATA_VOLUMES) on <data root>/volumes (ENGINE_VOLUMES).
        const binds: [string, string][] = layout === "volumes-on-disk" ? [[onDisk(dataDisk, DATA_VOLUMES), path.join(dataRoot, path.basename(ENGINE_VOLUMES))]] : [];
        for (const [source] of binds) fs.mkdirSync(source, { recursive: true });
        this.netns = new NetNamespace(`dskvm-${id}-${name}`);
        this.daemon = this.netns.spawnDockerd(
            [`--host=${this.socket}`, `--data-root=${dataRoot}`, `--exec-root=${osDisk}/x`, `--pidfile=${osDisk}/d.pid`, `--cgroup-parent=/dsk-${id}-${name}`],
            path.join(dir, `${name}-dockerd.log`),
            undefined,
            binds,
        );
    }

    async started(): Promise<this> {
        await waitFor(`the dockerd of ${this.name}`, () => run("docker", ["-H", this.socket, "info", "--format", "{{.ID}}"]), 60_000, 500);
        return this;
    }

    docker(...args: string[]): string {
        return execSync(`docker -H ${this.socket} ${args.join(" ")}`, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    }

    /**
     * The VM is gone: its engine stops, its OS disk is never used again (the
     * next VM has its own), its data disk stays. The OS disk's directory is
     * removed with the test's, once no namespace binds the data disk into it.
     */
    async gone(): Promise<void> {
        await stopDaemon(this.daemon);
        this.netns.delete();
    }
}

/** A path of the VM (under DATA_MOUNT) on the directory that plays the data disk. */
function onDisk(dataDisk: string, vmPath: string): string {
    return path.join(dataDisk, path.relative("/data", vmPath));
}

/** The azure target's shape on a VM's engine: everything there deletedWith the VM. */
function program(layout: Layout, socket: () => string): () => Promise<void> {
    return async () => {
        // Stands for the Azure VM: the next VM is another one.
        const vm = new random.RandomId("vm", { byteLength: 4, keepers: { socket: socket() } });
        const engine = new DockerEngine("vm-engine", { host: socket(), isLocal: false, deletedWith: vm });
        const prefix = names(layout);
        const network = new docker.Network("net", { name: `${prefix}-net` }, engine.on(engine));
        // A plain volume, not a component: the control's failing up leaves no component output pending.
        const volume = new docker.Volume("db", { name: `${prefix}-db` }, engine.on(engine));
        new docker.Container(
            "box",
            {
                name: `${prefix}-box`,
                image: IMAGE,
                command: ["sh", "-c", "date >> /var/lib/db/starts && exec sleep 600"],
                restart: "unless-stopped",
                networksAdvanced: [{ name: network.name }],
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/db" }],
                ports: [{ internal: 8080, external: 18080, ip: "127.0.0.1" }],
                destroyGraceSeconds: 1,
            },
            engine.on(engine),
        );
    };
}

async function stack(layout: Layout, socket: () => string): Promise<Stack> {
    const state = path.join(dir, `state-${layout}`);
    fs.mkdirSync(state);
    return LocalWorkspace.createOrSelectStack(
        { stackName: layout, projectName: "dsenv-vm-kept-disk", program: program(layout, socket) },
        {
            projectSettings: { name: "dsenv-vm-kept-disk", runtime: "nodejs", backend: { url: `file://${state}` } },
            secretsProvider: "passphrase",
            envVars: { PULUMI_CONFIG_PASSPHRASE: "e2e", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true", PULUMI_SKIP_UPDATE_CHECK: "true" },
        },
    );
}

/** The names of the stack's things on the engine. */
function names(layout: Layout): string {
    return `dsk-${id}-${layout}`;
}

const vms: SimulatedVm[] = [];
const stacks: Stack[] = [];

/** Up on a first VM, destroy with it gone, a second VM on the same data disk: the second up's result. */
async function destroyAndComeBack(layout: Layout): Promise<{ second: SimulatedVm; upAgain: Promise<unknown>; dataDisk: string }> {
    const dataDisk = path.join(dir, `disk-${layout}`);
    fs.mkdirSync(dataDisk);
    let current: SimulatedVm = await new SimulatedVm(`${layout}-1`, dataDisk, layout).started();
    vms.push(current);
    const s = await stack(layout, () => current.socket);
    stacks.push(s);
    // The new VM's engine has no images (they are pulled again on Azure): it gets the base image directly.
    const load = (vm: SimulatedVm) => execSync(`docker save ${IMAGE} | docker -H ${vm.socket} load`, { stdio: "pipe" });
    load(current);
    await s.up();
    expect(current.docker("inspect", "-f", "{{.State.Running}}", `${names(layout)}-box`)).toBe("true");
    // A swarm on the first VM: its membership must not come back either.
    current.docker("swarm", "init", "--advertise-addr", "127.0.0.1");

    await current.gone();
    const destroyed = await s.destroy();
    expect(destroyed.summary.result).toBe("succeeded");

    current = await new SimulatedVm(`${layout}-2`, dataDisk, layout).started();
    vms.push(current);
    load(current);
    return { second: current, upAgain: s.up(), dataDisk };
}

afterAll(async () => {
    for (const vm of vms) await vm.gone().catch(() => undefined);
    for (const s of stacks) await s.workspace.removeStack(s.name, { force: true }).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
});

test("volumes on the kept disk, the engine on the OS disk: up, destroy with the VM gone, a new VM, up again: green, the data there, nothing of the old engine", async () => {
    const { second, upAgain, dataDisk } = await destroyAndComeBack("volumes-on-disk");
    const box = `${names("volumes-on-disk")}-box`;
    const result = (await upAgain) as { summary: { result: string } };
    expect(result.summary.result).toBe("succeeded");
    // The first VM's start and this one's, on the data disk itself.
    const starts = path.join(onDisk(dataDisk, DATA_VOLUMES), `${names("volumes-on-disk")}-db`, "_data", "starts");
    expect(fs.readFileSync(starts, "utf8").trim().split("\n")).toHaveLength(2);
    expect(second.docker("exec", box, "cat", "/var/lib/db/starts")).toBe(fs.readFileSync(starts, "utf8").trim());
    // The new engine holds the stack's container only, and is in no swarm.
    expect(second.docker("ps", "-a", "--format", "{{.Names}}")).toBe(box);
    expect(second.docker("info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("inactive");
});

test("control: the engine's whole data root on the kept disk brings the old engine back, and the second up fails on it", async () => {
    const { second, upAgain } = await destroyAndComeBack("data-root-on-disk");
    const error = await upAgain.then(
        () => undefined,
        (e: Error) => String(e),
    );
    expect(error).toMatch(/already in use|already exists/);
    expect(second.docker("info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("active");
});
