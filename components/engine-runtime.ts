import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "./engine";
import { gpusFlag, nvidiaEnv } from "./gpu";
import { ContainerImage, ImageSource, PushTarget } from "./image";
import { BridgeNetwork } from "./network";
import { Placement, Runtime, RunningWorkload, SpawnTarget } from "./runtime";
import { browsableUrl, RestartPolicy, Service } from "./service";
import { DataVolume } from "./volume";
import { WorkloadSpec } from "./workload-spec";

export interface EngineRuntimeArgs {
    engine: DockerEngine;
    /** The workloads' network: every workload reaches the others by name there. */
    network: BridgeNetwork;
    restart: RestartPolicy;
    /** Build images on this engine and push them here, then run them by digest; default: build where they run. */
    buildEngine?: DockerEngine;
    push?: PushTarget;
}

/** One Docker engine: each spec becomes a container on it, on the workloads' bridge network. */
export class EngineRuntime implements Runtime {
    constructor(readonly args: EngineRuntimeArgs) {}

    image(parent: pulumi.Resource, name: string, source: ImageSource): ContainerImage {
        const { engine, buildEngine, push } = this.args;
        // Pulled images need no build engine nor registry.
        const built = "build" in source ? { buildEngine, push } : {};
        return new ContainerImage(name, { engine, source, ...built }, { parent });
    }

    volume(parent: pulumi.Resource, name: string, args: { volumeName: string; keepOnDestroy: boolean }, _placement: Placement): DataVolume {
        return new DataVolume(name, { engine: this.args.engine, ...args }, { parent });
    }

    run(parent: pulumi.Resource, name: string, spec: WorkloadSpec, _placement: Placement): RunningWorkload {
        const { name: containerName, aliases, fileSecrets, secretEnv, gpus, gpuCapable, env, ...rest } = spec;
        const service = new Service(
            name,
            {
                ...rest,
                engine: this.args.engine,
                containerName,
                gpus: gpusFlag(gpus),
                env: gpus !== undefined || gpuCapable ? { ...nvidiaEnv(gpus), ...env } : env,
                // One engine hands file secrets over as secret environment values (the image reads VAR as well as VAR_FILE).
                secretEnv: { ...secretEnv, ...fileSecrets },
                networks: [{ network: this.args.network, aliases }],
                restart: this.args.restart,
            },
            { parent },
        );
        return { name: service.containerName, resource: service };
    }

    spawnTarget(_placement: Placement): SpawnTarget {
        return { kind: "engine", network: this.args.network.name, registryLogins: [] };
    }

    url(published: { hostPort: number; hostIp?: string }, _placement: Placement): string {
        return browsableUrl(published.hostIp ?? "127.0.0.1", published.hostPort);
    }
}
