import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GpuRequest } from "../gpu";
import { ContainerImage } from "../image";
import { Runtime, RunningWorkload } from "../runtime";
import type { WorkDir } from "../volume";
import { workDirMount, workDirPlacement } from "../work-dir";

export const LAB_PORT = 8080;
export const LAB_WORKSPACE = "/workspace";
export const LAB_IMAGE_CONTEXT = path.join(__dirname, "..", "..", "images", "lab");

export interface LabProxy {
    httpProxy?: string;
    httpsProxy?: string;
    /** pip's --proxy, for a proxy that only pip should use. */
    pipProxy?: string;
}

export interface SharedLabArgs {
    runtime: Runtime;
    namePrefix: string;
    /** Default in images/lab: a pinned tensorflow/tensorflow GPU image. */
    baseImage: string;
    /** The lab user's ids: those of the host user who owns the workspace directory. */
    uid: number;
    gid: number;
    /** The lab's shared (NAS) directory, at /workspace. */
    workspaceDir: WorkDir;
    publish: { hostPort: number; hostIp?: string };
    gpus?: GpuRequest;
    /** Used while building; in the container only with proxyAtRuntime. */
    proxy?: LabProxy;
    proxyAtRuntime?: boolean;
    /** Extra Debian packages and pip requirements built into the image. */
    aptPackages?: string[];
    pipPackages?: string[];
}

/**
 * A shared-lab GPU image run as `docker run --gpus all -v /mnt/nas/me:/workspace -p 8080:8080` would:
 * a non-root user with the host user's uid/gid, so files written to the
 * workspace belong to that user, and a Jupyter server on 8080 behind a generated
 * token (instead of a password set at build time: there is no password and no sudo).
 */
export class SharedLab extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    /** The URL with the token, secret. */
    readonly loginUrl: pulumi.Output<string>;
    readonly token: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly hostPort: number;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: SharedLabArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:SharedLab", name, {}, opts);
        const child = { parent: this };

        const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, child);
        this.token = pulumi.secret(token.result);

        this.image = args.runtime.image(this, `${name}-image`, {
            repository: "dsenv/lab",
            build: { context: LAB_IMAGE_CONTEXT, args: buildArgs(args) },
        });
        const placement = workDirPlacement(args.workspaceDir, "lab");

        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-lab`,
                image: this.image.ref,
                // Also set here: the image's USER is only right for the ids it was built with.
                user: `${args.uid}:${args.gid}`,
                ports: [{ containerPort: LAB_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                env: args.proxyAtRuntime ? runtimeProxyEnv(args.proxy ?? {}) : {},
                // Jupyter reads its token from JUPYTER_TOKEN, so it never shows in a command line.
                secretEnv: { JUPYTER_TOKEN: this.token },
                mounts: [
                    workDirMount(
                        this,
                        `${name}-workspace`,
                        args.runtime,
                        `${args.namePrefix}-lab-workspace`,
                        args.workspaceDir,
                        LAB_WORKSPACE,
                        placement,
                    ),
                ],
                gpus: args.gpus,
                gpuCapable: true,
                // /api answers without a token once the server is up.
                healthcheck: {
                    test: [
                        "CMD",
                        "python3",
                        "-c",
                        `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${LAB_PORT}/api", timeout=4)`,
                    ],
                    interval: "5s",
                    retries: 30,
                    startPeriod: "10s",
                },
            },
            placement,
        );

        this.hostPort = args.publish.hostPort;
        this.url = pulumi.output(args.runtime.url(args.publish, placement));
        this.loginUrl = pulumi.secret(pulumi.interpolate`${this.url}lab?token=${this.token}`);
        this.containerName = this.service.name;
        this.registerOutputs({ url: this.url, loginUrl: this.loginUrl, containerName: this.containerName });
    }
}

/** Only what is set, so an unused proxy does not change the build inputs. */
function buildArgs(args: SharedLabArgs): Record<string, string> {
    const proxy = args.proxy ?? {};
    const set = (entries: [string, string | undefined][]) =>
        Object.fromEntries(entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""));
    return {
        BASE_IMAGE: args.baseImage,
        LAB_UID: String(args.uid),
        LAB_GID: String(args.gid),
        ...set([
            // Docker keeps HTTP_PROXY and HTTPS_PROXY out of the image's history; PIP_PROXY is only used by the RUN that needs it.
            ["HTTP_PROXY", proxy.httpProxy],
            ["HTTPS_PROXY", proxy.httpsProxy],
            ["PIP_PROXY", proxy.pipProxy],
            ["APT_PACKAGES", args.aptPackages?.join(" ")],
            ["PIP_PACKAGES", args.pipPackages?.join(" ")],
        ]),
    };
}

/** Both spellings: curl and apt read the lower-case ones, Python's urllib either. */
function runtimeProxyEnv(proxy: LabProxy): Record<string, string> {
    const env: Record<string, string> = {};
    if (proxy.httpProxy) env.HTTP_PROXY = env.http_proxy = proxy.httpProxy;
    if (proxy.httpsProxy) env.HTTPS_PROXY = env.https_proxy = proxy.httpsProxy;
    if (proxy.pipProxy) env.PIP_PROXY = proxy.pipProxy;
    return env;
}
