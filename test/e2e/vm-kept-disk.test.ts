import { ChildProcess, execSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as docker from "@pulumi/docker";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DATA_VOLUMES, ENGINE_VOLUMES } from "../../components/azure/cloud-init";
import { DockerEngine } from "../../components/engine";
import { machineIncarnation } from "../../components/managed-machine";
import { DataVolume } from "../../components/volume";
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
// engine restored, so the check can tell the two apart. And a VM replaced by
// an up (item 2), at the same address (a link that a stand-in for the
// readiness step points at the new VM's socket): that one up makes what ran on
// the old engine again on the new one, the volume's data there; and a stack
// made with the options of the release before, whose next up replaces nothing.
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

    /** Where VM `name`'s engine listens. */
    static socketOf(name: string): string {
        return `unix://${path.join(dir, name)}/d.sock`;
    }

    constructor(
        readonly name: string,
        readonly dataDisk: string,
        layout: Layout,
    ) {
        const osDisk = path.join(dir, name);
        fs.mkdirSync(osDisk, { recursive: true });
        this.socket = SimulatedVm.socketOf(name);
        const dataRoot = layout === "volumes-on-disk" ? path.join(osDisk, "docker") : path.join(dataDisk, "docker");
        // The boot script's bind: <data disk>/volumes (DATA_VOLUMES) on <data root>/volumes (ENGINE_VOLUMES).
        const binds: [string, string][] =
            layout === "volumes-on-disk" ? [[onDisk(dataDisk, DATA_VOLUMES), path.join(dataRoot, path.basename(ENGINE_VOLUMES))]] : [];
        for (const [source] of binds) fs.mkdirSync(source, { recursive: true });
        this.netns = new NetNamespace(`dskvm-${id}-${name}`);
        this.daemon = this.netns.spawnDockerd(
            [`--host=${this.socket}`, `--data-root=${dataRoot}`, `--exec-root=${osDisk}/x`, `--pidfile=${osDisk}/d.pid`],
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

/**
 * Where the stack reaches the engine, and which VM answers there: the replaced
 * scenario keeps one address (as the Azure VM's static public IP) and flips
 * which VM's socket it leads to; the others give each VM its own.
 */
interface Address {
    socket: string;
    /** The VM's generation: a new one is a new VM, which replaces the old. */
    generation: number;
    /** The link at `socket` leads to this VM's socket once the new VM is there (the readiness step's place). */
    link?: { target: string };
    /** The options of the release before: everything on the engine deletedWith the VM itself, no incarnation. */
    legacy?: boolean;
}

/**
 * The replaced scenario's readiness step (HostReadiness on Azure): the stable
 * address leads to the new VM from now on, and the step waits until its engine
 * answers there.
 */
const switchProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        await switchTo(inputs.link, inputs.target, inputs.image);
        return { id: inputs.link, outs: inputs };
    },
    async update(_id, _olds, news) {
        await switchTo(news.link, news.target, news.image);
        return { outs: news };
    },
};

async function switchTo(link: string, target: string, image: string): Promise<void> {
    const { execFileSync } = require("child_process") as typeof import("child_process");
    execFileSync("ln", ["-sfn", target, link]);
    for (let i = 0; i < 180; i++) {
        try {
            // Its engine answers, with the image the stack runs (pulled on Azure, loaded here by the test).
            execFileSync("docker", ["-H", `unix://${link}`, "image", "inspect", image], { stdio: "ignore", timeout: 5000 });
            return;
        } catch {
            await new Promise(resolve => setTimeout(resolve, 500));
        }
    }
    throw new Error(`no engine answers at ${link} -> ${target}`);
}

class VmReady extends pulumi.dynamic.Resource {
    constructor(name: string, props: { link: string; target: string; image: string }, opts: pulumi.CustomResourceOptions) {
        super(switchProvider, name, props, opts, "dsenv-e2e", "VmReady");
    }
}

