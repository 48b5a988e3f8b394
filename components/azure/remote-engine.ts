import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, RegistryLogin } from "../engine";
import { GPU_RESOURCE } from "../gpu";
import { ACR_TOKEN_COMMAND, READY_MARKER } from "./cloud-init";
import { GpuVm } from "./gpu-vm";
import { ContainerRegistry } from "./registry";
import { ACR_TOKEN_USER } from "./registry-login";
import { pinHostKey } from "./host-key";
import { fetchPullToken, HostReadiness, pinnedHostKeyOptions, SshTarget } from "./remote-host";
import { defaultControlDir, ensureControlDir, multiplexedSshOptions } from "./ssh-multiplexing";

/** What the readiness step runs with --gpus all: NVIDIA's own sample workload (the toolkit mounts nvidia-smi into it). */
export const GPU_CHECK_IMAGE = "ubuntu:22.04";

/** On a swarm node: the GPUs advertised to the swarm (the boot script's SWARM_GPUS_SCRIPT, read by dockerd). */
export const GPU_PROBE = `docker info --format '{{json .GenericResources}}' 2>/dev/null | grep -q '"${GPU_RESOURCE}"' && echo gpus-advertised`;

// One token a line for each condition that holds; cloud-init's log tail when set-up failed.
// The GPU is proved end to end: the driver on the host, and a container Docker
// starts with --gpus all (runtime, toolkit, driver libraries) seeing it too.
const PROBE = [
    `cloud-init status 2>/dev/null | grep -qE 'status: (done|error|degraded)' && echo cloud-init-finished`,
    `test -f ${READY_MARKER} && echo setup-done`,
    `test -f ${READY_MARKER} || { cloud-init status 2>/dev/null | grep -q 'status: error' && echo setup-failed && sudo tail -n 25 /var/log/cloud-init-output.log; }`,
    `runtimes="$(docker info --format '{{json .Runtimes}}' 2>/dev/null)" && echo docker-answers`,
    `echo "$runtimes" | grep -q '"nvidia"' && echo nvidia-runtime`,
    `nvidia-smi -L >/dev/null 2>&1 && echo gpu-visible`,
    `test -f ${READY_MARKER} && docker run --rm --gpus all ${GPU_CHECK_IMAGE} nvidia-smi -L >/dev/null 2>&1 && echo gpu-in-container`,
    GPU_PROBE,
    "true",
].join("; ");

export interface RemoteEngineArgs {
    vm: GpuVm;
    /** The private key that goes with the VM's authorized public key. */
    privateKeyPath: string;
    /** Where the pinned host keys' known_hosts files are written (components/azure/host-key.ts). */
    knownHostsDir?: string;
    /** Where ssh keeps the control sockets of its shared connections. */
    sshControlDir?: string;
    /** Pull from this registry with the VM's managed identity. */
    registry?: ContainerRegistry;
    /** The VM's AcrPull role assignment: the token is fetched after it exists. */
    pullAccess?: pulumi.Resource;
    /** The token must be able to pull this repository before the engine uses it (the assignment takes minutes to apply). */
    pullCheckRepository?: string;
    /** How long the first boot may take (driver, packages): 30 minutes by default. */
    timeoutSeconds?: number;
    /**
     * The VM is a swarm node: the swarm declares its engine's provider (once the
     * node has joined), so none is made here; on a GPU size the readiness step
     * also waits for the GPUs advertised to the swarm.
     */
    swarmNode?: boolean;
}

/**
 * The Docker engine on the GPU VM, over ssh://<admin>@<public ip>. The provider
 * is configured only after the readiness step saw cloud-init finished, Docker
 * answering, the nvidia runtime registered (and, on a GPU size, the GPU visible
 * on the host and in a container), so the first `pulumi up` after creating the
 * VM does not fail on a half-booted host. What runs on it is deleted with the
 * VM: destroy does not need to reach a VM that is deallocated or gone; and
 * made again on a replaced VM in the same run (components/managed-machine.ts).
 */
