// The status view of a stack (scripts/status.sh): its URLs, the state and
// health of each container (on a swarm: where each service's task runs), and
// where each container's data lives — read from
// the stack's state (what Pulumi made) and the engine (how it is now).
//
//   node scripts/lib/status.js STACK
// Exit status: 0 all containers running (and healthy where they have a health
// check), 3 some are not, 1 the stack cannot be read.
"use strict";
const { execFileSync } = require("child_process");
const { docker, enginesByProvider } = require("./stack-engines");

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";
const VOLUME = "docker:index/volume:Volume";

function pulumiJson(args) {
    return JSON.parse(execFileSync("pulumi", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** docker's JSON answer, against the engine a resource's provider talks to; undefined when it failed. */
function dockerJson(host, args) {
    const out = docker(host, args);
    return out === undefined ? undefined : JSON.parse(out);
}

function containerLine(name, host) {
    const [info] = dockerJson(host, ["container", "inspect", name]) ?? [];
    if (!info) return { ok: false, lines: [`  ${name}: not on the engine${host ? ` at ${host}` : ""}`] };
    const state = info.State.Status;
    const health = info.State.Health?.Status;
    const ok = state === "running" && (health === undefined || health === "healthy");
    const lines = [`  ${ok ? "ok " : "!! "}${name}: ${state}${health ? `, ${health}` : ""} (${info.Config.Image})`];
    if (health && health !== "healthy") {
        const last = info.State.Health.Log?.at(-1);
        if (last) lines.push(`      last health check: exit ${last.ExitCode}: ${String(last.Output).trim().split("\n")[0]}`);
    }
    for (const m of info.Mounts ?? []) {
        if (m.Type === "volume") lines.push(`      data: volume ${m.Name} at ${m.Destination} (on the engine's host: ${m.Source})`);
        else if (m.Type === "bind") lines.push(`      data: host directory ${m.Source} at ${m.Destination}${m.RW ? "" : " (read-only)"}`);
    }
    return { ok, lines };
}

function main(stack) {
    const state = pulumiJson(["stack", "export", "--stack", stack]);
    const resources = state.deployment?.resources ?? [];
    const outputs = pulumiJson(["stack", "output", "--json", "--stack", stack]);
    const engineOf = enginesByProvider(resources);

    const out = [`stack ${stack}`];
    const urls = Object.entries(outputs).filter(([k, v]) => /Url$/.test(k) && typeof v === "string" && v !== "[secret]");
    if (urls.length) {
        out.push("URLs:");
        for (const [k, v] of urls) out.push(`  ${k}: ${v}`);
        if ("jupyterLoginUrl" in outputs) out.push("  (with the token: pulumi stack output jupyterLoginUrl --show-secrets)");
    }

    let allOk = true;
    const containers = resources.filter(r => r.type === CONTAINER);
    const services = resources.filter(r => r.type === SERVICE);
    if (containers.length || !services.length)
        out.push(containers.length ? "Containers:" : "Containers: none (the stack is down: scripts/up.sh brings it up)");
    for (const c of containers) {
        const { ok, lines } = containerLine(c.outputs?.name ?? c.inputs?.name, engineOf.get(c.provider));
        allOk &&= ok;
        out.push(...lines);
    }

    // A swarm stack's workloads are services: where each one's task runs, and in which state.
    if (services.length) out.push("Services:");
    for (const svc of services) {
        const host = engineOf.get(svc.provider);
        const name = svc.outputs?.name ?? svc.inputs?.name;
        // None when the swarm does not answer.
        const tasks = (
            docker(host, ["service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}}\t{{.CurrentState}}", name]) ?? ""
        )
            .trim()
            .split("\n")
            .filter(Boolean);
        const ok = tasks.length > 0 && tasks.every(t => t.split("\t")[1].startsWith("Running"));
        allOk &&= ok;
        out.push(`  ${ok ? "ok " : "!! "}${name}: ${tasks.length ? tasks.map(t => t.replace("\t", ": ")).join("; ") : "no running task"}`);
    }

    // Volumes in the state that no container uses (a stack whose containers are off).
    const mounted = new Set(containers.flatMap(c => (c.outputs?.mounts ?? []).filter(m => m.type === "volume").map(m => m.source)));
    const idle = resources.filter(r => r.type === VOLUME && !mounted.has(r.outputs?.name));
    if (idle.length) {
        out.push("Volumes no container uses:");
        for (const v of idle) {
            const info = dockerJson(engineOf.get(v.provider), ["volume", "inspect", v.outputs.name])?.[0];
            out.push(`  ${v.outputs.name}: ${info ? `at ${info.Mountpoint}` : "not on the engine"}`);
        }
    }
    console.log(out.join("\n"));
    return allOk ? 0 : 3;
}

if (require.main === module) {
    const stack = process.argv[2];
    if (!stack) {
        console.error("usage: node scripts/lib/status.js STACK");
        process.exit(2);
    }
    try {
        process.exitCode = main(stack);
    } catch (e) {
        console.error(`status: cannot read stack ${stack}: ${String(e.stderr || e.message).trim()}`);
        process.exitCode = 1;
    }
}
