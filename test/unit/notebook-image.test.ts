import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { provenanceOf } from "../../components/build-context";
import { JUPYTER_IMAGE_CONTEXT, jupyterImageSource } from "../../components/jupyter";
import { NotebookPackages, stageNotebookContext, withUserEnvironment } from "../../components/notebook-packages";
import { checkEnvironmentYml, checkRequirementsTxt } from "../../config/notebook-image";
import { defaultNotebookBaseImage, NOTEBOOK_IMAGES } from "../../config/notebook-images";
import { loadSettings } from "../../settings/load";
import { Settings } from "../../settings";
import { deployLocal } from "../../targets/local";
import { byType, runWithMocks, valueOf } from "./harness";

const IMAGE = "docker:index/remoteImage:RemoteImage";
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-notebook-image-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A file in the test's directory; its absolute path. */
function file(name: string, content: string | Buffer): string {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, content);
    return p;
}

async function settings(config: Record<string, string>): Promise<{ settings?: Settings; error?: Error }> {
    const run = await runWithMocks(config, () => loadSettings(undefined, {}));
    return { settings: run.result, error: run.error };
}

describe("the pinned default images (config/notebook-images.ts)", () => {
    const dated = (image: string) => /^quay\.io\/jupyter\/[a-z-]+:(?:([a-z0-9]+)-)?(\d{4}-\d{2}-\d{2})$/.exec(image);

    test("the CPU and every CUDA default are of the same stack and the same dated release", () => {
        const images = [NOTEBOOK_IMAGES.cpu, NOTEBOOK_IMAGES.cuda.image, ...NOTEBOOK_IMAGES.cudaVariants.map(v => v.image)];
        for (const image of images) {
            expect(image.split(":")[0]).toBe(NOTEBOOK_IMAGES.stack);
            expect(dated(image)?.[2]).toBe(NOTEBOOK_IMAGES.date);
        }
        expect(dated(NOTEBOOK_IMAGES.cpu)?.[1]).toBeUndefined();
        // The CUDA variants carry their CUDA major version in the prefix, as docker-stacks tags pytorch-notebook's.
        for (const v of NOTEBOOK_IMAGES.cudaVariants) expect(dated(v.image)?.[1]).toBe(`cuda${v.cudaVersion.split(".")[0]}`);
        expect(NOTEBOOK_IMAGES.cudaVariants).toContainEqual(NOTEBOOK_IMAGES.cuda);
    });

    test("the default with GPUs is the CUDA variant needing the oldest driver; without, the CPU image", () => {
        const oldest = [...NOTEBOOK_IMAGES.cudaVariants].sort(
            (a, b) =>
                Number(a.cudaVersion.split(".")[0]) - Number(b.cudaVersion.split(".")[0]) ||
                Number(a.cudaVersion.split(".")[1]) - Number(b.cudaVersion.split(".")[1]),
        )[0];
        expect(defaultNotebookBaseImage(true)).toBe(oldest.image);
        expect(defaultNotebookBaseImage(false)).toBe(NOTEBOOK_IMAGES.cpu);
    });

    test("images/jupyter/Dockerfile's BASE_IMAGE default (for a plain docker build) is the pinned CPU image", () => {
        const dockerfile = fs.readFileSync(path.join(JUPYTER_IMAGE_CONTEXT, "Dockerfile"), "utf8");
        expect(/^ARG BASE_IMAGE=(.*)$/m.exec(dockerfile)?.[1]).toBe(NOTEBOOK_IMAGES.cpu);
    });

    test("an empty dsenv:jupyterBaseImage is the pinned CPU image; a set one is used as it is", async () => {
        expect((await settings({})).settings?.jupyter.baseImage).toBe(NOTEBOOK_IMAGES.cpu);
        expect((await settings({ jupyterBaseImage: "dsenv/jupyter-standin:test" })).settings?.jupyter.baseImage).toBe(
            "dsenv/jupyter-standin:test",
        );
    });
});

