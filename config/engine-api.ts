import { DockerRunner } from "./gpu-check";
import { EngineSettings } from "./settings";

/** The first Docker API that runs a healthcheck's start interval (Docker 25). */
export const HEALTH_START_INTERVAL_API = "1.44";

/**
 * Whether the engine runs a healthcheck's start interval, asked once per run
 * (`docker version`, ~20 ms on the local socket). An older engine makes the
 * provider fail the container ("specify health-check start interval" needs API
 * 1.44), so an engine that does not answer counts as one without it; so do
 * remote engines, which are not asked (an ssh round trip on every run).
 */
export function runsHealthStartInterval(engine: EngineSettings, run: DockerRunner): boolean {
    if (!engine.isLocal) return false;
    const result = run([...(engine.host ? ["-H", engine.host] : []), "version", "--format", "{{.Server.APIVersion}}"]);
    return result.ok && apiAtLeast(result.stdout.trim(), HEALTH_START_INTERVAL_API);
}

/** "1.44" >= "1.41", by number, not by text ("1.100" > "1.44"). */
export function apiAtLeast(version: string, wanted: string): boolean {
    const parse = (v: string) => v.split(".").map(Number);
    const [have, want] = [parse(version), parse(wanted)];
    if (have.length !== 2 || have.some(n => !Number.isInteger(n))) return false;
    return have[0] !== want[0] ? have[0] > want[0] : have[1] >= want[1];
}
