import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { APP_IMAGE_CONTEXT, StatefulApp } from "../components/workloads/stateful-app";
import { parseEnvFile, splitSecretEnv } from "../config/env-file";
import { expandHome, hostDir, notADirectory, readTextFile } from "../config/host-paths";
import { ConfigReader } from "../config/reader";
import * as rules from "../config/rules";
import { EngineSettings, Published } from "../config/settings";
import { readPublish } from "../config/workload-readers";
import * as workloadRules from "../config/workload-rules";
import { WorkloadDefinition } from "./definition";

// The feedback app: an app with state (named, bind and anonymous volumes at once).

export interface AppSettings {
    baseImage: string;
    /** Absolute path of the app's source on the engine's host, bound read-only at /app. */
    sourceDir: string;
    env: Record<string, string>;
    secretEnv: Record<string, pulumi.Output<string>>;
    publish: Published;
    keepFeedbackOnDestroy: boolean;
}

/** Directories the app's source must contain: the volumes are mounted over them, inside the read-only /app. */
export const APP_MOUNT_POINTS = ["feedback", "node_modules"];

/** The app's source as shipped with the project: the image's build context, images/feedback-app. */
export const SHIPPED_APP_SOURCE = APP_IMAGE_CONTEXT;

/** Reads and checks every workload key, recording problems on `read`. */
function readApp(read: ConfigReader, engine: EngineSettings): AppSettings {
    const configured = read.string("appSourceDir", v => (v === "" ? undefined : rules.hostPath(v)));
    let sourceDir = SHIPPED_APP_SOURCE;
    if (configured !== "") {
        sourceDir = hostDir(read, "appSourceDir", configured, engine);
    } else if (!engine.isLocal) {
        read.reject(
            "appSourceDir",
            configured,
            "the app's source directory on the engine's host (the shipped images/feedback-app is only on this machine)",
        );
    }
    // Only looked at: the shipped source has both in git, a user's source gets the command to make them.
    if (engine.isLocal && notADirectory(sourceDir) === undefined) {
        const missing = APP_MOUNT_POINTS.filter(d => notADirectory(path.join(sourceDir, d)) !== undefined);
        if (missing.length > 0) {
            read.reject(
                "appSourceDir",
                configured,
                `a directory that has ${APP_MOUNT_POINTS.map(d => `${d}/`).join(" and ")} in it (Docker cannot create mount points inside a read-only bind mount; mkdir ${missing.map(d => path.join(sourceDir, d)).join(" ")})`,
            );
        }
    }
    const { env, secretEnv } = readEnvFile(read);
    return {
        baseImage: read.string("appBaseImage", rules.imageRef),
        sourceDir,
        env,
        secretEnv,
        publish: readPublish(read, "appHostPort", "appHostIp"),
        keepFeedbackOnDestroy: read.boolean("appKeepFeedback"),
    };
}

/** The .env file is read here, on the machine running Pulumi, whatever the engine. */
function readEnvFile(read: ConfigReader): Pick<AppSettings, "env" | "secretEnv"> {
    const file = read.string("appEnvFile");
    const secretKeys = read.strings("appSecretEnvKeys", workloadRules.envName);
    if (file === "") {
        if (secretKeys.length > 0) read.reject("appSecretEnvKeys", secretKeys, "[] while dsenv:appEnvFile is empty");
        return { env: {}, secretEnv: {} };
    }
    const full = path.resolve(expandHome(file));
    const contents = readTextFile(full, "file of KEY=VALUE lines");
    if ("problem" in contents) {
        read.reject("appEnvFile", file, contents.problem);
        return { env: {}, secretEnv: {} };
    }
    const parsed = parseEnvFile(contents.text);
    if (parsed.errors.length > 0) read.reject("appEnvFile", file, `a file in Docker's --env-file format (${shortList(parsed.errors)})`);
    for (const key of secretKeys.filter(name => workloadRules.envName(name) === undefined)) {
        if (!(key in parsed.entries)) read.reject("appSecretEnvKeys", key, `a key that dsenv:appEnvFile (${full}) defines`);
    }
    return splitSecretEnv(parsed.entries, secretKeys);
}

/** The first few problems of a long list: a binary file would otherwise fill the screen. */
function shortList(items: string[], max = 5): string {
    return items.length <= max ? items.join("; ") : `${items.slice(0, max).join("; ")}; and ${items.length - max} more`;
}

export const app: WorkloadDefinition<AppSettings> = {
    key: "app",
    read: (read, ctx) => readApp(read, ctx.engine),
    published: s => [["appHostPort", s.publish]],
    gpus: () => undefined,
    deploy(s, ctx) {
        const w = new StatefulApp("app", { ...ctx, ...s });
        return { appUrl: w.url, appContainer: w.containerName, appHostPort: w.hostPort, appFeedbackVolume: w.feedbackVolumeName };
    },
};
