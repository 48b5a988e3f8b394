import { execFileSync, spawn, ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    DATA_MOUNT,
    DATA_VOLUMES,
    ENGINE_VOLUMES,
    METADATA_ADDRESS,
    METADATA_BLOCK_COMMAND,
    METADATA_BLOCK_SCRIPT,
    storageSteps,
    SWARM_GPUS_AT_ENGINE_START,
    SWARM_GPUS_COMMAND,
    SWARM_GPUS_SCRIPT,
} from "../../components/azure/cloud-init";
import { GPU_PROBE } from "../../components/azure/remote-engine";
import { waitFor } from "./harness";
import { NetNamespace, stopDaemon } from "./netns";

// Parts of the Azure VM's boot script that need no network, run for real on
// this machine. The metadata block Docker runs before it starts: three
// network namespaces stand for the VM (it routes, and runs the block), a
// container behind it, and Azure's instance metadata service at
// 169.254.169.254 (an HTTP server). The block must stop the container, and only
// the container: the VM itself still reaches the service (its token command).
// The data disk and Docker's volumes on it (steps 1 and 2): in a chroot of the
// Debian base image (each "VM" a fresh overlay of it, in a mount namespace of
// its own), with a loop device as the disk at LUN 0. Only systemd is absent
// there: a systemctl that records its arguments.
jest.setTimeout(3 * 60_000);

