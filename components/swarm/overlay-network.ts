import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../engine";
import { toLabelList } from "../labels";

export interface OverlayNetworkArgs {
    /** The swarm's manager. */
    manager: DockerEngine;
    networkName: string;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The workloads' network across the swarm's nodes: an overlay network, so that
 * a service on one node reaches another on a second node by name, and
 * attachable, so that a plain `docker run --network` container (a one-off job,
 * a debugging shell) can join it too.
 */
export class OverlayNetwork extends pulumi.ComponentResource {
    readonly id: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: OverlayNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:swarm:OverlayNetwork", name, {}, opts);
        const network = new docker.Network(
            name,
            { name: args.networkName, driver: "overlay", attachable: true, labels: toLabelList({ "dsenv.network": name }) },
            args.manager.on(this, { dependsOn: args.dependsOn }),
        );
        this.id = network.id;
        this.name = network.name;
        this.registerOutputs({ name: this.name });
    }
}