describe("dsenv:jupyterRequirements and dsenv:jupyterEnvironment", () => {
    const REQS = "pip requirements file (requirements.txt)";
    const ENV = "conda environment file (environment.yml)";

    test("unset: no packages, and the image is built from images/jupyter itself, as before", async () => {
        const { settings: s } = await settings({});
        expect(s?.jupyter.packages).toEqual({ environment: undefined, requirements: undefined });
        const source = jupyterImageSource("base:1", undefined, s?.jupyter.packages);
        expect(source).toEqual({
            repository: "dsenv/jupyter",
            tag: undefined,
            build: { context: JUPYTER_IMAGE_CONTEXT, args: { BASE_IMAGE: "base:1" } },
        });
    });

    test("read from absolute and relative (to the project directory) paths, with their text", async () => {
        const reqs = file("requirements.txt", "tabulate==0.9.0\n");
        const env = file(
            "environment.yml",
            "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n  - pip:\n      - tabulate==0.9.0\n",
        );
        const { settings: s, error } = await settings({ jupyterRequirements: path.relative(process.cwd(), reqs), jupyterEnvironment: env });
        expect(error).toBeUndefined();
        expect(s?.jupyter.packages).toEqual({
            requirements: { source: reqs, text: "tabulate==0.9.0\n" },
            environment: { source: env, text: fs.readFileSync(env, "utf8") },
        });
    });

    test.each<[string, () => Record<string, string>, (dir: string) => string]>([
        [
            "a missing file",
            () => ({ jupyterRequirements: path.join(tmp, "nope.txt") }),
            d =>
                `dsenv:jupyterRequirements: got ${JSON.stringify(path.join(d, "nope.txt"))}, expected an existing ${REQS} (${path.join(d, "nope.txt")} does not exist)`,
        ],
        [
            "a directory",
            () => ({ jupyterEnvironment: tmp }),
            d => `dsenv:jupyterEnvironment: got ${JSON.stringify(d)}, expected a ${ENV} (${d} is a directory)`,
        ],
        [
            "a file that is not UTF-8",
            () => ({ jupyterRequirements: file("latin1.txt", Buffer.from("tabulate\n# caf\xe9\n", "latin1")) }),
            d =>
                `dsenv:jupyterRequirements: got ${JSON.stringify(path.join(d, "latin1.txt"))}, expected a ${REQS} in UTF-8 (${path.join(d, "latin1.txt")} has bytes that are not UTF-8 on line 2)`,
        ],
        [
            "a file bigger than 1 MiB",
            () => ({ jupyterRequirements: file("big.txt", "#".repeat(1024 * 1024 + 1)) }),
            d =>
                `dsenv:jupyterRequirements: got ${JSON.stringify(path.join(d, "big.txt"))}, expected a ${REQS} of at most 1048576 bytes (${path.join(d, "big.txt")} is bigger)`,
        ],
        [
            "requirements naming a local file",
            () => ({ jupyterRequirements: file("nested.txt", "tabulate\n-r base.txt\n-e .\n") }),
            d =>
                `dsenv:jupyterRequirements: got ${JSON.stringify(path.join(d, "nested.txt"))}, expected a ${REQS} that the build can install on its own (${path.join(d, "nested.txt")}: line 2: -r base.txt names a local file or directory, which is not copied into the image (list the packages, or a URL); line 3: -e . names a local file or directory, which is not copied into the image (list the packages, or a URL))`,
        ],
        [
            "an environment.yml that is not YAML",
            () => ({ jupyterEnvironment: file("broken.yml", "dependencies:\n  - numpy\n - pandas: [\n") }),
            d =>
                `dsenv:jupyterEnvironment: got ${JSON.stringify(path.join(d, "broken.yml"))}, expected a ${ENV} that the build can install on its own (${path.join(d, "broken.yml")}: not YAML at line`,
        ],
    ])("%s fails at preview, naming the key, the value and what is accepted", async (_, config, message) => {
        const { error } = await settings(config());
        expect(error?.name).toBe("ConfigError");
        expect(error?.message).toContain(message(tmp));
    });

    test("the ci-push target refuses them: it tags the project's own images by commit", async () => {
        const reqs = file("ci-requirements.txt", "tabulate==0.9.0\n");
        const { error } = await settings({ target: "ci-push", azureRegistryName: "dsenvunit01", jupyterRequirements: reqs });
        expect(error?.message).toContain(
            `dsenv:jupyterRequirements: got ${JSON.stringify(reqs)}, expected it unset, since the ci-push target pushes the project's own images, tagged by commit (it has no effect)`,
        );
    });
});

describe("what the build can check before it runs", () => {
    test("requirements.txt: packages, options and URLs pass; local files and paths do not", () => {
        expect(
            checkRequirementsTxt(
                "# c\ntabulate==0.9.0  # pinned\n--index-url https://example.org/simple\n-r https://example.org/r.txt\n-e git+https://example.org/x.git#egg=x\nrequests[socks]>=2\n",
            ),
        ).toEqual([]);
        expect(
            checkRequirementsTxt(
                "--requirement=other.txt\n-c ./constraints.txt\n./wheels/x.whl\n/abs/pkg\nfile:///x\n--find-links wheels/\n",
            ),
        ).toHaveLength(6);
        expect(checkRequirementsTxt("--find-links https://example.org/wheels/\n")).toEqual([]);
    });

    test("environment.yml: a mapping with a dependencies list of specs and a pip list", () => {
        expect(checkEnvironmentYml("name: a\ndependencies:\n  - numpy=2\n  - pip\n  - pip:\n      - tabulate\n")).toEqual([]);
        expect(checkEnvironmentYml("- numpy\n")).toEqual(["not a mapping (name:, channels:, dependencies:)"]);
        expect(checkEnvironmentYml("name: a\n")).toEqual(["no dependencies: list"]);
        expect(checkEnvironmentYml("dependencies: numpy\n")).toEqual(["dependencies: is not a list"]);
        expect(checkEnvironmentYml("dependencies:\n  - pip:\n      - -r requirements.txt\n")).toEqual([
            "pip: -r requirements.txt names a local file or directory, which is not copied into the image",
        ]);
    });
});