const id = crypto.randomBytes(2).toString("hex");
const NS = { vm: `dsvm-${id}`, container: `dsct-${id}`, imds: `dsmd-${id}` };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-mdblock-"));
const script = path.join(dir, "dsenv-block-metadata");
let server: ChildProcess | undefined;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
const inNs = (ns: string, ...cmd: string[]) =>
    execFileSync("ip", ["netns", "exec", ns, ...cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** What an HTTP GET of the metadata service from a namespace gets: the status, or the error. */
function fetchMetadata(ns: string): string {
    const get = `import urllib.request, sys
try:
    print(urllib.request.urlopen("http://${METADATA_ADDRESS}/metadata", timeout=3).status)
except Exception as e:
    print(type(e).__name__, getattr(e, "reason", e))`;
    return inNs(ns, "python3", "-c", get).trim();
}

beforeAll(async () => {
    fs.writeFileSync(script, METADATA_BLOCK_SCRIPT, { mode: 0o755 });
    for (const ns of Object.values(NS)) ip("netns", "add", ns);
    // container <-> VM: the container's default route is the VM, as a bridge network's is the host.
    ip("link", "add", `c${id}`, "netns", NS.container, "type", "veth", "peer", "name", `v${id}`, "netns", NS.vm);
    // VM <-> metadata service, on the link-local network Azure puts it on.
    ip("link", "add", `m${id}`, "netns", NS.imds, "type", "veth", "peer", "name", `w${id}`, "netns", NS.vm);
    ip("-n", NS.container, "addr", "add", "10.99.0.2/24", "dev", `c${id}`);
    ip("-n", NS.vm, "addr", "add", "10.99.0.1/24", "dev", `v${id}`);
    ip("-n", NS.vm, "addr", "add", "169.254.0.1/16", "dev", `w${id}`);
    ip("-n", NS.imds, "addr", "add", `${METADATA_ADDRESS}/16`, "dev", `m${id}`);
    for (const [ns, dev] of [
        [NS.container, `c${id}`],
        [NS.vm, `v${id}`],
        [NS.vm, `w${id}`],
        [NS.imds, `m${id}`],
    ]) {
        ip("-n", ns, "link", "set", dev, "up");
        ip("-n", ns, "link", "set", "lo", "up");
    }
    ip("-n", NS.container, "route", "add", "default", "via", "10.99.0.1");
    ip("-n", NS.imds, "route", "add", "10.99.0.0/24", "via", "169.254.0.1");
    inNs(NS.vm, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    server = spawn("ip", ["netns", "exec", NS.imds, "python3", "-m", "http.server", "80", "--bind", METADATA_ADDRESS, "--directory", dir], {
        stdio: "ignore",
    });
    await waitFor(
        "the stand-in metadata service",
        () => fetchMetadata(NS.vm).startsWith("HTTPError") || fetchMetadata(NS.vm) === "200",
        30_000,
        500,
    );
});

afterAll(() => {
    server?.kill();
    for (const ns of Object.values(NS)) {
        try {
            ip("netns", "del", ns);
        } catch {
            // not created
        }
    }
    fs.rmSync(dir, { recursive: true, force: true });
});

const reached = (answer: string) => answer === "200" || answer.startsWith("HTTPError");

test("before the block, a container reaches the metadata service through the VM (the path works)", () => {
    expect(reached(fetchMetadata(NS.container))).toBe(true);
    expect(reached(fetchMetadata(NS.vm))).toBe(true);
});

test("after it, the container is refused, the VM itself is not", () => {
    inNs(NS.vm, "bash", script);
    expect(fetchMetadata(NS.container)).toMatch(/^URLError .*(Connection refused|No route to host)/);
    expect(reached(fetchMetadata(NS.vm))).toBe(true);
});

test("run again (every Docker start), it adds nothing: one rule, one jump", () => {
    inNs(NS.vm, "bash", script);
    const userRules = inNs(NS.vm, "iptables", "-S", "DOCKER-USER")
        .split("\n")
        .filter(l => l.startsWith("-A"));
    expect(userRules).toEqual([`-A DOCKER-USER -d ${METADATA_ADDRESS}/32 -j REJECT --reject-with icmp-port-unreachable`]);
    const jumps = inNs(NS.vm, "iptables", "-S", "FORWARD")
        .split("\n")
        .filter(l => l.includes("-j DOCKER-USER"));
    expect(jumps).toEqual(["-A FORWARD -j DOCKER-USER"]);
    expect(fetchMetadata(NS.container)).toMatch(/^URLError/);
});

describe("steps 1 and 2: the data disk, and Docker's volumes on it", () => {
    const image = path.join(dir, "data-disk.img");
    let loop = "";

    const rootfs = path.join(dir, "rootfs");

    beforeAll(() => {
        fs.writeFileSync(image, "");
        fs.truncateSync(image, 64 * 1024 * 1024);
        loop = execFileSync("losetup", ["-f", "--show", image], { encoding: "utf8" }).trim();
        fs.mkdirSync(rootfs);
        const container = execFileSync("docker", ["create", "dsenv/debian:bookworm", "true"], { encoding: "utf8" }).trim();
        try {
            execFileSync("bash", ["-c", `docker export ${container} | tar -x -C ${rootfs}`]);
        } finally {
            execFileSync("docker", ["rm", container], { stdio: "ignore" });
        }
    });

    afterAll(() => {
        if (loop) execFileSync("losetup", ["-d", loop]);
    });

    let boots = 0;
    /** A fresh "VM" (overlay of the base image) with the disk at LUN 0 runs the steps, then `after`; returns what it shows. */
    function bootWith(after: string): Record<string, string> {
        const vmDir = path.join(dir, `vm${++boots}`);
        for (const d of ["upper", "work", "root"]) fs.mkdirSync(path.join(vmDir, d), { recursive: true });
        fs.writeFileSync(path.join(vmDir, "upper", "steps.sh"), storageSteps({ dataDiskLun: 0 }));
        const inVm = `set -euo pipefail
mkdir -p /dev/disk/azure/scsi1 && ln -s ${loop} /dev/disk/azure/scsi1/lun0
printf '%s\\n' '#!/bin/sh' 'echo "$*" >> /tmp/systemctl.log' > /usr/local/bin/systemctl && chmod +x /usr/local/bin/systemctl
bash -euo pipefail /steps.sh > /tmp/steps.log 2>&1 || { cat /tmp/steps.log; exit 1; }
${after}
show() { echo "== $1"; cat "$2"; }
show fstab /etc/fstab
show docker-disk /etc/systemd/system/docker.service.d/dsenv-data-disk.conf
echo "== engine-config"; ls /etc/docker /etc/containerd /etc/systemd/system/containerd.service.d 2>/dev/null || true
echo "== volumes-mount"; findmnt -n -o SOURCE --mountpoint ${ENGINE_VOLUMES} || true
echo "== volumes"; ls ${ENGINE_VOLUMES} 2>/dev/null || true
show docker-metadata /etc/systemd/system/docker.service.d/dsenv-metadata-block.conf
show systemctl /tmp/systemctl.log
echo "== mount"; findmnt -n -o SOURCE,FSTYPE --mountpoint ${DATA_MOUNT}
echo "== label"; blkid -s LABEL -o value ${loop}
echo "== uuid"; blkid -s UUID -o value ${loop}
echo "== data"; ls ${DATA_MOUNT}; cat ${DATA_MOUNT}/notebook.txt 2>/dev/null || true
echo "== size"; df -B1M --output=size ${DATA_MOUNT} | tail -n 1
`;
        // Its own mount namespace: the overlay, /proc, a /dev with only the disk and null, all gone when it exits.
        const root = path.join(vmDir, "root");
        const setUp = `set -euo pipefail
mount -t overlay overlay -o lowerdir=${rootfs},upperdir=${vmDir}/upper,workdir=${vmDir}/work ${root}
mount -t proc proc ${root}/proc
mount -t tmpfs tmpfs ${root}/dev
for node in ${loop} /dev/null; do touch ${root}$node; mount --bind $node ${root}$node; done
exec chroot ${root} /bin/bash -c "$1"`;
        const out = execFileSync("unshare", ["-m", "--propagation", "private", "bash", "-c", setUp, "vm", inVm], { encoding: "utf8" });
        return Object.fromEntries(
            out
                .split(/^== /m)
                .filter(Boolean)
                .map(part => [part.slice(0, part.indexOf("\n")), part.slice(part.indexOf("\n") + 1).trim()]),
        );
    }

    let first: Record<string, string>;

    test("a blank disk is formatted, mounted on /data by UUID with nofail; Docker's volumes (only) live on it", () => {
        first = bootWith(
            `echo 'a notebook' > ${DATA_MOUNT}/notebook.txt; mkdir -p ${ENGINE_VOLUMES}/db/_data; echo rows > ${ENGINE_VOLUMES}/db/_data/table`,
        );
        expect(first.label).toBe("dsenv-data");
        expect(first.mount.split(/\s+/)).toEqual([loop, "ext4"]);
        expect(first.fstab.split("\n").filter(l => l.includes(DATA_MOUNT))).toEqual([
            `UUID=${first.uuid} ${DATA_MOUNT} ext4 defaults,nofail,discard 0 2`,
            `${DATA_VOLUMES} ${ENGINE_VOLUMES} none bind,nofail,x-systemd.requires-mounts-for=${DATA_MOUNT} 0 0`,
        ]);
        // The bind mount: the volume written under Docker's volumes directory is on the disk.
        expect(first["volumes-mount"]).toBe(`${loop}[${DATA_VOLUMES.slice(DATA_MOUNT.length)}]`);
        expect(first.data.split("\n")).toEqual(expect.arrayContaining(["notebook.txt", "volumes"]));
        // The engine's data root and containerd's root are where the packages put them: on the OS disk.
        expect(first["engine-config"]).toBe("");
        expect(first.data.split("\n")).not.toEqual(expect.arrayContaining(["docker"]));
    });

    test("Docker waits for its volumes; it blocks the metadata service before it starts", () => {
        expect(first["docker-disk"]).toBe(`[Unit]\nRequiresMountsFor=${ENGINE_VOLUMES}`);
        expect(first["docker-metadata"]).toBe(`[Service]\nExecStartPre=${METADATA_BLOCK_COMMAND}`);
        expect(first.systemctl).toBe("daemon-reload");
    });

    test("a new VM with the kept disk mounts it as it is: same file system, the data still there", () => {
        const second = bootWith("true");
        expect(second.uuid).toBe(first.uuid);
        expect(second.data.split("\n")).toEqual(expect.arrayContaining(["notebook.txt", "a notebook"]));
        expect(second.fstab.split("\n").filter(l => l.includes(DATA_MOUNT))).toHaveLength(2);
        expect(second.volumes).toBe("db");
    });

    test("a disk kept from a release with Docker's whole data root on it: the volumes move, the old engine state goes", () => {
        const old = `${DATA_MOUNT}/docker`;
        // What that release left: its data root (volumes, containers, networks, swarm) and containerd's root.
        const legacy = `umount ${ENGINE_VOLUMES}; rm -rf ${DATA_VOLUMES}; mkdir -p ${old}/volumes/olddb/_data ${old}/containers/c1 ${old}/network ${old}/swarm ${DATA_MOUNT}/containerd; echo kept > ${old}/volumes/olddb/_data/table`;
        bootWith(legacy);
        const third = bootWith("true");
        expect(third.volumes).toBe("olddb");
        expect(third.data.split("\n").filter(l => ["docker", "containerd"].includes(l))).toEqual([]);
    });

    test("a disk made larger between two boots (azureDataDiskGb raised): its file system grows at the next boot, the data kept", () => {
        const before = bootWith("true");
        fs.truncateSync(image, 160 * 1024 * 1024);
        // What a VM sees at its next boot: the disk at its new size.
        execFileSync("losetup", ["-c", loop]);
        const after = bootWith("true");
        expect(Number(before.size)).toBeLessThan(70);
        expect(Number(after.size)).toBeGreaterThan(140);
        expect(after.uuid).toBe(first.uuid);
        expect(after.data.split("\n")).toEqual(expect.arrayContaining(["notebook.txt", "a notebook", "volumes"]));
    });
});

describe("a swarm node's GPUs: advertised to the swarm, as dockerd reads them", () => {
    const gpuDir = path.join(dir, "swarm-gpus");
    const UUIDS = ["GPU-3b0e6c2a-51d7-4d6e-9f0b-0a1b2c3d4e5f", "GPU-8c9d0e1f-2a3b-4c5d-8e7f-1a2b3c4d5e6f"];
    /** What `nvidia-ctk runtime configure` leaves, and the toolkit's own config.toml. */
    const DAEMON_JSON = { runtimes: { nvidia: { args: [], path: "nvidia-container-runtime" } } };
    const TOOLKIT_TOML = [
        "#accept-nvidia-visible-devices-as-volume-mounts = false",
        '#swarm-resource = "DOCKER_RESOURCE_GPU"',
        "",
        "[nvidia-container-cli]",
        "environment = []",
        "",
    ].join("\n");
    let daemon: ChildProcess | undefined;
    let netns: NetNamespace | undefined;

    /**
     * Runs the script as root with /etc an overlay of this machine's (in a mount
     * namespace of its own: nothing here changes), `nvidia-smi` a stand-in that
     * lists `gpus`; returns the files it wrote, or its failure.
     */
    function advertise(
        run: string,
        gpus: string[],
        before = "true",
        command = SWARM_GPUS_COMMAND,
    ): { daemonJson?: string; toml?: string; error?: string } {
        const work = path.join(gpuDir, run);
        for (const d of ["upper", "work", "bin"]) fs.mkdirSync(path.join(work, d), { recursive: true });
        fs.writeFileSync(
            path.join(work, "bin", "nvidia-smi"),
            `#!/bin/sh\n[ "$*" = "--query-gpu=uuid --format=csv,noheader" ] || exit 9\nprintf '%s\\n' ${gpus.join(" ")}\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(work, "script"), SWARM_GPUS_SCRIPT, { mode: 0o755 });
        const inNamespace = `set -euo pipefail
mount -t overlay overlay -o lowerdir=/etc,upperdir=${work}/upper,workdir=${work}/work /etc
mkdir -p /etc/docker /etc/nvidia-container-runtime
${before}
PATH=${work}/bin:$PATH ${work}/script ${command.slice(SWARM_GPUS_COMMAND.length)}
cp /etc/docker/daemon.json ${work}/daemon.json
cp /etc/nvidia-container-runtime/config.toml ${work}/config.toml`;
        try {
            execFileSync("unshare", ["-m", "--propagation", "private", "bash", "-c", inNamespace], { encoding: "utf8", stdio: "pipe" });
        } catch (e) {
            return { error: String((e as { stderr?: string }).stderr ?? e) };
        }
        return {
            daemonJson: fs.readFileSync(path.join(work, "daemon.json"), "utf8"),
            toml: fs.readFileSync(path.join(work, "config.toml"), "utf8"),
        };
    }

    const seed = `echo '${JSON.stringify(DAEMON_JSON)}' > /etc/docker/daemon.json; printf '%s' '${TOOLKIT_TOML}' > /etc/nvidia-container-runtime/config.toml`;
    let first: ReturnType<typeof advertise>;

    afterAll(async () => {
        await stopDaemon(daemon);
        netns?.delete();
    });

    test("the GPUs go into daemon.json as NVIDIA-GPU resources, the nvidia runtime the default, Docker's other settings kept", () => {
        first = advertise("first", UUIDS, seed);
        expect(first.error).toBeUndefined();
        expect(JSON.parse(first.daemonJson!)).toEqual({
            ...DAEMON_JSON,
            "default-runtime": "nvidia",
            "node-generic-resources": UUIDS.map(u => `NVIDIA-GPU=${u}`),
        });
    });

    test("the runtime takes a task's GPUs from the variable swarm sets, a top-level key, the commented default gone", () => {
        const lines = first.toml!.split("\n");
        expect(lines[0]).toBe('swarm-resource = "DOCKER_RESOURCE_NVIDIA-GPU"');
        expect(lines.filter(l => l.includes("swarm-resource"))).toHaveLength(1);
        expect(lines).toEqual(
            expect.arrayContaining(["[nvidia-container-cli]", "#accept-nvidia-visible-devices-as-volume-mounts = false"]),
        );
        expect(lines.indexOf("[nvidia-container-cli]")).toBeGreaterThan(0);
    });

    test("a second run (every boot until set-up succeeded) changes nothing; no config files yet is fine too", () => {
        const again = advertise(
            "again",
            UUIDS,
            `${seed}; PATH=${path.join(gpuDir, "first", "bin")}:$PATH ${path.join(gpuDir, "first", "script")}`,
        );
        expect([again.daemonJson, again.toml]).toEqual([first.daemonJson, first.toml]);
        const fresh = advertise("fresh", UUIDS.slice(0, 1));
        expect(JSON.parse(fresh.daemonJson!)).toEqual({
            "default-runtime": "nvidia",
            "node-generic-resources": [`NVIDIA-GPU=${UUIDS[0]}`],
        });
        expect(fresh.toml).toBe('swarm-resource = "DOCKER_RESOURCE_NVIDIA-GPU"\n');
    });

    test("a machine whose driver lists no GPU fails the set-up instead of advertising none", () => {
        expect(advertise("none", []).error).toContain("nvidia-smi lists no GPU");
    });

    const d = path.join(gpuDir, "dockerd");
    const host = `unix://${d}/docker.sock`;
    const docker = (...args: string[]) => execFileSync("docker", ["-H", host, ...args], { encoding: "utf8", stdio: "pipe" }).trim();
    /** Starts the VM's dockerd with this daemon.json (its data root, the OS disk's, kept from one start to the next). */
    async function startEngine(daemonJson: string): Promise<void> {
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, "daemon.json"), JSON.stringify({ ...JSON.parse(daemonJson), "data-root": path.join(d, "data") }));
        netns ??= new NetNamespace(`dsgpu-${id}`);
        daemon = netns.spawnDockerd(
            ["--config-file", path.join(d, "daemon.json"), `--host=${host}`, `--exec-root=${d}/exec`, `--pidfile=${d}/docker.pid`],
            path.join(d, "dockerd.log"),
        );
        await waitFor("the second dockerd", () => docker("info", "--format", "{{.ID}}"), 60_000, 500);
    }
    const advertised = (json: string) =>
        ((JSON.parse(json) as { NamedResourceSpec?: { Kind: string; Value: string } }[] | null) ?? [])
            .map(r => `${r.NamedResourceSpec?.Kind}=${r.NamedResourceSpec?.Value}`)
            .sort();

    test("dockerd reads the file and advertises both GPUs, as the readiness probe checks", async () => {
        // A dockerd beside the machine's: its own socket and roots, and a network namespace of its own.
        await startEngine(first.daemonJson!);
        expect(advertised(docker("info", "--format", "{{json .GenericResources}}"))).toEqual(UUIDS.map(u => `NVIDIA-GPU=${u}`).sort());
        // The probe line of the readiness step, against this engine.
        expect(execFileSync("bash", ["-c", GPU_PROBE], { encoding: "utf8", env: { ...process.env, DOCKER_HOST: host } }).trim()).toBe(
            "gpus-advertised",
        );
        expect(docker("info", "--format", "{{.DefaultRuntime}}")).toBe("nvidia");
    });

    test("Docker runs the advertisement before every start (the drop-in the boot steps write)", () => {
        const steps = storageSteps({ dataDiskLun: 0, advertiseGpus: true });
        expect(steps).toContain(
            `printf '%s\\n' '[Service]' 'ExecStartPre=${SWARM_GPUS_AT_ENGINE_START}' > /etc/systemd/system/docker.service.d/dsenv-swarm-gpus.conf`,
        );
        expect(storageSteps({ dataDiskLun: 0 })).not.toContain("dsenv-swarm-gpus.conf");
    });

    test("a deallocated VM started on other GPUs: the next engine start advertises the new ones, and the swarm's node has them", async () => {
        docker("swarm", "init", "--advertise-addr", "127.0.0.1");
        const node = () => advertised(docker("node", "inspect", "self", "--format", "{{json .Description.Resources.GenericResources}}"));
        await waitFor("the node's GPUs in the swarm", () => (node().length === 2 ? true : undefined), 30_000, 500);
        expect(node()).toEqual(UUIDS.map(u => `NVIDIA-GPU=${u}`).sort());
        await stopDaemon(daemon);

        // The VM's /etc and OS disk as they were (deallocation keeps them); the host's GPUs are others.
        const OTHER = ["GPU-0a0a0a0a-1111-4222-8333-944444444444"];
        const keep = `echo '${first.daemonJson!.replace(/\n/g, " ")}' > /etc/docker/daemon.json; printf '%s' '${first.toml!}' > /etc/nvidia-container-runtime/config.toml`;
        const restart = advertise("restart", OTHER, keep, SWARM_GPUS_AT_ENGINE_START);
        expect(restart.error).toBeUndefined();
        await startEngine(restart.daemonJson!);
        expect(advertised(docker("info", "--format", "{{json .GenericResources}}"))).toEqual([`NVIDIA-GPU=${OTHER[0]}`]);
        await waitFor("the node's new GPUs in the swarm", () => (node().length === 1 ? true : undefined), 30_000, 500);
        expect(node()).toEqual([`NVIDIA-GPU=${OTHER[0]}`]);
        docker("swarm", "leave", "--force");
    });

    test("at an engine start where the driver lists no GPU, none are advertised (no stale ids) and Docker still starts", () => {
        const keep = `echo '${first.daemonJson!.replace(/\n/g, " ")}' > /etc/docker/daemon.json`;
        const none = advertise("none-at-start", [], keep, SWARM_GPUS_AT_ENGINE_START);
        expect(none.error).toBeUndefined();
        const config = JSON.parse(none.daemonJson!);
        expect(config).toEqual({ ...DAEMON_JSON, "default-runtime": "nvidia" });
    });
});
