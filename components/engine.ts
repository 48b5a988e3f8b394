import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ManagedMachine } from "./managed-machine";

export interface RegistryLogin {
    /** host[:port], as image references name it. */
    server: pulumi.Input<string>;
    /**
     * The registry speaks plain HTTP, not HTTPS. The engine must allow that
     * too: it does for 127.0.0.0/8, elsewhere only with `insecure-registries`.
     */
    plainHttp?: boolean;
    /** No username: the registry wants no login. */
    username?: pulumi.Input<string>;
    password?: pulumi.Input<string>;
}

export interface DockerEngineArgs {
    /** unix:///var/run/docker.sock, tcp://host:port or ssh://user@host; undefined is the local default socket. */
    host?: pulumi.Input<string>;
    /** Extra ssh options for an ssh:// host (e.g. a key file, StrictHostKeyChecking); an Output where they depend on a resource (a pinned host key's file). */
    sshOpts?: pulumi.Input<pulumi.Input<string>[]>;
    /** Registries this engine pulls from and pushes to. */
    registryLogins?: RegistryLogin[];
    /** Whether host paths are on the machine running Pulumi (only then can they be checked up front). */
    isLocal?: boolean;
    /** The engine runs a healthcheck's start interval (API >= 1.44); older engines refuse a container with one. */
    healthStartInterval?: boolean;
    /**
     * Resources that must be ready before the engine is talked to: for a fresh
     * VM, the step that waits until cloud-init finished and Docker answers.
     */
    readyAfter?: pulumi.Input<pulumi.Resource>[];
    /**
     * The machine the engine runs on, when this program manages it: everything
     * declared on the engine is deleted with it, so destroy needs no
     * connection to a machine that is stopped or gone; and what the engine
     * keeps on the machine's disk is made again when the machine is replaced.
     */
    machine?: ManagedMachine;
}

/**
 * A Docker engine to declare images, networks, volumes and containers on.
 * Every other component takes one, so the same workloads run on the local
 * engine or on a remote one without change.
 */
export class DockerEngine extends pulumi.ComponentResource {
    readonly provider: docker.Provider;
    /** The engine's address as the provider sees it ("" for the local default). */
    readonly host: pulumi.Output<string>;
    readonly isLocal: boolean;
    /** Containers on it get a healthcheck start interval (DockerEngineArgs.healthStartInterval). */
    readonly healthStartInterval: boolean;
    private readonly machine?: ManagedMachine;

    /** The engine runs on a machine this program manages (DockerEngineArgs.machine). */
    get onManagedMachine(): boolean {
        return this.machine !== undefined;
    }

    constructor(name: string, args: DockerEngineArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:docker:Engine", name, {}, opts);
        this.isLocal = args.isLocal ?? args.host === undefined;
        this.healthStartInterval = args.healthStartInterval ?? false;
        this.machine = args.machine;
        this.provider = new docker.Provider(
            name,
            {
                host: args.host,
                // None rather than []: the provider's config stays as it was for engines without options.
                sshOpts: args.sshOpts === undefined ? undefined : pulumi.output(args.sshOpts).apply(o => (o.length ? o : undefined)),
                registryAuth: args.registryLogins?.map(registryAuth),
            },
            { parent: this, dependsOn: args.readyAfter },
        );
        this.host = pulumi.output(args.host ?? "");
        this.registerOutputs({ host: this.host });
    }

    /**
     * Options for a resource declared on this engine, under the given parent: on
     * a managed machine, it is made again when the machine is replaced (the
     * engine keeps it on the machine's own disk).
     */
    on(parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return this.onData(parent, { ...(this.machine ? { replaceWith: [this.machine.resource] } : {}), ...extra });
    }

    /**
     * Options for a named volume on this engine: on a managed machine, its data
     * is on the kept data disk, where the next machine finds it; it is not made
     * again when the machine is replaced.
     */
    onData(parent: pulumi.Resource, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { ...(this.machine ? { deletedWith: this.machine.incarnation } : {}), ...extra, parent, provider: this.provider };
    }
}

/**
 * One registry login as the provider takes it. The address carries the scheme:
 * the provider reads pushed digests over HTTPS unless it says http://.
 */
function registryAuth(login: RegistryLogin): docker.types.input.ProviderRegistryAuth {
    const address = login.plainHttp ? pulumi.interpolate`http://${login.server}` : login.server;
    // Without authDisabled, a login with no credentials makes the provider read
    // ~/.docker/config.json, and fail on every resource where there is none.
    if (login.username === undefined) return { address, authDisabled: true };
    return { address, username: login.username, password: login.password === undefined ? undefined : pulumi.secret(login.password) };
}
