import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ContainerImage } from "../image";
import { Placement, Runtime, RunningWorkload } from "../runtime";
import { anonymousMount, bindMount, volumeMount } from "../volume";

/** `--env PORT=8000`: the app listens here, whatever the image's default. */
export const APP_PORT = 8000;
export const APP_IMAGE_CONTEXT = path.join(__dirname, "..", "..", "images", "feedback-app");

export interface StatefulAppArgs {
    runtime: Runtime;
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
}

/**
 * The feedback app (images/feedback-app) with all three kinds of storage at once:
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
    readonly service: RunningWorkload;

    constructor(name: string, args: StatefulAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:StatefulApp", name, {}, opts);
        // With its feedback data; its source directory must be on that machine too.
        const placement: Placement = { pinned: "app" };
        this.image = args.runtime.image(this, `${name}-image`, {
            repository: "dsenv/feedback-app",
            build: { context: APP_IMAGE_CONTEXT, args: { BASE_IMAGE: args.baseImage } },
        });
        const feedback = args.runtime.volume(
            this,
            `${name}-feedback`,
            { volumeName: `${args.namePrefix}-feedback`, keepOnDestroy: args.keepFeedbackOnDestroy ?? true },
            placement,
        );

        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-feedback-app`,
                image: this.image.ref,
                ports: [{ containerPort: APP_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                // PORT last: the published port must be the one the app listens on.
                env: { ...args.env, PORT: String(APP_PORT) },
                secretEnv: args.secretEnv,
                mounts: [
                    volumeMount(feedback, "/app/feedback"),
                    bindMount(args.sourceDir, "/app", true),
                    anonymousMount("/app/node_modules"),
                ],
                healthcheck: {
                    test: [
                        "CMD",
                        "node",
                        "-e",
                        `require("http").get("http://127.0.0.1:${APP_PORT}/health", r => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))`,
                    ],
                    interval: "5s",
                    retries: 20,
                    startPeriod: "5s",
                },
            },
            placement,
        );

        this.hostPort = args.publish.hostPort;
        this.url = pulumi.output(args.runtime.url(args.publish, placement));
        this.containerName = this.service.name;
        this.feedbackVolumeName = feedback.name;
        this.registerOutputs({ url: this.url, containerName: this.containerName, feedbackVolumeName: this.feedbackVolumeName });
    }
}
