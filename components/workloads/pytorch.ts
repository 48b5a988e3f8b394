import * as pulumi from "@pulumi/pulumi";
import { GpuRequest } from "../gpu";
import { ContainerImage } from "../image";
import { Runtime, RunningWorkload } from "../runtime";
import type { WorkDir } from "../volume";
import { workDirMount, workDirPlacement } from "../work-dir";

export interface PyTorchWorkspaceArgs {
    runtime: Runtime;
    namePrefix: string;
    /** A PyTorch image, e.g. a pytorch/pytorch CUDA devel image. */
    image: string;
    gpus?: GpuRequest;
    /** /dev/shm in MiB: DataLoader workers share batches through it, Docker's 64 is too small. */
    shmSizeMb: number;
    /** The user's home directory (a host directory or a named volume). */
    homeDir: WorkDir;
    /** Where homeDir appears in the container (default /home). */
    homeTarget?: string;
    /** The container's main process; `["sleep", "infinity"]` keeps it idle but alive, for work through `docker exec`. */
    command: string[];
}

/**
 * A PyTorch GPU workspace (a compose service's `shm_size: 2gb`, `runtime:
 * nvidia`, `NVIDIA_VISIBLE_DEVICES=all`, `~:/home`) as a long-running
 * container: `docker exec -it <container> nvidia-smi` or `python train.py`.
 */
export class PyTorchWorkspace extends pulumi.ComponentResource {
    readonly containerName: pulumi.Output<string>;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: PyTorchWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:PyTorchWorkspace", name, {}, opts);
        this.image = args.runtime.image(this, `${name}-image`, { pull: args.image });
        const placement = workDirPlacement(args.homeDir, "pytorch");
        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-pytorch`,
                image: this.image.ref,
                gpus: args.gpus,
                gpuCapable: true,
                shmSizeMb: args.shmSizeMb,
                mounts: [
                    workDirMount(
                        this,
                        `${name}-home`,
                        args.runtime,
                        `${args.namePrefix}-pytorch-home`,
                        args.homeDir,
                        args.homeTarget ?? "/home",
                        placement,
                    ),
                ],
                command: args.command,
                // sleep as PID 1 ignores SIGTERM and has nothing to save: no need to wait the full 30 s.
                stopGraceSeconds: args.command[0] === "sleep" ? 5 : undefined,
            },
            placement,
        );
        this.containerName = this.service.name;
        this.registerOutputs({ containerName: this.containerName });
    }
}
