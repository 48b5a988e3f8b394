import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "./engine";
import { toLabelList } from "./labels";

export interface BridgeNetworkArgs {
    engine: DockerEngine;
    /** The network's name on the engine. */
    networkName: string;
    /** No route out of the network: containers on it reach each other only. */
    internal?: boolean;
    labels?: Record<string, string>;
}

/**
 * A user-defined bridge network: containers on it find each other by name and
 * alias, the modern replacement for `--link`.
 */
export class BridgeNetwork extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly id: pulumi.Output<string>;

    constructor(name: string, args: BridgeNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:docker:BridgeNetwork", name, {}, opts);
        const network = new docker.Network(
            name,
            {
                name: args.networkName,
                driver: "bridge",
                internal: args.internal ?? false,
                labels: toLabelList(args.labels ?? {}),
            },
            args.engine.on(this),
        );
        this.name = network.name;
        this.id = network.id;
        this.registerOutputs({ name: this.name });
    }
}
