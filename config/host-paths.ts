import * as fs from "fs";
import { expandHome } from "../components/volume";
import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { EngineSettings, WorkDir } from "./settings";

/**
 * A host directory as a container sees it: absolute where the engine runs.
 * `~` is the home of the user running Pulumi, so it is only accepted for a
 * local engine; only a local engine's paths can be checked from here (a remote
 * engine reports a missing path at deploy time).
 */
export function hostDir(read: ConfigReader, name: string, value: string, engine: EngineSettings): string {
    if (rules.hostPath(value) !== undefined) return value;
    if (!engine.isLocal && value.startsWith("~")) {
        read.reject(name, value, "an absolute path on the Docker host (~ would be your home on this machine, not on that host)");
        return value;
    }
    const hostPath = expandHome(value);
    if (engine.isLocal && !fs.existsSync(hostPath)) read.reject(name, value, `an existing directory (${hostPath} does not exist; create it first)`);
    return hostPath;
}

/** A host directory when one is given, else a named volume. */
export function readWorkDir(read: ConfigReader, name: string, value: string, keepOnDestroy: boolean, engine: EngineSettings): WorkDir {
    if (value === "" || rules.hostPath(value) !== undefined) return { kind: "volume", keepOnDestroy };
    return { kind: "bind", hostPath: hostDir(read, name, value, engine) };
}
