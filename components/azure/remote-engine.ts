import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, RegistryLogin } from "../engine";
import { ACR_TOKEN_COMMAND, READY_MARKER } from "./cloud-init";
import { GpuVm } from "./gpu-vm";
import { ContainerRegistry } from "./registry";
import { ACR_TOKEN_USER } from "./registry-login";
import { HostReadiness, ManagedIdentityPullToken, SshTarget } from "./remote-host";

/** Where the project keeps the VMs' host keys (apart from ~/.ssh/known_hosts, see SshTarget). */
export const DEFAULT_KNOWN_HOSTS = path.join(os.homedir(), ".dsenv", "known_hosts");

// One token a line for each condition that holds; cloud-init's log tail when set-up failed.
const PROBE = [
    `cloud-init status 2>/dev/null | grep -qE 'status: (done|error|degraded)' && echo cloud-init-finished`,
    `test -f ${READY_MARKER} && echo setup-done`,
    `test -f ${READY_MARKER} || { cloud-init status 2>/dev/null | grep -q 'status: error' && echo setup-failed && sudo tail -n 25 /var/log/cloud-init-output.log; }`,
    `runtimes="$(docker info --format '{{json .Runtimes}}' 2>/dev/null)" && echo docker-answers`,
    `echo "$runtimes" | grep -q '"nvidia"' && echo nvidia-runtime`,
    `nvidia-smi -L >/dev/null 2>&1 && echo gpu-visible`,
    "true",
].join("; ");

export interface RemoteEngineArgs {
    vm: GpuVm;
    /** The private key that goes with the VM's authorized public key. */
    privateKeyPath: string;
    knownHostsPath?: string;
    /** Pull from this registry with the VM's managed identity. */
    registry?: ContainerRegistry;
    /** The VM's AcrPull role assignment: the token is fetched after it exists. */
    pullAccess?: pulumi.Resource;
    /** How long the first boot may take (driver, packages): 30 minutes by default. */
    timeoutSeconds?: number;
}

/**
 * The Docker engine on the GPU VM, over ssh://<admin>@<public ip>. The provider
 * is configured only after the readiness step saw cloud-init finished, Docker
 * answering, the nvidia runtime registered (and, on a GPU size, the GPU visible),
 * so the first `pulumi up` after creating the VM does not fail on a half-booted host.
 */
export class RemoteEngine extends pulumi.ComponentResource {
    readonly engine: DockerEngine;
    readonly readiness: HostReadiness;
    readonly pullToken?: ManagedIdentityPullToken;
    /** ssh://<admin>@<public ip> */
    readonly host: pulumi.Output<string>;
    readonly target: pulumi.Output<SshTarget>;

    constructor(name: string, args: RemoteEngineArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:RemoteEngine", name, {}, opts);
        const vm = args.vm;
        const knownHostsPath = args.knownHostsPath ?? DEFAULT_KNOWN_HOSTS;
        this.target = vm.publicIp.apply(host => ({ host, user: vm.adminUser, privateKeyPath: args.privateKeyPath, knownHostsPath }));
        this.host = pulumi.interpolate`ssh://${vm.adminUser}@${vm.publicIp}`;

        const required = ["cloud-init-finished", "setup-done", "docker-answers", "nvidia-runtime", ...(vm.hasGpu ? ["gpu-visible"] : [])];
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
            // The driver extension may reboot the VM: probe once it is done.
            { parent: this, dependsOn: [vm.vm, vm.dataDisk, ...(vm.driver ? [vm.driver] : [])] },
        );

        const logins: RegistryLogin[] = [];
        if (args.registry) {
            this.pullToken = new ManagedIdentityPullToken(
                `${name}-pull-token`,
                { target: this.target, tokenCommand: pulumi.interpolate`${ACR_TOKEN_COMMAND} ${args.registry.loginServer}` },
                { parent: this, dependsOn: [this.readiness, ...(args.pullAccess ? [args.pullAccess] : [])] },
            );
            logins.push({ server: args.registry.loginServer, username: ACR_TOKEN_USER, password: this.pullToken.refreshToken });
        }

        this.engine = new DockerEngine(
            `${name}-docker`,
            {
                host: this.host,
                isLocal: false,
                sshOpts: ["-i", args.privateKeyPath, "-o", "StrictHostKeyChecking=accept-new", "-o", `UserKnownHostsFile=${knownHostsPath}`, "-o", "ServerAliveInterval=30"],
                registryLogins: logins,
                readyAfter: [this.readiness],
            },
            { parent: this },
        );
        this.registerOutputs({ host: this.host });
    }
}
