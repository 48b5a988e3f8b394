import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../engine";
import { GpuRequest, gpusFlag, nvidiaEnv } from "../gpu";
import { ContainerImage } from "../image";
import { BridgeNetwork } from "../network";
import { RestartPolicy, Service } from "../service";
import { WorkDir, workDirMount } from "../volume";

export const PYTORCH_DEFAULT_IMAGE = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel";
/** Idle but alive: work happens through `docker exec`, and the container never exits on its own. */
export const PYTORCH_IDLE_COMMAND = ["sleep", "infinity"];

export interface PyTorchWorkspaceArgs {
    engine: DockerEngine;
    network?: BridgeNetwork;
    namePrefix: string;
    /** Default: a pinned pytorch/pytorch CUDA devel image. */
    image?: string;
    gpus?: GpuRequest;
    /** /dev/shm in MiB (default 2048): DataLoader workers share batches through it, Docker's 64 is too small. */
    shmSizeMb?: number;
    /** The seed's `/home/patrick:/home`. */
    homeDir: WorkDir;
    /** Where homeDir appears in the container (default /home, as in the seed). */
    homeTarget?: string;
    command?: string[];
    restart?: RestartPolicy;
}

/**
 * The seed's compose service (`shm_size: 2gb`, `runtime: nvidia`,
 * `NVIDIA_VISIBLE_DEVICES=all`, `/home/patrick:/home`) as a long-running
 * container: `docker exec -it <container> nvidia-smi` or `python train.py`.
 */
export class PyTorchWorkspace extends pulumi.ComponentResource {
    readonly containerName: pulumi.Output<string>;
    readonly image: ContainerImage;
    readonly service: Service;

    constructor(name: string, args: PyTorchWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:PyTorchWorkspace", name, {}, opts);
        const child = { parent: this };

        this.image = new ContainerImage(`${name}-image`, { engine: args.engine, source: { pull: args.image ?? PYTORCH_DEFAULT_IMAGE } }, child);
        this.service = new Service(
            name,
            {
                engine: args.engine,
                containerName: `${args.namePrefix}-pytorch`,
                image: this.image.ref,
                gpus: gpusFlag(args.gpus),
                env: nvidiaEnv(args.gpus),
                shmSizeMb: args.shmSizeMb ?? 2048,
                mounts: [workDirMount(this, `${name}-home`, args.engine, `${args.namePrefix}-pytorch-home`, args.homeDir, args.homeTarget ?? "/home")],
                command: args.command ?? PYTORCH_IDLE_COMMAND,
                networks: args.network ? [{ network: args.network }] : [],
                // sleep as PID 1 ignores SIGTERM and has nothing to save: no need to wait the full 30 s.
                stopGraceSeconds: args.command ? undefined : 5,
                restart: args.restart,
            },
            child,
        );
        this.containerName = this.service.containerName;
        this.registerOutputs({ containerName: this.containerName });
    }
}
