import * as pulumi from "@pulumi/pulumi";
import { adminLogin, deployerLogin } from "../components/azure/registry-login";
import { DockerEngine } from "../components/engine";
import { ContainerImage } from "../components/image";
import { jupyterImageSource } from "../components/jupyter";
import { CiPushSettings } from "../config/azure";
import { EngineSettings } from "../config/settings";

export interface CiPushOutputs {
    imageTag: string;
    /** registry/repo@sha256:... of each pushed image. */
    jupyterImage: pulumi.Output<string>;
}

/**
 * The image pipeline alone (build -> push, for CI): builds the
 * project's images on the local engine, tags them with the git commit and
 * pushes them to an existing registry. Nothing runs, no VM is touched.
 */
export function ciPush(
    settings: CiPushSettings,
    images: { jupyterBaseImage: string },
    build: EngineSettings = { isLocal: true },
): CiPushOutputs {
    const server = `${settings.registry.name}.azurecr.io`;
    const tag = settings.imageTag;
    const login = settings.registry.adminEnabled
        ? adminLogin(settings.registry.name, server, settings.resourceGroup)
        : deployerLogin(server);
    const engine = new DockerEngine("build-engine", { ...build, registryLogins: [login] });

    const jupyter = new ContainerImage("jupyter-image", {
        engine,
        push: { server },
        source: jupyterImageSource(images.jupyterBaseImage, tag),
    });
    return { imageTag: tag, jupyterImage: jupyter.pushedDigestRef! };
}
