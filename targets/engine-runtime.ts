import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../components/engine";
import { EngineRuntime } from "../components/engine-runtime";
import { PushTarget } from "../components/image";
import { BridgeNetwork } from "../components/network";
import { RestartPolicy } from "../components/service";

export interface OneEngineArgs {
    engine: DockerEngine;
    namePrefix: string;
    restart: RestartPolicy;
    buildEngine?: DockerEngine;
    push?: PushTarget;
}

/**
 * The runtime of the local and azure targets: one engine, the workloads'
 * bridge network on it. The network kept its place in the state when it moved
 * here from the Workspace component (an alias), so existing stacks keep it.
 */
export function oneEngineRuntime(args: OneEngineArgs): { runtime: EngineRuntime; network: BridgeNetwork } {
    const network = new BridgeNetwork(
        "workspace-net",
        { engine: args.engine, networkName: `${args.namePrefix}-net` },
        { aliases: [{ parent: pulumi.createUrn("workspace", "dsenv:workloads:Workspace") }] },
    );
    const runtime = new EngineRuntime({
        engine: args.engine,
        network,
        restart: args.restart,
        buildEngine: args.buildEngine,
        push: args.push,
    });
    return { runtime, network };
}
