import { GPU_RESOURCE, GpuRequest, gpusFlag } from "../components/gpu";
import { gpuSize } from "./azure-gpu-sizes";
import { DriverVersion, readDriverVersion } from "./cuda-check";
import { checkGpuPath, engineDescription, GpuCheck } from "./gpu-check";
import { HostFacts } from "./host-facts";
import { autoOnCluster } from "./kubernetes";
import { KubeNodesAnswer } from "./kube-nodes";
import { EngineSettings } from "./settings";
import { gpuCapacity, SwarmSettings } from "./swarm";
import { WorkloadConfigKey } from "./workload-defaults";

// `auto` in a GPU key: the same stack gives every GPU on a GPU host and none on
// a laptop, instead of stopping the laptop's preview. The notebooks' key
// (jupyterGpus, settings/notebook-gpus.ts) and the GPU workloads' keys
// (rstudioGpus, pytorchGpus, labGpus, here) resolve it for where they run.

/** `auto` on one engine: every GPU where the engine has a GPU path and a driver answers, none elsewhere. */
export function autoOnEngine(
    engine: EngineSettings,
    check: GpuCheck,
    host: HostFacts,
): { gpus?: GpuRequest; why: string; driver?: DriverVersion } {
    const at = `the engine at ${engineDescription(engine)}`;
    if (check.kind === "deferred") return { why: `${at} could not say whether it can give GPUs (${check.reason})` };
    if (check.kind === "missing") return { why: `${at} has no GPU path (${check.looked})` };
    // A GPU path says the toolkit is there, not that a GPU is: Docker Desktop lists its nvidia
    // runtime on machines without one (docker/for-win#14331). The driver says whether one is.
    const driver = readDriverVersion(engine, host.runHost);
    if (driver.kind === "none")
        return { why: `${at} has ${check.via}, but no NVIDIA driver answers on its machine (${driver.said})`, driver };
    if (driver.kind === "unknown" && check.dockerDesktop)
        return {
            why: `Docker Desktop lists its nvidia runtime on every machine, and no NVIDIA driver could be read (${driver.reason})`,
            driver,
        };
    const version = driver.kind === "found" ? `driver ${driver.version}` : `driver not read: ${driver.reason}`;
    return { gpus: "all", why: `${at} gives GPUs through ${check.via}; ${version}`, driver };
}

/** What `auto` comes to for a workload's key; said as a notice. */
export type AutoGpus = (key: WorkloadConfigKey) => GpuRequest | undefined;

/** Where the workloads run, as far as `auto` goes. */
export type WorkloadGpuPlace =
    | { kind: "engine"; engine: EngineSettings }
    | { kind: "swarm"; swarm: SwarmSettings }
    /** A Kubernetes cluster: its nodes' allocatable GPUs, asked when first needed. */
    | { kind: "kubernetes"; gpus: () => KubeNodesAnswer }
    /** An azure stack: its VMs' size (one VM: all its GPUs; several: one GPU of the swarm's). */
    | { kind: "azure"; vmSize: string; vmCount: number }
    /** An AKS stack: a pod gets the GPUs of one node of the GPU pool, by count (nvidia.com/gpu). */
    | { kind: "aks"; vmSize: string };

/**
 * The resolver of `auto` for one stack: the engine or the swarm's nodes are
 * asked once, on the first key that says `auto`, and each answer is said in
 * `notices`.
 */
export function autoWorkloadGpus(place: WorkloadGpuPlace, host: HostFacts, notices: string[]): AutoGpus {
    let decided: { gpus?: GpuRequest; why: string } | undefined;
    const decide = (): { gpus?: GpuRequest; why: string } => {
        switch (place.kind) {
            case "engine": {
                const check: GpuCheck = checkGpuPath(place.engine, host.runDocker, host.runHost);
                const { gpus, why } = autoOnEngine(place.engine, check, host);
                return { gpus, why };
            }
            case "swarm": {
                // A swarm service runs where its reservation fits: one GPU, where any node advertises one.
                const capacity = gpuCapacity(place.swarm.nodes, host.runDocker);
                const most = Math.max(0, ...capacity.map(c => c ?? 0));
                const listing = place.swarm.nodes
                    .map((n, i) => `node ${i + 1} (${n.engine.host}): ${capacity[i] ?? "did not answer"}`)
                    .join(", ");
                return most > 0
                    ? { gpus: { count: 1 }, why: `1 GPU reserved from what the nodes advertise (${listing})` }
                    : { why: `no node advertises an ${GPU_RESOURCE} (${listing})` };
            }
            case "kubernetes":
                return autoOnCluster(place.gpus());
            case "azure": {
                const size = gpuSize(place.vmSize);
                if (!size) return { why: `the VM size ${place.vmSize} has no NVIDIA GPU` };
                return place.vmCount > 1
                    ? { gpus: { count: 1 }, why: `1 GPU of the swarm's ${place.vmSize} VMs (${size.gpus}x ${size.gpu} each)` }
                    : { gpus: "all", why: `the VM size ${size.size} has ${size.gpus}x ${size.gpu}` };
            }
            case "aks": {
                const size = gpuSize(place.vmSize);
                if (!size) return { why: `the AKS GPU pool's size ${place.vmSize} has no NVIDIA GPU` };
                return { gpus: { count: size.gpus }, why: `a node of the AKS GPU pool (${size.size}) has ${size.gpus}x ${size.gpu}` };
            }
        }
    };
    return key => {
        decided ??= decide();
        notices.push(`dsenv:${key} is auto: ${gpusFlag(decided.gpus) ?? "none"} (${decided.why})`);
        return decided.gpus;
    };
}
