// What scripts/lib/status.js and kept.js share: which Docker engine each
// resource of an exported stack state lives on, and the docker CLI against it.
"use strict";
const { execFileSync } = require("child_process");

const DOCKER_PROVIDER = "pulumi:providers:docker";

/** The engine of each docker provider in the state, by the provider reference resources carry (`urn::id`); "" is DOCKER_HOST or the local socket. */
function enginesByProvider(resources) {
    const byRef = new Map();
    for (const r of resources) if (r.type === DOCKER_PROVIDER) byRef.set(`${r.urn}::${r.id}`, r.inputs?.host || r.outputs?.host || "");
    return byRef;
}

/** docker ARGS against `host`; its stdout, or undefined when it failed (gone, or the engine does not answer). */
function docker(host, args) {
    try {
        return execFileSync("docker", [...(host ? ["-H", host] : []), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
        return undefined;
    }
}

module.exports = { enginesByProvider, docker };