/** The azure target's shape on a VM's engine: everything there deleted with the VM, and made again on a replaced VM but the volume. */
function program(layout: Layout, address: () => Address): () => Promise<void> {
    return async () => {
        const { socket, generation, link, legacy } = address();
        // Stands for the Azure VM: a new generation replaces it, the old one first (as the VM's deleteBeforeReplace).
        const vm = new random.RandomId(
            "vm",
            { byteLength: 4, keepers: { socket, generation: String(generation) } },
            { deleteBeforeReplace: true },
        );
        // As GpuVm's: one life of the VM, keyed on its id.
        const machine = legacy ? undefined : { resource: vm, incarnation: machineIncarnation("vm-incarnation", vm.hex, {}) };
        const ready = link
            ? [new VmReady("vm-ready", { link: socket.replace("unix://", ""), target: link.target, image: IMAGE }, { dependsOn: [vm] })]
            : [];
        const engine = new DockerEngine("vm-engine", { host: socket, isLocal: false, machine, readyAfter: ready });
        const on = () => (legacy ? { ...engine.on(engine), deletedWith: vm } : engine.on(engine));
        const prefix = names(layout);
        // The image, as the azure target pulls it onto the VM's engine (here it is there already: the test loads it).
        const image = new docker.RemoteImage("image", { name: IMAGE, keepLocally: true }, on());
        const network = new docker.Network("net", { name: `${prefix}-net` }, on());
        // The project's volume, not kept on destroy: on a managed machine it is never deleted all the
        // same. The control's a plain one: its failing up must leave no component output pending.
        const volume =
            layout === "volumes-on-disk"
                ? new DataVolume("db", { engine, volumeName: `${prefix}-db`, keepOnDestroy: false })
                : new docker.Volume("db", { name: `${prefix}-db` }, on());
        new docker.Container(
            "box",
            {
                name: `${prefix}-box`,
                image: image.imageId,
                command: ["sh", "-c", "date >> /var/lib/db/starts && exec sleep 600"],
                restart: "unless-stopped",
                networksAdvanced: [{ name: network.name }],
                volumes: [{ volumeName: volume.name, containerPath: "/var/lib/db" }],
                ports: [{ internal: 8080, external: 18080, ip: "127.0.0.1" }],
                destroyGraceSeconds: 1,
            },
            on(),
        );
    };
}

async function stack(layout: Layout, address: () => Address, name: string = layout): Promise<Stack> {
    const state = path.join(dir, `state-${name}`);
    fs.mkdirSync(state);
    // The program's directory: the dynamic provider's host resolves @pulumi/pulumi from there.
    const workDir = path.join(dir, `work-${name}`);
    fs.mkdirSync(workDir);
    fs.symlinkSync(path.resolve("node_modules"), path.join(workDir, "node_modules"));
    const s = await LocalWorkspace.createOrSelectStack(
        { stackName: name, projectName: "dsenv-vm-kept-disk", program: program(layout, address) },
        {
            workDir,
            projectSettings: { name: "dsenv-vm-kept-disk", runtime: "nodejs", backend: { url: `file://${state}` } },
            secretsProvider: "passphrase",
            envVars: {
                PULUMI_CONFIG_PASSPHRASE: "e2e",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                PULUMI_SKIP_UPDATE_CHECK: "true",
            },
        },
    );
    stacks.push(s);
    return s;
}

