import { apiAtLeast, runsHealthStartInterval } from "../../config/engine-api";
import { DockerRunner } from "../../config/gpu-check";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { byType, runWithMocks } from "./harness";

// Whether the engine gets a healthcheck start interval: asked once, with `docker version`.

function answering(answer: ReturnType<DockerRunner>): DockerRunner & { calls: string[][] } {
    const calls: string[][] = [];
    return Object.assign((args: string[]) => (calls.push(args), answer), { calls });
}

test("API versions compare by number", () => {
    expect(apiAtLeast("1.44", "1.44")).toBe(true);
    expect(apiAtLeast("1.51", "1.44")).toBe(true);
    expect(apiAtLeast("1.100", "1.44")).toBe(true);
    expect(apiAtLeast("2.0", "1.44")).toBe(true);
    expect(apiAtLeast("1.41", "1.44")).toBe(false);
    expect(apiAtLeast("", "1.44")).toBe(false);
    expect(apiAtLeast('{"runc":{}}', "1.44")).toBe(false);
});

test("the local engine is asked its API version; Docker 25 (1.44) runs a start interval, 20.10 (1.41) does not", () => {
    const newer = answering({ ok: true, stdout: "1.44\n" });
    expect(runsHealthStartInterval({ isLocal: true }, newer)).toBe(true);
    expect(newer.calls).toEqual([["version", "--format", "{{.Server.APIVersion}}"]]);
    expect(runsHealthStartInterval({ isLocal: true, host: "unix:///run/other.sock" }, newer)).toBe(true);
    expect(newer.calls[1]).toEqual(["-H", "unix:///run/other.sock", "version", "--format", "{{.Server.APIVersion}}"]);
    expect(runsHealthStartInterval({ isLocal: true }, answering({ ok: true, stdout: "1.41\n" }))).toBe(false);
});

test("an engine that does not answer, or a remote one (not asked), gets none", () => {
    expect(runsHealthStartInterval({ isLocal: true }, answering({ ok: false, error: "Cannot connect to the Docker daemon" }))).toBe(false);
    const remote = answering({ ok: true, stdout: "1.47\n" });
    expect(runsHealthStartInterval({ isLocal: false, host: "ssh://lab@gpu1" }, remote)).toBe(false);
    expect(remote.calls).toEqual([]);
});

test("a local stack asks its engine once, and its containers' healthchecks follow the answer", async () => {
    for (const [api, startInterval] of [
        ["1.44", "1s"],
        ["1.41", undefined],
    ] as const) {
        const runDocker = answering({ ok: true, stdout: `${api}\n` });
        const r = await runWithMocks({}, () => deploy(loadSettings(undefined, {}, { runDocker })));
        expect(r.error).toBeUndefined();
        expect(runDocker.calls.filter(c => c.includes("version"))).toHaveLength(1);
        const healthchecks = byType(r, "docker:index/container:Container").map(c => c.props.healthcheck);
        expect(healthchecks).toHaveLength(2);
        for (const h of healthchecks) expect(h.startInterval).toBe(startInterval);
    }
});