describe("the notebook image with the user's files", () => {
    const env = (requirements?: string, environment?: string): NotebookPackages => ({
        requirements: requirements === undefined ? undefined : { source: "/x/requirements.txt", text: requirements },
        environment: environment === undefined ? undefined : { source: "/x/environment.yml", text: environment },
    });
    const root = () => fs.mkdtempSync(path.join(tmp, "contexts-"));

    test("the Dockerfile gets a step per file after its own: conda's first, then pip's, with BuildKit cache mounts owned by the notebook's user", () => {
        const both = withUserEnvironment('FROM base\nCMD ["x"]', env("a\n", "dependencies: []\n"), "/l/x.build.log");
        expect(both.startsWith('FROM base\nCMD ["x"]\n\n# dsenv:jupyterEnvironment')).toBe(true);
        expect(both.indexOf("mamba env update --yes --name base --file /tmp/dsenv/environment.yml")).toBeLessThan(
            both.indexOf("pip install --cache-dir /tmp/dsenv/pip-cache --requirement /tmp/dsenv/requirements.txt"),
        );
        expect(both).toContain("--mount=type=cache,id=dsenv-pip,target=/tmp/dsenv/pip-cache,uid=1000,gid=100,sharing=locked");
        expect(both).toContain("--mount=type=cache,id=dsenv-conda-pkgs,target=/tmp/dsenv/conda-pkgs,uid=1000,gid=100,sharing=locked");
        expect(both).toContain(
            "echo 'pip could not install dsenv:jupyterRequirements: its own error is at the end of /l/x.build.log' >&2; exit 1;",
        );
        expect(both).not.toMatch(/^# syntax=/m);
        const pipOnly = withUserEnvironment("FROM base\n", env("a\n"), "/l/x.build.log");
        expect(pipOnly).not.toContain("mamba");
        expect(pipOnly).toContain("source=user-environment/requirements.txt");
    });

    test("the staged context is images/jupyter plus the files, named by their content: the same content, the same directory and tag", () => {
        const dir = root();
        const a = stageNotebookContext(JUPYTER_IMAGE_CONTEXT, env("tabulate==0.9.0\n"), dir);
        const again = stageNotebookContext(JUPYTER_IMAGE_CONTEXT, env("tabulate==0.9.0\n"), dir);
        expect(again).toEqual(a);
        expect(path.dirname(a.context)).toBe(dir);
        expect(a.log).toBe(`${a.context}.build.log`);
        expect(fs.readFileSync(path.join(a.context, "user-environment", "requirements.txt"), "utf8")).toBe("tabulate==0.9.0\n");
        for (const f of fs.readdirSync(JUPYTER_IMAGE_CONTEXT).filter(f => f !== "Dockerfile")) {
            expect(fs.readFileSync(path.join(a.context, f))).toEqual(fs.readFileSync(path.join(JUPYTER_IMAGE_CONTEXT, f)));
            expect(fs.statSync(path.join(a.context, f)).mode).toBe(fs.statSync(path.join(JUPYTER_IMAGE_CONTEXT, f)).mode);
        }
        expect(fs.readdirSync(dir).filter(f => f.startsWith("staging-"))).toEqual([]);
    });

    test("the image's tag changes with a file's content, and only with it", async () => {
        const tagOf = async (environment: NotebookPackages | undefined) => {
            const run = await runWithMocks({}, () => {
                const s = loadSettings(undefined, {});
                return deployLocal({ ...s, jupyter: { ...s.jupyter, packages: environment } });
            });
            expect(run.error).toBeUndefined();
            const image = byType(run, IMAGE).find(d => d.name === "workspace-jupyter-image")!;
            return { name: (await valueOf(image.props.name)) as string, build: (await valueOf(image.props.build)) as Record<string, any> };
        };
        const plain = await tagOf(undefined);
        const first = await tagOf(env("tabulate==0.9.0\n"));
        const same = await tagOf(env("tabulate==0.9.0\n"));
        const changed = await tagOf(env("tabulate==0.8.10\n"));
        const withConda = await tagOf(env("tabulate==0.9.0\n", "dependencies: [numpy]\n"));
        expect(plain.build.context).toBe(JUPYTER_IMAGE_CONTEXT);
        expect(plain.build.buildLogFile).toBeUndefined();
        expect(same.name).toBe(first.name);
        expect(new Set([plain.name, first.name, changed.name, withConda.name]).size).toBe(4);
        // The labels name images/jupyter's commit, as without the user's files; the build log lies beside the context.
        const provenance = provenanceOf(JUPYTER_IMAGE_CONTEXT);
        expect(first.build.label).toEqual(plain.build.label);
        expect(first.build.label).toMatchObject({ "git-commit": provenance.gitCommit, "build-date": provenance.buildDate });
        expect(first.build.buildLogFile).toBe(`${first.build.context}.build.log`);
        expect(first.build.context.startsWith(path.join(process.env.DSENV_HOME!, "notebook-contexts"))).toBe(true);
    });
});
