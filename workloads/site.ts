import { StaticSite, StaticSiteContent } from "../components/workloads/static-site";
import { hostDir } from "../config/host-paths";
import { ConfigReader } from "../config/reader";
import * as rules from "../config/rules";
import { EngineSettings, Published } from "../config/settings";
import { WorkloadConfigKey } from "../config/workload-defaults";
import { readPublish } from "../config/workload-readers";
import * as workloadRules from "../config/workload-rules";
import { WorkloadDefinition } from "./definition";

// A static web server.

/** Where the site comes from: the component's own choice of a host directory or a built image. */
export type SiteContent = StaticSiteContent;

export interface SiteSettings {
    /** The httpd image served from, or the base of the built site image. */
    image: string;
    content: SiteContent;
    publish: Published;
}

function readSite(read: ConfigReader, engine: EngineSettings): SiteSettings {
    const source = read.string("siteSource", rules.oneOf(["bind", "image"]));
    const dir = read.string("siteDir", v => (source !== "bind" && v === "" ? undefined : rules.hostPath(v)));
    const label = (key: WorkloadConfigKey) => read.string(key, workloadRules.labelText);
    if (source === "image") read.rejectOrphan("siteDir", 'dsenv:siteSource is "image" (the site is built from images/site)');
    if (source === "bind")
        for (const key of ["siteMaintainer", "siteVersion", "siteDescription"] as const)
            read.rejectOrphan(key, 'dsenv:siteSource is "bind" (labels belong to a built image)');
    const content: SiteContent =
        source === "image"
            ? { kind: "image", maintainer: label("siteMaintainer"), version: label("siteVersion"), description: label("siteDescription") }
            : { kind: "bind", hostPath: hostDir(read, "siteDir", dir, engine) };
    return { image: read.string("siteImage", rules.imageRef), content, publish: readPublish(read, "siteHostPort", "siteHostIp") };
}

export const site: WorkloadDefinition<SiteSettings> = {
    key: "site",
    read: (read, ctx) => readSite(read, ctx.engine),
    published: s => [["siteHostPort", s.publish]],
    gpus: () => undefined,
    deploy(s, ctx) {
        const w = new StaticSite("site", { ...ctx, image: s.image, content: s.content, publish: s.publish });
        return { siteUrl: w.url, siteContainer: w.containerName, siteHostPort: w.hostPort };
    },
};
