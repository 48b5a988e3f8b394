import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { hashBuildInputs, provenanceOf } from "./build-context";
import { DockerEngine } from "./engine";

export interface BuildSpec {
    /** Build context directory. */
    context: string;
    /** Dockerfile path, relative to the context or absolute, inside the context; defaults to Dockerfile (`docker build -f`). */
    dockerfile?: string;
    /** Build-time ARGs. Never secrets: they are stored in the image's history. */
    args?: Record<string, string>;
    /** Multi-stage target. */
    target?: string;
    /** e.g. linux/amd64. */
    platform?: string;
    /** Extra labels; `git-commit` and `build-date` are always set. */
    labels?: Record<string, string>;
    /** The directory whose git history gives those two labels, when the context is a staged copy of it; defaults to the context. */
    provenanceDir?: string;
    /**
     * A file the build's output (BuildKit's plain progress) is appended to: a
     * failed step's own error (pip's, mamba's) is there, while the provider's
     * error only names the step and its exit code, and the Pulumi CLI hides a
     * provider's own output.
     */
    logFile?: string;
}

/** Where built images go; the engine that pushes must be able to log in (DockerEngine registryLogins). */
export interface PushTarget {
    /** host[:port], as image references name it. */
    server: string;
}

export type ImageSource = { pull: string } | { build: BuildSpec; repository: string; tag?: string };

export interface ContainerImageArgs {
    /**
     * The engine whose containers run the image: it holds the image, pulled or
     * built there. None: whatever runs it pulls it itself (a swarm's nodes), by
     * the pushed digest for a built image.
     */
    engine?: DockerEngine;
    source: ImageSource;
    /** Where a built image is built and pushed from; defaults to `engine`. */
    buildEngine?: DockerEngine;
    /** Push a built image here and run it by digest. */
    push?: PushTarget;
}

/**
 * The image a container runs, made ready on its engine: pulled by reference,
 * or built from a Dockerfile and, with a push target, pushed to the registry
 * and pulled back by digest (build -> push -> pull).
 *
 * A built image is tagged with a digest of its build inputs, so `ref` changes
 * exactly when the content does: containers are replaced then, and an unchanged
 * context neither rebuilds nor replaces anything.
 */
export class ContainerImage extends pulumi.ComponentResource {
    /** The reference to give a container: name:tag locally, registry/repo@sha256:... when pushed. */
    readonly ref: pulumi.Output<string>;
    /** registry/repo@sha256:... of the pushed image; undefined when nothing is pushed. */
    readonly pushedDigestRef?: pulumi.Output<string>;
    /** The name:tag the image was built or pulled under. */
    readonly imageName: pulumi.Output<string>;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:docker:ContainerImage", name, {}, opts);
        const source = args.source;

        if ("pull" in source) {
            const pulled = args.engine ? this.pull(name, args.engine, source.pull).name : pulumi.output(source.pull);
            this.imageName = pulled;
            this.ref = pulled;
        } else {
            const buildEngine = args.buildEngine ?? args.engine;
            if (!buildEngine) throw new Error(`${name}: a built image needs an engine to build on`);
            const built = this.build(name, buildEngine, source, args.push?.server);
            this.imageName = built.name;
            if (args.push) {
                const pushed = new docker.RegistryImage(
                    `${name}-push`,
                    {
                        name: built.name,
                        keepRemotely: true,
                        triggers: { imageId: built.imageId },
                    },
                    buildEngine.on(this),
                );
                this.pushedDigestRef = pulumi.interpolate`${args.push.server}/${source.repository}@${pushed.sha256Digest}`;
                this.ref = args.engine ? this.pull(`${name}-pull`, args.engine, this.pushedDigestRef).name : this.pushedDigestRef;
            } else {
                if (buildEngine !== args.engine)
                    throw new Error(`${name}: an image built on another engine needs a push target to reach the engine that runs it`);
                this.ref = built.name;
            }
        }
        this.registerOutputs({ ref: this.ref, imageName: this.imageName, pushedDigestRef: this.pushedDigestRef });
    }

    private pull(name: string, engine: DockerEngine, ref: pulumi.Input<string>): docker.RemoteImage {
        // keepLocally: an image is a cache shared with whatever else runs on the engine; destroy leaves it.
        return new docker.RemoteImage(name, { name: ref, keepLocally: true }, engine.on(this));
    }

    private build(
        name: string,
        engine: DockerEngine,
        source: { build: BuildSpec; repository: string; tag?: string },
        server?: string,
    ): docker.RemoteImage {
        const spec = source.build;
        const context = path.resolve(spec.context);
        const dockerfile = path.resolve(context, spec.dockerfile ?? "Dockerfile");
        // The engine receives the context as an archive and reads the Dockerfile from inside it.
        const dockerfileInContext = path.relative(context, dockerfile);
        if (dockerfileInContext.startsWith(".."))
            throw new Error(`${name}: the Dockerfile ${dockerfile} must be inside the build context ${context}`);
        const provenance = provenanceOf(spec.provenanceDir ?? context);
        const labels = { ...spec.labels, "git-commit": provenance.gitCommit, "build-date": provenance.buildDate };
        const buildArgs = spec.args ?? {};
        const inputsHash = hashBuildInputs(context, dockerfile, { buildArgs, labels, target: spec.target, platform: spec.platform });
        const tag = source.tag ?? `b-${inputsHash.slice(0, 16)}`;
        const repository = server ? `${server}/${source.repository}` : source.repository;
        return new docker.RemoteImage(
            name,
            {
                name: `${repository}:${tag}`,
                keepLocally: true,
                triggers: { buildInputs: inputsHash },
                build: {
                    context,
                    dockerfile: dockerfileInContext,
                    buildArgs,
                    target: spec.target,
                    platform: spec.platform,
                    label: labels,
                    ...(spec.logFile ? { buildLogFile: spec.logFile } : {}),
                },
            },
            engine.on(this),
        );
    }
}

/**
 * An image for machines that pull for themselves (a swarm's nodes, a
 * cluster's): a pulled one as named, a built one built on `buildEngine` and
 * pushed to `push`, which those machines pull by its digest. `machines` says
 * whose, for the error when there is no registry to push to.
 */
export function imageForPullingMachines(
    parent: pulumi.Resource,
    name: string,
    source: ImageSource,
    to: { buildEngine: DockerEngine; push?: PushTarget; machines: string },
): ContainerImage {
    if (!("build" in source)) return new ContainerImage(name, { source }, { parent });
    if (!to.push) throw new Error(`${name}: ${to.machines} pull built images from a registry; none is given`);
    return new ContainerImage(name, { source, buildEngine: to.buildEngine, push: to.push }, { parent });
}
