import type { GpuRequest } from "../components/gpu";
import { PyTorchWorkspace } from "../components/workloads/pytorch";
import { ConfigReader } from "../config/reader";
import * as rules from "../config/rules";
import { EngineSettings, WorkDir } from "../config/settings";
import { readDirOrVolume, readGpus } from "../config/workload-readers";
import type { AutoGpus } from "../config/gpus-auto";
import * as workloadRules from "../config/workload-rules";
import { WorkloadDefinition } from "./definition";

// A PyTorch GPU workspace.

export interface PyTorchSettings {
    image: string;
    gpus?: GpuRequest;
    shmSizeMb: number;
    homeDir: WorkDir;
    command: string[];
}

function readPyTorch(read: ConfigReader, engine: EngineSettings, autoGpus: AutoGpus): PyTorchSettings {
    const before = read.problems.length;
    const command = read.strings("pytorchCommand", v => (v === "" ? "a list of non-empty strings" : undefined));
    if (command.length === 0 && read.problems.length === before)
        read.reject("pytorchCommand", command, 'a non-empty command, e.g. ["sleep", "infinity"]');
    return {
        image: read.string("pytorchImage", rules.imageRef),
        gpus: readGpus(read, "pytorchGpus", autoGpus),
        shmSizeMb: read.integer("pytorchShmSizeMb", workloadRules.shmSizeMb),
        homeDir: readDirOrVolume(read, "pytorchHomeDir", engine),
        command,
    };
}

export const pytorch: WorkloadDefinition<PyTorchSettings> = {
    key: "pytorch",
    read: (read, ctx) => readPyTorch(read, ctx.engine, ctx.autoGpus),
    published: () => [],
    gpus: s => ["pytorchGpus", s.gpus],
    deploy(s, ctx) {
        const w = new PyTorchWorkspace("pytorch", { ...ctx, ...s });
        return { pytorchContainer: w.containerName };
    },
};
