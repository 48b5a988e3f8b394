import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../engine";
import { ContainerImage, PushTarget } from "../image";
import { BridgeNetwork } from "../network";
import { browsableUrl, RestartPolicy, Service } from "../service";
import { anonymousMount, bindMount, DataVolume, volumeMount } from "../volume";

/** The seed's `--env PORT=8000`: the app listens here, whatever the image's default. */
export const APP_PORT = 8000;
export const APP_IMAGE_CONTEXT = path.join(__dirname, "..", "..", "images", "feedback-app");

export interface StatefulAppArgs {
    engine: DockerEngine;
    network?: BridgeNetwork;
    namePrefix: string;
    /** The node image images/feedback-app is built on. */
    baseImage: string;
    /** The app's source on the engine's host, bound read-only at /app (edit, restart, no rebuild). */
    sourceDir: string;
    /** From the .env file: plain values, and values that stay secret. */
    env?: Record<string, string>;
    secretEnv?: Record<string, pulumi.Input<string>>;
    publish: { hostPort: number; hostIp?: string };
    /** Keep the feedback volume on `pulumi destroy` (default true). */
    keepFeedbackOnDestroy?: boolean;
    restart?: RestartPolicy;
    buildEngine?: DockerEngine;
    push?: PushTarget;
}

/**
 * The seed's feedback app with all three kinds of storage at once:
 * `-v feedback:/app/feedback` (named: the data, kept), `-v $(pwd):/app:ro`
 * (bind: the source, read-only) and `-v /app/node_modules` (anonymous: keeps the
 * image's dependencies visible under the bind mount).
 */
export class StatefulApp extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly feedbackVolumeName: pulumi.Output<string>;
    readonly hostPort: number;
    readonly image: ContainerImage;
    readonly service: Service;

    constructor(name: string, args: StatefulAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:StatefulApp", name, {}, opts);
        const child = { parent: this };

        this.image = new ContainerImage(
            `${name}-image`,
            { engine: args.engine, buildEngine: args.buildEngine, push: args.push, source: { repository: "dsenv/feedback-app", build: { context: APP_IMAGE_CONTEXT, args: { BASE_IMAGE: args.baseImage } } } },
            child,
        );
        const feedback = new DataVolume(
            `${name}-feedback`,
            { engine: args.engine, volumeName: `${args.namePrefix}-feedback`, keepOnDestroy: args.keepFeedbackOnDestroy ?? true },
            child,
        );

        this.service = new Service(
            name,
            {
                engine: args.engine,
                containerName: `${args.namePrefix}-feedback-app`,
                image: this.image.ref,
                ports: [{ containerPort: APP_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                // PORT last: the published port must be the one the app listens on.
                env: { ...args.env, PORT: String(APP_PORT) },
                secretEnv: args.secretEnv,
                mounts: [volumeMount(feedback, "/app/feedback"), bindMount(args.sourceDir, "/app", true), anonymousMount("/app/node_modules")],
                networks: args.network ? [{ network: args.network }] : [],
                healthcheck: {
                    test: ["CMD", "node", "-e", `require("http").get("http://127.0.0.1:${APP_PORT}/health", r => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`],
                    interval: "5s",
                    retries: 20,
                    startPeriod: "5s",
                },
                restart: args.restart,
            },
            child,
        );

        this.hostPort = args.publish.hostPort;
        this.url = pulumi.output(browsableUrl(args.publish.hostIp ?? "127.0.0.1", args.publish.hostPort));
        this.containerName = this.service.containerName;
        this.feedbackVolumeName = feedback.name;
        this.registerOutputs({ url: this.url, containerName: this.containerName, feedbackVolumeName: this.feedbackVolumeName });
    }
}
