// After `pulumi destroy` (scripts/down.sh): what the stack had that destroy
// kept, and how to remove it — read from the state exported before the
// destroy, checked on the engine as it is now.
//   kept: resources with retainOnDelete (the data volumes marked to be kept)
//   and images with keepLocally (the engine's cache).
//
//   node scripts/lib/kept.js STATE_EXPORT_BEFORE_DESTROY.json
"use strict";
const fs = require("fs");
const { docker, enginesByProvider } = require("./stack-engines");

const VOLUME = "docker:index/volume:Volume";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

function main(file) {
    const resources = JSON.parse(fs.readFileSync(file, "utf8")).deployment?.resources ?? [];
    const engineOf = enginesByProvider(resources);
    const h = host => (host ? `-H ${host} ` : "");

    const volumes = resources
        .filter(r => r.type === VOLUME && r.retainOnDelete)
        .map(r => ({ name: r.outputs.name, host: engineOf.get(r.provider) }))
        .filter(v => docker(v.host, ["volume", "inspect", v.name]) !== undefined)
        .sort((a, b) => a.name.localeCompare(b.name));
    const images = [
        ...new Set(
            resources
                .filter(r => r.type === REMOTE_IMAGE && r.inputs?.keepLocally)
                .map(r => JSON.stringify({ ref: r.outputs?.name ?? r.inputs.name, host: engineOf.get(r.provider) })),
        ),
    ]
        .map(s => JSON.parse(s))
        .filter(i => docker(i.host, ["image", "inspect", i.ref]) !== undefined)
        .sort((a, b) => a.ref.localeCompare(b.ref));

    const out = [];
    if (volumes.length) {
        out.push("Kept: data volumes (the next scripts/up.sh finds the same data in them):");
        for (const v of volumes) out.push(`  ${v.name}`);
        const byHost = Map.groupBy(volumes, v => v.host);
        for (const [host, vs] of byHost) out.push(`  remove them with: docker ${h(host)}volume rm ${vs.map(v => v.name).join(" ")}`);
    }
    if (images.length) {
        out.push("Kept: images (the engine's cache; the next up does not pull or build them again):");
        for (const i of images) out.push(`  ${i.ref}`);
        const byHost = Map.groupBy(images, i => i.host);
        for (const [host, is] of byHost) out.push(`  remove them with: docker ${h(host)}image rm ${is.map(i => i.ref).join(" ")}`);
    }
    if (!out.length) out.push("Kept: nothing on the engine.");
    out.push("The stack and its state stay (its outputs are gone): `pulumi stack rm` removes them.");
    console.log(out.join("\n"));
}

main(process.argv[2]);