export class RemoteEngine extends pulumi.ComponentResource {
    /** The engine's provider; none on a swarm node (the swarm makes it). */
    readonly engine?: DockerEngine;
    readonly readiness: HostReadiness;
    /** The VM identity's registry token, fetched anew on every run (secret). */
    readonly pullToken?: pulumi.Output<string>;
    /** ssh://<admin>@<public ip> */
    readonly host: pulumi.Output<string>;
    readonly target: pulumi.Output<SshTarget>;
    /** The ssh options of every connection to the engine (the known_hosts file is known once the host key is). */
    readonly sshOptions: pulumi.Output<string[]>;

    constructor(name: string, args: RemoteEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:RemoteEngine", name, {}, opts);
        const vm = args.vm;
        const controlDir = args.sshControlDir ?? defaultControlDir();
        ensureControlDir(controlDir);
        const multiplexing = multiplexedSshOptions(controlDir);
        // The host key the stack made, pinned under the VM's name: ssh trusts nothing on first use.
        const hostKeyAlias = vm.vmName;
        const knownHostsPath = vm.hostPublicKey.apply(key => pinHostKey(hostKeyAlias, key, args.knownHostsDir));
        this.sshOptions = knownHostsPath.apply(file => [
            "-i",
            args.privateKeyPath,
            ...pinnedHostKeyOptions({ knownHostsPath: file, hostKeyAlias }),
            "-o",
            "ServerAliveInterval=30",
            ...multiplexing,
        ]);
        this.target = pulumi.all([vm.publicIp, knownHostsPath]).apply(([host, file]) => ({
            host,
            user: vm.adminUser,
            privateKeyPath: args.privateKeyPath,
            knownHostsPath: file,
            hostKeyAlias,
        }));
        this.host = pulumi.interpolate`ssh://${vm.adminUser}@${vm.publicIp}`;

        const gpu = vm.hasGpu ? ["gpu-visible", "gpu-in-container", ...(args.swarmNode ? ["gpus-advertised"] : [])] : [];
        const required = ["cloud-init-finished", "setup-done", "docker-answers", "nvidia-runtime", ...gpu];
        this.readiness = new HostReadiness(
            `${name}-ready`,
            {
                target: this.target,
                probeCommand: PROBE,
                required,
                fatal: "setup-failed",
                timeoutSeconds: args.timeoutSeconds ?? 1800,
                // A new VM (same address or not) is probed again.
                trigger: vm.vm.vmId,
            },
            // The boot script may reboot the VM once for the driver: the probe waits through it.
            { parent: this, dependsOn: [vm.vm, vm.dataDisk] },
        );

        const logins: RegistryLogin[] = [];
        if (args.registry) {
            // Not a resource: a token in the state would change on every run, and so would the
            // stack. It is fetched anew each run (registry tokens last ~3 hours) and handed to
            // the provider, whose registry logins compare without their credentials. The same
            // multiplexed ssh options: this connection becomes the master the engine reuses.
            const repository = args.pullCheckRepository ?? "";
            const after: pulumi.Output<string>[] = [
                this.readiness.id,
                ...(args.pullAccess instanceof pulumi.CustomResource ? [args.pullAccess.id] : []),
            ];
            this.pullToken = pulumi.secret(
                pulumi
                    .all([this.target, args.registry.loginServer, pulumi.all(after)])
                    .apply(([target, server]) =>
                        fetchPullToken(target, `${ACR_TOKEN_COMMAND} ${server} ${repository}`.trim(), { sshOptions: multiplexing }),
                    ),
            );
            logins.push({ server: args.registry.loginServer, username: ACR_TOKEN_USER, password: this.pullToken });
        }

        if (args.swarmNode) {
            this.registerOutputs({ host: this.host });
            return;
        }
        this.engine = new DockerEngine(
            `${name}-docker`,
            {
                host: this.host,
                isLocal: false,
                sshOpts: this.sshOptions,
                registryLogins: logins,
                readyAfter: [this.readiness],
                machine: vm.machine,
            },
            { parent: this },
        );
        this.registerOutputs({ host: this.host });
    }
}