/** The new VM's engine has no images (they are pulled again on Azure): it gets the base image directly. */
function loadImage(vm: SimulatedVm): void {
    execSync(`docker save ${IMAGE} | docker -H ${vm.socket} load`, { stdio: "pipe" });
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
    let current = new SimulatedVm(`${layout}-1`, dataDisk, layout);
    vms.push(current);
    await current.started();
    // Each VM its own address here: the stack after a destroy knows nothing of the old one.
    const s = await stack(layout, () => ({ socket: current.socket, generation: vms.indexOf(current) }));
    loadImage(current);
    await s.up();
    expect(current.docker("inspect", "-f", "{{.State.Running}}", `${names(layout)}-box`)).toBe("true");
    // A swarm on the first VM: its membership must not come back either.
    current.docker("swarm", "init", "--advertise-addr", "127.0.0.1");

    await current.gone();
    expect((await s.destroy()).summary.result).toBe("succeeded");

    current = new SimulatedVm(`${layout}-2`, dataDisk, layout);
    vms.push(current);
    await current.started();
    loadImage(current);
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

test("a VM replaced by an up (a change Azure cannot make in place): that one up makes what ran there again on the new engine, the data kept", async () => {
    const dataDisk = path.join(dir, "disk-replaced");
    fs.mkdirSync(dataDisk);
    const first = new SimulatedVm("r-1", dataDisk, "volumes-on-disk");
    vms.push(first);
    await first.started();
    loadImage(first);
    // One address for both VMs, as the VM's static public IP.
    const link = path.join(dir, "vm.sock");
    const address: Address = { socket: `unix://${link}`, generation: 1, link: { target: first.socket.replace("unix://", "") } };
    const s = await stack("volumes-on-disk", () => address, "replaced");
    await s.up();
    const box = `${names("volumes-on-disk")}-box`;
    const volume = `${names("volumes-on-disk")}-db`;
    expect(first.docker("inspect", "-f", "{{.State.Running}}", box)).toBe("true");

    // The boot script changed: a new VM. The old one is deleted first; the disk is attached to one VM at a time.
    const secondSocket = SimulatedVm.socketOf("r-2").replace("unix://", "");
    Object.assign(address, { generation: 2, link: { target: secondSocket } });
    // The preview says what the up will do: the VM and what its engine keeps on the VM's own disk are
    // replaced; the volume (the data disk's) is not.
    const preview = await s.preview();
    // The VM, its incarnation, the image, the network, the container; the readiness step's stand-in updates.
    expect(preview.changeSummary).toMatchObject({ replace: 5, update: 1 });
    const replacing = s.up();
    await waitFor("the address to lead to the new VM", () => fs.readlinkSync(link) === secondSocket, 120_000, 200);
    await first.gone();
    const second = new SimulatedVm("r-2", dataDisk, "volumes-on-disk");
    vms.push(second);
    await second.started();
    loadImage(second);
    const replaced = await replacing;
    expect(replaced.summary.result).toBe("succeeded");
    // The same up made the container again on the new engine, on the same data.
    expect(second.docker("inspect", "-f", "{{.State.Running}}", box)).toBe("true");
    expect(second.docker("volume", "ls", "--format", "{{.Name}}")).toBe(volume);
    const starts = path.join(onDisk(dataDisk, DATA_VOLUMES), volume, "_data", "starts");
    expect(fs.readFileSync(starts, "utf8").trim().split("\n")).toHaveLength(2);
    expect(second.docker("exec", box, "cat", "/var/lib/db/starts")).toBe(fs.readFileSync(starts, "utf8").trim());
    // And the state is what the engine has: a refresh finds nothing to change, no change is left to make.
    const refreshed = await s.refresh();
    expect(refreshed.summary.resourceChanges?.update ?? 0).toBe(0);
    expect(refreshed.summary.resourceChanges?.delete ?? 0).toBe(0);
    expect((await s.preview({ expectNoChanges: true })).changeSummary?.same).toBeGreaterThan(0);
});

test("a stack made by the release before (deletedWith the VM itself, no incarnation): its next up adds the incarnation and replaces nothing", async () => {
    const dataDisk = path.join(dir, "disk-legacy");
    fs.mkdirSync(dataDisk);
    const vm = new SimulatedVm("l-1", dataDisk, "volumes-on-disk");
    vms.push(vm);
    await vm.started();
    loadImage(vm);
    const address: Address = { socket: vm.socket, generation: 1, legacy: true };
    const s = await stack("volumes-on-disk", () => address, "legacy");
    await s.up();
    const box = `${names("volumes-on-disk")}-box`;
    const container = vm.docker("inspect", "-f", "{{.Id}}", box);

    address.legacy = false;
    const preview = await s.preview();
    expect(preview.changeSummary).toEqual({ create: 1, same: expect.any(Number) });
    const up = await s.up();
    expect(up.summary.resourceChanges).toEqual({ create: 1, same: expect.any(Number) });
    expect(vm.docker("inspect", "-f", "{{.Id}}", box)).toBe(container);
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
