import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GpuRequest } from "../gpu";
import { ContainerImage } from "../image";
import { Runtime, RunningWorkload } from "../runtime";
import type { WorkDir } from "../volume";
import { workDirMount, workDirPlacement } from "../work-dir";

export const RSTUDIO_PORT = 8787;
/** The project directory inside the container. */
export const RSTUDIO_PROJECT_DIR = "/home/rstudio/rproject";
export const RSTUDIO_IMAGE_CONTEXT = path.join(__dirname, "..", "..", "images", "rstudio");

export interface RStudioServerArgs {
    runtime: Runtime;
    namePrefix: string;
    /** The R image RStudio Server is installed on (the Kaggle GPU R image by default). */
    baseImage: string;
    /** The pinned RStudio Server release, checked against what the .deb installs. */
    rstudioVersion: string;
    /** The rstudio-server .deb of that release for the base image's Ubuntu release. */
    downloadUrl: string;
    /** The project directory, mounted at /home/rstudio/rproject. */
    projectDir: WorkDir;
    publish: { hostPort: number; hostIp?: string };
    gpus?: GpuRequest;
}

/**
 * RStudio Server on an R image, replacing
 * `docker run -d -p 8787:8787 --gpus all -v ~/rproject:/home/rstudio/rproject ... rstudio-server start && tail -f /dev/null`:
 * rserver runs in the foreground as the container's main process, and user
 * rstudio logs in with a generated password handed in at start.
 */
export class RStudioServer extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    /** The password of user rstudio, secret. */
    readonly password: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly hostPort: number;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: RStudioServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:RStudioServer", name, {}, opts);
        const child = { parent: this };

        const password = new random.RandomPassword(`${name}-password`, { length: 24, special: false }, child);
        this.password = pulumi.secret(password.result);

        this.image = args.runtime.image(this, `${name}-image`, {
            repository: "dsenv/rstudio",
            build: {
                context: RSTUDIO_IMAGE_CONTEXT,
                args: { BASE_IMAGE: args.baseImage, RSTUDIO_VERSION: args.rstudioVersion, RSTUDIO_DEB_URL: args.downloadUrl },
            },
        });
        const placement = workDirPlacement(args.projectDir, "rstudio");

        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-rstudio`,
                image: this.image.ref,
                ports: [{ containerPort: RSTUDIO_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                // The entrypoint sets it for user rstudio and drops it from rserver's environment.
                secretEnv: { PASSWORD: this.password },
                mounts: [
                    workDirMount(
                        this,
                        `${name}-project`,
                        args.runtime,
                        `${args.namePrefix}-rstudio-project`,
                        args.projectDir,
                        RSTUDIO_PROJECT_DIR,
                        placement,
                    ),
                ],
                gpus: args.gpus,
                // bash's /dev/tcp: the R images carry bash, not necessarily curl.
                healthcheck: {
                    test: ["CMD", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${RSTUDIO_PORT}`],
                    interval: "5s",
                    retries: 30,
                    startPeriod: "10s",
                },
            },
            placement,
        );

        this.hostPort = args.publish.hostPort;
        this.url = pulumi.output(args.runtime.url(args.publish, placement));
        this.containerName = this.service.name;
        this.registerOutputs({ url: this.url, password: this.password, containerName: this.containerName });
    }
}
