// What another Pulumi program may use of dsenv: the components and the types
// of their arguments. They take typed arguments and a Runtime (one engine, or a
// swarm) and read no stack config. The rest of components/ is how they are made.
// The Azure components (components/azure/) are imported from their own files:
// they load @pulumi/azure-native, which a program without Azure should not pay for.

// Where things run: an engine, and the runtimes that put workloads on one engine or a swarm.
export { DockerEngine, type DockerEngineArgs, type RegistryLogin } from "./engine";
export { EngineRuntime, type EngineRuntimeArgs } from "./engine-runtime";
export type { Placement, Runtime, RunningWorkload } from "./runtime";
export { Swarm, type SwarmArgs, type SwarmNodeArgs } from "./swarm/swarm";
export { SwarmRuntime, type SwarmRuntimeArgs } from "./swarm/swarm-runtime";

// The building blocks.
export { BridgeNetwork, type BridgeNetworkArgs } from "./network";
export { OverlayNetwork, type OverlayNetworkArgs } from "./swarm/overlay-network";
export { DataVolume, type DataVolumeArgs, type Mount, type WorkDir, anonymousMount, bindMount, volumeMount } from "./volume";
export { workDirMount, workDirPlacement } from "./work-dir";
export { ContainerImage, type ContainerImageArgs, type ImageSource, type PushTarget } from "./image";
export { Service, type ServiceArgs, RESTART_POLICIES, type RestartPolicy } from "./service";
export { SwarmService, type SwarmServiceArgs, type PublishMode } from "./swarm/swarm-service";
export type { Healthcheck, PortMapping, WorkloadSpec } from "./workload-spec";
export type { GpuRequest } from "./gpu";

// The workspace: MySQL and Jupyter, together or each alone.
export { Workspace, type WorkspaceArgs, type WorkspaceUser } from "./workspace";
export { MySql, type MySqlArgs } from "./mysql";
export { JupyterNotebook, type JupyterNotebookArgs, type NotebookUser, type NotebookVariables } from "./jupyter";
export type { NotebookPackages } from "./notebook-packages";

// The other workloads.
export { RStudioServer, type RStudioServerArgs } from "./workloads/rstudio";
export { PyTorchWorkspace, type PyTorchWorkspaceArgs } from "./workloads/pytorch";
export { SharedLab, type SharedLabArgs } from "./workloads/lab";
export { StaticSite, type StaticSiteArgs } from "./workloads/static-site";
export { StatefulApp, type StatefulAppArgs } from "./workloads/stateful-app";
