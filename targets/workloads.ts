import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../components/engine";
import { PushTarget } from "../components/image";
import { BridgeNetwork } from "../components/network";
import { RestartPolicy } from "../components/service";
import { PyTorchWorkspace, RStudioServer, SharedLab, StatefulApp, StaticSite } from "../components/workloads";
import { WorkloadSettings } from "../config/workloads";

export interface DeployWorkloadsArgs {
    engine: DockerEngine;
    /** The workspace network: every workload can reach MySQL by its alias. */
    network: BridgeNetwork;
    namePrefix: string;
    restart: RestartPolicy;
    settings: WorkloadSettings;
    /** Build images on this engine and push them here; default: build where they run. */
    buildEngine?: DockerEngine;
    push?: PushTarget;
}

export interface Workloads {
    rstudio?: RStudioServer;
    pytorch?: PyTorchWorkspace;
    lab?: SharedLab;
    site?: StaticSite;
    app?: StatefulApp;
}

/** Stack outputs of the enabled workloads; secrets are secret Outputs. */
export type WorkloadOutputs = Record<string, pulumi.Output<unknown> | number>;

/** Declares every enabled workload and returns them with their stack outputs. */
export function deployWorkloads(args: DeployWorkloadsArgs): { workloads: Workloads; outputs: WorkloadOutputs } {
    const s = args.settings;
    const common = { engine: args.engine, network: args.network, namePrefix: args.namePrefix, restart: args.restart };
    const built = { buildEngine: args.buildEngine, push: args.push };
    for (const notice of s.notices) pulumi.log.warn(notice);

    const workloads: Workloads = {
        rstudio: s.rstudio && new RStudioServer("rstudio", { ...common, ...built, ...s.rstudio }),
        pytorch: s.pytorch && new PyTorchWorkspace("pytorch", { ...common, ...s.pytorch }),
        lab: s.lab && new SharedLab("lab", { ...common, ...built, ...s.lab }),
        site: s.site && new StaticSite("site", { ...common, ...built, image: s.site.image, content: s.site.content, publish: s.site.publish }),
        app: s.app && new StatefulApp("app", { ...common, ...built, ...s.app }),
    };

    const outputs: WorkloadOutputs = {};
    const { rstudio, pytorch, lab, site, app } = workloads;
    if (rstudio) Object.assign(outputs, { rstudioUrl: rstudio.url, rstudioPassword: rstudio.password, rstudioContainer: rstudio.containerName, rstudioHostPort: rstudio.hostPort });
    if (pytorch) Object.assign(outputs, { pytorchContainer: pytorch.containerName });
    if (lab) Object.assign(outputs, { labUrl: lab.url, labLoginUrl: lab.loginUrl, labToken: lab.token, labContainer: lab.containerName, labHostPort: lab.hostPort });
    if (site) Object.assign(outputs, { siteUrl: site.url, siteContainer: site.containerName, siteHostPort: site.hostPort });
    if (app) Object.assign(outputs, { appUrl: app.url, appContainer: app.containerName, appHostPort: app.hostPort, appFeedbackVolume: app.feedbackVolumeName });
    return { workloads, outputs };
}
