import { DockerEngine } from "../components/engine";
import { PushTarget } from "../components/image";
import { oneEngineRuntime } from "./engine-runtime";
import { deployWorkspace } from "./deploy-workspace";
import { engineSocket } from "./workspace-users";
import { Settings } from "../settings";
import { workspaceOutputs, WorkspaceOutputs } from "./workspace-outputs";

/** The workspace outputs plus those of the enabled workloads (components/workloads). */
export interface LocalOutputs extends WorkspaceOutputs {
    [workloadOutput: string]: unknown;
}

/** The local target: the workspace and the enabled workloads on the engine at dockerHost. */
export function deployLocal(settings: Settings): LocalOutputs {
    const registryLogins = settings.registry ? [settings.registry] : [];
    const engine = new DockerEngine("engine", { ...settings.engine, registryLogins });
    // Built elsewhere (buildDockerHost), images reach the engine through the registry.
    const buildEngine =
        settings.buildEngine.host === settings.engine.host
            ? undefined
            : new DockerEngine("build-engine", { ...settings.buildEngine, registryLogins });
    const push: PushTarget | undefined = settings.registry && { server: settings.registry.server };

    const { runtime, network } = oneEngineRuntime({
        engine,
        namePrefix: settings.namePrefix,
        restart: settings.restartPolicy,
        buildEngine,
        push,
    });

    const { workspace: ws, workloads } = deployWorkspace(runtime, settings, engineSocket(settings.engine.host));
    return {
        ...workspaceOutputs(ws, network.name, settings.mysql.image, settings.mysql.publish),
        jupyterGpus: settings.jupyter.gpuChoice,
        ...workloads,
    };
}
