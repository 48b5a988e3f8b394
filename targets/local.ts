import { DockerEngine } from "../components/engine";
import { PushTarget } from "../components/image";
import { oneEngineRuntime } from "./engine-runtime";
import { deployWorkloads } from "./workloads";
import { engineSocket, workspaceHub, workspaceUsers } from "./workspace-users";
import { Workspace } from "../components/workspace";
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

    const ws = new Workspace("workspace", {
        runtime,
        namePrefix: settings.namePrefix,
        mysql: settings.mysql,
        jupyter: settings.jupyter,
        users: workspaceUsers(settings.jupyter.users),
        hub: workspaceHub(settings.jupyter, engineSocket(settings.engine.host)),
    });
    const workloads = deployWorkloads({ runtime, namePrefix: settings.namePrefix, settings: settings.workloads });
    return {
        ...workspaceOutputs(ws, network.name, settings.mysql.image, settings.mysql.publish),
        jupyterGpus: settings.jupyter.gpuChoice,
        ...workloads.outputs,
    };
}
