import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ContainerImage } from "../image";
import { Runtime, RunningWorkload } from "../runtime";
import { bindMount } from "../volume";

export const HTTPD_PORT = 80;
/** The official httpd image's document root. */
export const HTDOCS = "/usr/local/apache2/htdocs";
export const SITE_IMAGE_CONTEXT = path.join(__dirname, "..", "..", "images", "site");

export type StaticSiteContent =
    /** A host directory, mounted read-only: the server cannot change the site. */
    | { kind: "bind"; hostPath: string }
    /** images/site/site copied into an image that carries maintainer, version and description labels. */
    | { kind: "image"; maintainer: string; version: string; description: string };

export interface StaticSiteArgs {
    runtime: Runtime;
    namePrefix: string;
    /** httpd:2.4 or httpd:2.4-alpine (or an image with the same contract): served from, or built on. */
    image: string;
    content: StaticSiteContent;
    publish: { hostPort: number; hostIp?: string };
}

/**
 * `docker run -d -p 9999:80 -v ~/site:/usr/local/apache2/htdocs httpd`,
 * or its custom image (`COPY ./site /usr/local/apache2/htdocs` with LABELs).
 */
export class StaticSite extends pulumi.ComponentResource {
    readonly url: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly hostPort: number;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: StaticSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:StaticSite", name, {}, opts);
        const content = args.content;

        this.image = args.runtime.image(
            this,
            `${name}-image`,
            content.kind === "bind"
                ? { pull: args.image }
                : {
                      repository: "dsenv/site",
                      build: {
                          context: SITE_IMAGE_CONTEXT,
                          args: {
                              BASE_IMAGE: args.image,
                              SITE_MAINTAINER: content.maintainer,
                              SITE_VERSION: content.version,
                              SITE_DESCRIPTION: content.description,
                          },
                      },
                  },
        );

        // No data of its own: it runs anywhere (a host directory must then be on every machine).
        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-site`,
                image: this.image.ref,
                ports: [{ containerPort: HTTPD_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                mounts: content.kind === "bind" ? [bindMount(content.hostPath, HTDOCS, true)] : [],
            },
            "anywhere",
        );

        this.hostPort = args.publish.hostPort;
        this.url = pulumi.output(args.runtime.url(args.publish, "anywhere"));
        this.containerName = this.service.name;
        this.registerOutputs({ url: this.url, containerName: this.containerName });
    }
}
