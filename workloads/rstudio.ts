import * as pulumi from "@pulumi/pulumi";
import type { GpuRequest } from "../components/gpu";
import { RStudioServer } from "../components/workloads/rstudio";
import { ConfigReader } from "../config/reader";
import * as rules from "../config/rules";
import { EngineSettings, Published, WorkDir } from "../config/settings";
import { readDirOrVolume, readGpus, readPublish } from "../config/workload-readers";
import type { AutoGpus } from "../config/gpus-auto";
import * as workloadRules from "../config/workload-rules";
import { WorkloadDefinition } from "./definition";

// RStudio Server on the Kaggle GPU R image.

export interface RStudioSettings {
    baseImage: string;
    rstudioVersion: string;
    /** The RStudio Server .deb for rstudioVersion and the base image's Ubuntu release. */
    downloadUrl: string;
    projectDir: WorkDir;
    publish: Published;
    gpus?: GpuRequest;
}

function readRStudio(read: ConfigReader, engine: EngineSettings, autoGpus: AutoGpus): RStudioSettings {
    const downloadUrl = read.string("rstudioDownloadUrl", v =>
        v === ""
            ? "the http(s) URL of the rstudio-server .deb for dsenv:rstudioVersion and the base image's Ubuntu release (see docs/workloads.md)"
            : workloadRules.httpUrl(v),
    );
    return {
        baseImage: read.string("rstudioBaseImage", rules.imageRef),
        rstudioVersion: read.string("rstudioVersion", workloadRules.rstudioVersion),
        downloadUrl,
        projectDir: readDirOrVolume(read, "rstudioProjectDir", engine),
        publish: readPublish(read, "rstudioHostPort", "rstudioHostIp"),
        gpus: readGpus(read, "rstudioGpus", autoGpus),
    };
}

export const rstudio: WorkloadDefinition<RStudioSettings> = {
    key: "rstudio",
    read: (read, ctx) => readRStudio(read, ctx.engine, ctx.autoGpus),
    published: s => [["rstudioHostPort", s.publish]],
    gpus: s => ["rstudioGpus", s.gpus],
    deploy(s, ctx) {
        const w = new RStudioServer("rstudio", { ...ctx, ...s });
        return { rstudioUrl: w.url, rstudioPassword: w.password, rstudioContainer: w.containerName, rstudioHostPort: w.hostPort };
    },
};
