import * as pulumi from "@pulumi/pulumi";
import { GpuRequest } from "../gpu";
import { ContainerImage } from "../image";
import { Runtime, RunningWorkload } from "../runtime";
import type { WorkDir } from "../volume";
import { workDirMount, workDirPlacement } from "../work-dir";

export const PYTORCH_DEFAULT_IMAGE = "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel";
/** Idle but alive: work happens through `docker exec`, and the container never exits on its own. */
export const PYTORCH_IDLE_COMMAND = ["sleep", "infinity"];

export interface PyTorchWorkspaceArgs {
    runtime: Runtime;
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
}

/**
 * The seed's compose service (`shm_size: 2gb`, `runtime: nvidia`,
 * `NVIDIA_VISIBLE_DEVICES=all`, `/home/patrick:/home`) as a long-running
 * container: `docker exec -it <container> nvidia-smi` or `python train.py`.
 */
export class PyTorchWorkspace extends pulumi.ComponentResource {
    readonly containerName: pulumi.Output<string>;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: PyTorchWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:PyTorchWorkspace", name, {}, opts);
        this.image = args.runtime.image(this, `${name}-image`, { pull: args.image ?? PYTORCH_DEFAULT_IMAGE });
        const placement = workDirPlacement(args.homeDir, "pytorch");
        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-pytorch`,
                image: this.image.ref,
                gpus: args.gpus,
                gpuCapable: true,
                shmSizeMb: args.shmSizeMb ?? 2048,
                mounts: [workDirMount(this, `${name}-home`, args.runtime, `${args.namePrefix}-pytorch-home`, args.homeDir, args.homeTarget ?? "/home", placement)],
                command: args.command ?? PYTORCH_IDLE_COMMAND,
                // sleep as PID 1 ignores SIGTERM and has nothing to save: no need to wait the full 30 s.
                stopGraceSeconds: args.command ? undefined : 5,
            },
            placement,
        );
        this.containerName = this.service.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
