import { DockerEngine } from "../components/engine";
import { PushTarget } from "../components/image";
import { deployWorkloads } from "./workloads";
import { Workspace } from "../components/workspace";
import { Settings } from "../config/settings";
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
    const buildEngine = settings.buildEngine.host === settings.engine.host ? undefined : new DockerEngine("build-engine", { ...settings.buildEngine, registryLogins });
    const push: PushTarget | undefined = settings.registry && { server: settings.registry.server };

    const ws = new Workspace("workspace", {
        engine,
        namePrefix: settings.namePrefix,
        restart: settings.restartPolicy,
        mysql: settings.mysql,
        jupyter: settings.jupyter,
        buildEngine,
        push,
    });
    const workloads = deployWorkloads({ engine, buildEngine, network: ws.network, namePrefix: settings.namePrefix, restart: settings.restartPolicy, settings: settings.workloads, push });
    return { ...workspaceOutputs(ws, settings.mysql.image, settings.mysql.publish), ...workloads.outputs };
}
