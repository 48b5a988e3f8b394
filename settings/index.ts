import type { EngineSettings, JupyterSettings, MySqlSettings, RegistrySettings, RestartPolicy, Target } from "../config/settings";
import type { WorkloadSettings } from "../workloads";

// The whole stack's validated settings (loadSettings(), settings/load.ts): the
// shapes of config/settings.ts and the enabled workloads', which config/ does
// not know (workloads/ sits above it).

export interface Settings {
    stack: string;
    namePrefix: string;
    target: Target;
    /** The engine at dockerHost: it runs the containers of the local target. */
    engine: EngineSettings;
    /** The engine images are built on (buildDockerHost, else dockerHost), for every target. */
    buildEngine: EngineSettings;
    restartPolicy: RestartPolicy;
    registry?: RegistrySettings;
    mysql: MySqlSettings;
    jupyter: JupyterSettings;
    workloads: WorkloadSettings;
}
