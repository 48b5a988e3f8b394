import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { checkHostPortsDistinct } from "../../settings/load";
import { ConfigReader } from "../../config/reader";
import { EngineSettings } from "../../config/settings";
import { HostFacts, readWorkloads, SHIPPED_APP_SOURCE, WorkloadSettings, workloadHostPorts } from "../../workloads/read";
import { isSecret, runWithMocks } from "./harness";

const IMAGE =
    "an image reference like name:tag, repo/name:tag or host:port/repo/name@sha256:<64 hex> (lower-case repository, tag up to 128 characters, name up to 255)";
const DOCKER_HOST = "unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port] (port 1 to 65535, an IPv6 address in brackets)";
const REGISTRY =
    "a registry host name with an optional port (1 to 65535), without path: HTTPS as is (e.g. myregistry.example.com, 127.0.0.1:5000, [2001:db8::5]:5000), plain HTTP after http:// (e.g. http://127.0.0.1:5000)";
const HTTP_URL = "an http:// or https:// URL without spaces (port 1 to 65535, an IPv6 address in brackets)";
const LOCAL: EngineSettings = { host: undefined, isLocal: true };
const REMOTE: EngineSettings = { host: "ssh://azureuser@20.1.2.3", isLocal: false };
const RUNC = JSON.stringify({ ServerVersion: "27.3.1", Runtimes: { "io.containerd.runc.v2": { path: "runc" }, runc: { path: "runc" } } });
const NVIDIA = JSON.stringify({
    ServerVersion: "27.3.1",
    Runtimes: { nvidia: { path: "nvidia-container-runtime" }, runc: { path: "runc" } },
});

/** A machine whose engine answers `docker info` with `answer`, without the NVIDIA hook, and whose user is uid/gid 1000. */
function host(
    answer: ReturnType<HostFacts["runDocker"]> = { ok: true, stdout: RUNC },
    user = { uid: 1000, gid: 1000 },
): HostFacts & { calls: string[][] } {
    const calls: string[][] = [];
    return { calls, user, runDocker: args => (calls.push(args), answer), runHost: () => ({ ok: true, stdout: "" }) };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-workloads-"));
const dir = (name: string, ...subdirs: string[]) => {
    const d = path.join(tmp, name);
    for (const s of ["", ...subdirs]) fs.mkdirSync(path.join(d, s), { recursive: true });
    return d;
};
const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(tmp, name), text);
    return path.join(tmp, name);
};
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function read(
    config: Record<string, string>,
    facts: HostFacts = host(),
    engine: EngineSettings = LOCAL,
): Promise<{ settings: WorkloadSettings; problems: string[] }> {
    const r = await runWithMocks(config, () => {
        const reader = new ConfigReader(new pulumi.Config());
        const settings = readWorkloads(reader, engine, facts);
        checkHostPortsDistinct(reader, workloadHostPorts(settings));
        return { settings, problems: reader.problems };
    });
    if (r.error) throw r.error;
    expect(r.declared).toEqual([]);
    return r.result;
}

const GPUS =
    '"auto" (GPUs where the engine can give them, none elsewhere), or "" (no GPUs), "all", a number of GPUs such as "2", or "device=" with GPU indexes or UUIDs separated by commas, e.g. "device=0,2" (the forms of docker run --gpus)';
const RSTUDIO = {
    rstudioEnabled: "true",
    rstudioDownloadUrl: "https://downloads.example.com/rstudio-server-2024.12.1-563-amd64.deb",
    rstudioGpus: "",
};
const GPU_OFF = { rstudioGpus: "", pytorchGpus: "", labGpus: "" };

describe("workload config is rejected naming key, value and what is accepted", () => {
    const siteDir = dir("site");
    test.each<[string, Record<string, string>, string]>([
        [
            "GPU list with a semicolon",
            { pytorchEnabled: "true", pytorchGpus: "device=0;2" },
            `dsenv:pytorchGpus: got "device=0;2", expected ${GPUS}`,
        ],
        [
            "shm below Docker's default",
            { pytorchEnabled: "true", ...GPU_OFF, pytorchShmSizeMb: "32" },
            "dsenv:pytorchShmSizeMb: got 32, expected an integer size in MiB from 64 to 1048576",
        ],
        [
            "shm written like compose",
            { pytorchEnabled: "true", ...GPU_OFF, pytorchShmSizeMb: "2gb" },
            'dsenv:pytorchShmSizeMb: got "2gb", expected an integer size in MiB from 64 to 1048576',
        ],
        [
            "an empty command",
            { pytorchEnabled: "true", ...GPU_OFF, pytorchCommand: "[]" },
            'dsenv:pytorchCommand: got [], expected a non-empty command, e.g. ["sleep", "infinity"]',
        ],
        [
            "a command that is not a list",
            { pytorchEnabled: "true", ...GPU_OFF, pytorchCommand: "sleep infinity" },
            "dsenv:pytorchCommand: got \"sleep infinity\", expected a list of strings (pulumi config set --path 'key[0]' value)",
        ],
        [
            "a relative home directory",
            { pytorchEnabled: "true", ...GPU_OFF, pytorchHomeDir: "patrick" },
            'dsenv:pytorchHomeDir: got "patrick", expected an absolute host path (/...) or one under your home (~/...)',
        ],
        [
            "an image with upper case",
            { pytorchEnabled: "true", ...GPU_OFF, pytorchImage: "PyTorch/pytorch:latest" },
            `dsenv:pytorchImage: got "PyTorch/pytorch:latest", expected ${IMAGE}`,
        ],
        [
            "RStudio without its download",
            { rstudioEnabled: "true", rstudioGpus: "" },
            'dsenv:rstudioDownloadUrl: got "", expected the http(s) URL of the rstudio-server .deb for dsenv:rstudioVersion and the base image\'s Ubuntu release (see docs/workloads.md)',
        ],
        [
            "RStudio download over ftp",
            { ...RSTUDIO, rstudioDownloadUrl: "ftp://mirror/rstudio.deb" },
            `dsenv:rstudioDownloadUrl: got "ftp://mirror/rstudio.deb", expected ${HTTP_URL}`,
        ],
        [
            "RStudio version 'latest'",
            { ...RSTUDIO, rstudioVersion: "latest" },
            'dsenv:rstudioVersion: got "latest", expected an RStudio Server release like 2024.12.1-563',
        ],
        [
            "RStudio port above range",
            { ...RSTUDIO, rstudioHostPort: "87870" },
            "dsenv:rstudioHostPort: got 87870, expected an integer port from 1 to 65535",
        ],
        [
            "RStudio host IP that is a name",
            { ...RSTUDIO, rstudioHostIp: "localhost" },
            'dsenv:rstudioHostIp: got "localhost", expected an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)',
        ],
        [
            "lab as root",
            { labEnabled: "true", ...GPU_OFF, labUid: "0" },
            "dsenv:labUid: got 0, expected -1 (the id of the user running pulumi) or an integer from 1 to 2147483647 (not 0: the lab runs as a non-root user)",
        ],
        [
            "lab gid not a number",
            { labEnabled: "true", ...GPU_OFF, labGid: "users" },
            'dsenv:labGid: got "users", expected -1 (the id of the user running pulumi) or an integer from 1 to 2147483647 (not 0: the lab runs as a non-root user)',
        ],
        [
            "a proxy without scheme",
            { labEnabled: "true", ...GPU_OFF, labHttpProxy: "192.168.0.10:3128" },
            `dsenv:labHttpProxy: got "192.168.0.10:3128", expected ${HTTP_URL}`,
        ],
        [
            "an apt package with a shell command",
            { labEnabled: "true", ...GPU_OFF, labAptPackages: '["vim; rm -rf /"]' },
            'dsenv:labAptPackages: got "vim; rm -rf /", expected a Debian package name, optionally with =version (e.g. vim or git=1:2.39.5-0+deb12u1)',
        ],
        [
            "a pip option smuggled in",
            { labEnabled: "true", ...GPU_OFF, labPipPackages: '["--index-url=http://x"]' },
            'dsenv:labPipPackages: got "--index-url=http://x", expected a pip requirement like pandas==2.2.3 or scikit-learn>=1.5 (no spaces, no URLs)',
        ],
        [
            "lab port used by the site",
            { labEnabled: "true", ...GPU_OFF, siteEnabled: "true", siteDir, siteHostPort: "8080" },
            "dsenv:siteHostPort: got 8080, expected a host port not already published by dsenv:labHostPort",
        ],
        [
            "site source unknown",
            { siteEnabled: "true", siteSource: "copy", siteDir },
            'dsenv:siteSource: got "copy", expected one of bind, image',
        ],
        [
            "site served from nowhere",
            { siteEnabled: "true" },
            'dsenv:siteDir: got "", expected an absolute host path (/...) or one under your home (~/...)',
        ],
        [
            "a site label with a quote",
            { siteEnabled: "true", siteSource: "image", siteMaintainer: 'me" evil="1' },
            'dsenv:siteMaintainer: got "me\\" evil=\\"1", expected up to 200 characters on one line, without " \\ $ or `',
        ],
        ["app port zero", { appEnabled: "true", appHostPort: "0" }, "dsenv:appHostPort: got 0, expected an integer port from 1 to 65535"],
        [
            "secret keys without an env file",
            { appEnabled: "true", appSecretEnvKeys: '["API_KEY"]' },
            'dsenv:appSecretEnvKeys: got ["API_KEY"], expected [] while dsenv:appEnvFile is empty',
        ],
        [
            "a secret key name with a dash",
            { appEnabled: "true", appEnvFile: file("ok.env", "A=1\n"), appSecretEnvKeys: '["API-KEY"]' },
            'dsenv:appSecretEnvKeys: got "API-KEY", expected an environment variable name: letters, digits and underscores, not starting with a digit',
        ],
        ["enabled flag that is not a boolean", { appEnabled: "yes" }, 'dsenv:appEnabled: got "yes", expected true or false'],
    ])("%s", async (_, config, message) => {
        expect((await read(config)).problems).toEqual([message]);
    });

    test("a project directory that does not exist on the local engine's host", async () => {
        const missing = path.join(tmp, "no-such-rproject");
        expect((await read({ ...RSTUDIO, rstudioProjectDir: missing })).problems).toEqual([
            `dsenv:rstudioProjectDir: got ${JSON.stringify(missing)}, expected an existing directory (${missing} does not exist; create it first)`,
        ]);
    });

    test("a site directory that does not exist", async () => {
        const missing = path.join(tmp, "no-such-site");
        expect((await read({ siteEnabled: "true", siteDir: missing })).problems).toEqual([
            `dsenv:siteDir: got ${JSON.stringify(missing)}, expected an existing directory (${missing} does not exist; create it first)`,
        ]);
    });

    test("-1 as the lab's ids when pulumi runs as root, or for a remote engine", async () => {
        const asRoot = await read({ labEnabled: "true", ...GPU_OFF }, host(undefined, { uid: 0, gid: 0 }));
        expect(asRoot.problems).toEqual([
            "dsenv:labUid: got -1, expected an explicit uid from 1 to 2147483647 (-1 means the uid of the user running pulumi, which is 0 (root))",
            "dsenv:labGid: got -1, expected an explicit gid from 1 to 2147483647 (-1 means the gid of the user running pulumi, which is 0 (root))",
        ]);
        const remote = await read({ labEnabled: "true", ...GPU_OFF, labGid: "100" }, host(), REMOTE);
        expect(remote.problems).toEqual([
            "dsenv:labUid: got -1, expected the uid that owns dsenv:labWorkspaceDir on the engine's host (-1 means the uid of the user running pulumi, which only fits a local engine)",
        ]);
    });

    test("an app source without the directories its volumes are mounted on", async () => {
        const src = dir("app-src", "feedback");
        expect((await read({ appEnabled: "true", appSourceDir: src })).problems).toEqual([
            `dsenv:appSourceDir: got ${JSON.stringify(src)}, expected a directory that has feedback/ and node_modules/ in it (Docker cannot create mount points inside a read-only bind mount; mkdir ${path.join(src, "node_modules")})`,
        ]);
    });

    test("the shipped app source cannot be bound on a remote engine", async () => {
        expect((await read({ appEnabled: "true" }, host(), REMOTE)).problems).toEqual([
            "dsenv:appSourceDir: got \"\", expected the app's source directory on the engine's host (the shipped images/feedback-app is only on this machine)",
        ]);
    });

    test("a malformed .env file, and a secret key it does not define; no value is echoed", async () => {
        const bad = file("bad.env", "GOOD=1\nPASSWORD\nexport TOKEN=hunter2\n");
        const problems = (await read({ appEnabled: "true", appEnvFile: bad, appSecretEnvKeys: '["API_KEY"]' })).problems;
        expect(problems).toEqual([
            `dsenv:appEnvFile: got ${JSON.stringify(bad)}, expected a file in Docker's --env-file format (line 2: PASSWORD has no "=" (Docker would copy it from the environment of the machine reading the file; give its value); line 3: "export" is not part of Docker's env-file format (write TOKEN=...))`,
            `dsenv:appSecretEnvKeys: got "API_KEY", expected a key that dsenv:appEnvFile (${bad}) defines`,
        ]);
        expect(problems.join()).not.toContain("hunter2");
    });

    test("a binary file lists its first problems only", async () => {
        const binary = file("binary.env", Array.from({ length: 8 }, (_, i) => `K${i}=\u0001`).join("\n"));
        expect((await read({ appEnabled: "true", appEnvFile: binary })).problems).toEqual([
            `dsenv:appEnvFile: got ${JSON.stringify(binary)}, expected a file in Docker's --env-file format (line 1: the control character U+0001; line 2: the control character U+0001; line 3: the control character U+0001; line 4: the control character U+0001; line 5: the control character U+0001; and 3 more)`,
        ]);
    });

    test.each<[string, Record<string, string>, string]>([
        [
            "proxies at run time without a proxy",
            { labEnabled: "true", ...GPU_OFF, labProxyAtRuntime: "true" },
            "dsenv:labProxyAtRuntime: got true, expected it unset, since no proxy is set (dsenv:labHttpProxy, dsenv:labHttpsProxy, dsenv:labPipProxy) (it has no effect)",
        ],
        [
            "a site directory for a built site",
            { siteEnabled: "true", siteSource: "image", siteDir: "/srv/site" },
            'dsenv:siteDir: got "/srv/site", expected it unset, since dsenv:siteSource is "image" (the site is built from images/site) (it has no effect)',
        ],
        [
            "an image label for a served directory",
            { siteEnabled: "true", siteDir: dir("site-labels"), siteVersion: "2.0" },
            'dsenv:siteVersion: got "2.0", expected it unset, since dsenv:siteSource is "bind" (labels belong to a built image) (it has no effect)',
        ],
    ])("orphan: %s", async (_, config, message) => {
        expect((await read(config)).problems).toEqual([message]);
    });

    test("a proxy URL with a password is refused, and the password is not shown", async () => {
        const problems = (await read({ labEnabled: "true", ...GPU_OFF, labHttpProxy: "http://me:hunter2@proxy:3128" })).problems;
        expect(problems).toEqual([
            "dsenv:labHttpProxy: got \"http://me:[secret]@proxy:3128\", expected an http:// or https:// URL without a user or password (they would be kept in the stack's state and the image's history)",
        ]);
    });

    test("GPU requests as docker run --gpus takes them", async () => {
        const gpus = async (value: string) =>
            (await read({ pytorchEnabled: "true", pytorchGpus: value }, host({ ok: true, stdout: NVIDIA }))).settings.pytorch?.gpus;
        expect(await gpus("all")).toBe("all");
        expect(await gpus("2")).toEqual({ count: 2 });
        expect(await gpus("device=1")).toEqual({ devices: ["1"] });
        expect(await gpus("device=0,2")).toEqual({ devices: ["0", "2"] });
        expect(await gpus('"device=0,GPU-3a2b1c0d-1111-2222-3333-444455556666"')).toEqual({
            devices: ["0", "GPU-3a2b1c0d-1111-2222-3333-444455556666"],
        });
        expect(await gpus("device=0:1")).toEqual({ devices: ["0:1"] });
        expect(await gpus("")).toBeUndefined();
    });

    test.each([
        "0",
        "129",
        "0,2",
        "gpu0",
        "count=2",
        "all,0",
        "device=",
        "device=0,,1",
        "-1",
        "2.5",
        "99999999999",
        "device=GPU-xyz",
        "'device=0'",
    ])("GPU request %j is refused", async value => {
        expect((await read({ pytorchEnabled: "true", pytorchGpus: value })).problems).toEqual([
            `dsenv:pytorchGpus: got ${JSON.stringify(value)}, expected ${GPUS}`,
        ]);
    });

    test("a device twice is refused", async () => {
        expect((await read({ pytorchEnabled: "true", pytorchGpus: "device=1,1" })).problems).toEqual([
            `dsenv:pytorchGpus: got "device=1,1", expected ${GPUS}, each device once`,
        ]);
    });

    test("disabled workloads are not read: their keys cannot fail", async () => {
        expect((await read({ pytorchGpus: "0;2", siteHostPort: "0", labUid: "0" })).problems).toEqual([]);
    });
});

describe("files and directories: a key says which it wants, and nothing is written while checking", () => {
    const aFile = file("plain.txt", "A=1\n");
    const aDir = dir("a-dir");
    test.each<[string, Record<string, string>, string]>([
        [
            "a file as the project directory",
            { ...RSTUDIO, rstudioProjectDir: aFile },
            `dsenv:rstudioProjectDir: got ${JSON.stringify(aFile)}, expected a directory (${aFile} is a file)`,
        ],
        [
            "a file as the site directory",
            { siteEnabled: "true", siteDir: aFile },
            `dsenv:siteDir: got ${JSON.stringify(aFile)}, expected a directory (${aFile} is a file)`,
        ],
        [
            "a device as the lab workspace",
            { labEnabled: "true", ...GPU_OFF, labWorkspaceDir: "/dev/null" },
            'dsenv:labWorkspaceDir: got "/dev/null", expected a directory (/dev/null is a device)',
        ],
        [
            "a directory as the env file",
            { appEnabled: "true", appEnvFile: aDir },
            `dsenv:appEnvFile: got ${JSON.stringify(aDir)}, expected a file of KEY=VALUE lines (${aDir} is a directory)`,
        ],
        [
            "a device as the env file",
            { appEnabled: "true", appEnvFile: "/dev/zero" },
            'dsenv:appEnvFile: got "/dev/zero", expected a regular file of KEY=VALUE lines (/dev/zero is a device)',
        ],
        [
            "a path through a file",
            { appEnabled: "true", appEnvFile: `${aFile}/x.env` },
            `dsenv:appEnvFile: got ${JSON.stringify(`${aFile}/x.env`)}, expected a regular file of KEY=VALUE lines (${aFile}/x.env cannot be looked at: a part of the path is a file, not a directory)`,
        ],
        [
            "a missing env file",
            { appEnabled: "true", appEnvFile: path.join(tmp, "no.env") },
            `dsenv:appEnvFile: got ${JSON.stringify(path.join(tmp, "no.env"))}, expected an existing file of KEY=VALUE lines (${path.join(tmp, "no.env")} does not exist)`,
        ],
    ])("%s", async (_, config, message) => {
        expect((await read(config)).problems).toEqual([message]);
    });

    test("a named pipe as the env file is refused without waiting for a writer", async () => {
        const fifo = path.join(tmp, "pipe.env");
        execFileSync("mkfifo", [fifo]);
        expect((await read({ appEnabled: "true", appEnvFile: fifo })).problems).toEqual([
            `dsenv:appEnvFile: got ${JSON.stringify(fifo)}, expected a regular file of KEY=VALUE lines (${fifo} is a named pipe)`,
        ]);
    });

    test("an env file that is not UTF-8, or too big to be one", async () => {
        const latin1 = path.join(tmp, "latin1.env");
        fs.writeFileSync(latin1, Buffer.from("A=1\nNAME=Jos\xe9\n", "latin1"));
        const big = file("big.env", `A=${"x".repeat(1024 * 1024)}\n`);
        expect((await read({ appEnabled: "true", appEnvFile: latin1 })).problems).toEqual([
            `dsenv:appEnvFile: got ${JSON.stringify(latin1)}, expected a file of KEY=VALUE lines in UTF-8 (${latin1} has bytes that are not UTF-8 on line 2)`,
        ]);
        expect((await read({ appEnabled: "true", appEnvFile: big })).problems).toEqual([
            `dsenv:appEnvFile: got ${JSON.stringify(big)}, expected a file of KEY=VALUE lines of at most 1048576 bytes (${big} is bigger)`,
        ]);
    });

    test("an app source without mount points is refused and left as it was", async () => {
        const src = dir("untouched-src");
        expect((await read({ appEnabled: "true", appSourceDir: src })).problems).toHaveLength(1);
        expect(fs.readdirSync(src)).toEqual([]);
    });
});

describe("GPUs are checked against the engine before any resource", () => {
    test("an engine without the NVIDIA runtime: every GPU key fails, saying why and how to fix it", async () => {
        const facts = host({ ok: true, stdout: RUNC });
        const { problems } = await read({ pytorchEnabled: "true", pytorchGpus: "all", labEnabled: "true", labGpus: "device=0,1" }, facts);
        const fix = (key: string) =>
            `the Docker engine at the local socket cannot give containers GPUs (runtimes: io.containerd.runc.v2, runc; CDI off; no nvidia-container-runtime-hook on its host). ` +
            `To use GPUs, install the NVIDIA driver and the NVIDIA container toolkit on that host (its nvidia-container-runtime-hook serves docker run --gpus), ` +
            `optionally "sudo nvidia-ctk runtime configure --runtime=docker" and restart Docker; or turn GPUs off with ${key}=""`;
        expect(problems).toEqual([
            `dsenv:pytorchGpus: got "all", expected "" (no GPUs): ${fix("dsenv:pytorchGpus")}`,
            `dsenv:labGpus: got "device=0,1", expected "" (no GPUs): ${fix("dsenv:labGpus")}`,
        ]);
        expect(facts.calls).toEqual([["info", "--format", "{{json .}}"]]);
    });

    test("an engine with it passes, asked once at its configured host", async () => {
        const facts = host({ ok: true, stdout: NVIDIA });
        const { settings, problems } = await read(
            {
                ...RSTUDIO,
                rstudioGpus: "all",
                pytorchEnabled: "true",
                pytorchGpus: "all",
                labEnabled: "true",
                labGpus: "all",
                labUid: "1000",
                labGid: "1000",
            },
            facts,
            REMOTE,
        );
        expect(problems).toEqual([]);
        expect(facts.calls).toEqual([["-H", "ssh://azureuser@20.1.2.3", "info", "--format", "{{json .}}"]]);
        expect([settings.rstudio?.gpus, settings.pytorch?.gpus, settings.lab?.gpus]).toEqual(["all", "all", "all"]);
    });

    test("auto (the default) on an engine without a GPU path: the workloads get none, and each says why; nothing is refused", async () => {
        const facts = host({ ok: true, stdout: RUNC });
        const { settings, problems } = await read({ pytorchEnabled: "true", labEnabled: "true", labUid: "1000", labGid: "1000" }, facts);
        expect(problems).toEqual([]);
        expect([settings.pytorch?.gpus, settings.lab?.gpus]).toEqual([undefined, undefined]);
        const why =
            "the engine at the local socket has no GPU path (runtimes: io.containerd.runc.v2, runc; CDI off; no nvidia-container-runtime-hook on its host)";
        expect(settings.notices).toEqual([`dsenv:pytorchGpus is auto: none (${why})`, `dsenv:labGpus is auto: none (${why})`]);
        // The engine is asked once for both.
        expect(facts.calls).toEqual([["info", "--format", "{{json .}}"]]);
    });

    test("an engine that cannot be reached at preview leaves the check to deploy time, and says so", async () => {
        const facts = host({ ok: false, error: "ssh: connect to host 20.1.2.3 port 22: Connection timed out" });
        const { settings, problems } = await read({ pytorchEnabled: "true", pytorchGpus: "1" }, facts, REMOTE);
        expect(problems).toEqual([]);
        expect(settings.notices).toEqual([
            "GPUs (dsenv:pytorchGpus) not checked at preview: no answer from the Docker engine at ssh://azureuser@20.1.2.3 settles it (ssh: connect to host 20.1.2.3 port 22: Connection timed out). " +
                'The check happens at deploy time: Docker refuses to create the containers ("could not select device driver") if that host lacks the NVIDIA container toolkit.',
        ]);
    });

    test("no workload wants GPUs: the engine is not asked", async () => {
        const facts = host();
        expect((await read({ pytorchEnabled: "true", pytorchGpus: "", siteEnabled: "true", siteSource: "image" }, facts)).problems).toEqual(
            [],
        );
        expect(facts.calls).toEqual([]);
    });
});

describe("valid workload config", () => {
    test("defaults: everything off, nothing published", async () => {
        const { settings, problems } = await read({});
        expect(problems).toEqual([]);
        expect(settings).toEqual({ notices: [] });
        expect(workloadHostPorts(settings).every(([, p]) => p === undefined)).toBe(true);
    });

    test("each workload's settings, with typical values", async () => {
        const rproject = dir("rproject");
        const nas = dir("nas");
        const site = dir("site2");
        const app = dir("app", "feedback", "node_modules");
        const env = file("app.env", "# a docker run --env-file\nGREETING=hello\nDB_PASS='s3cr3t'\nADMIN_TOKEN=\"t0k3n\"\n");
        const { settings, problems } = await read(
            {
                ...RSTUDIO,
                rstudioProjectDir: rproject,
                pytorchEnabled: "true",
                pytorchGpus: "",
                pytorchHomeDir: "",
                labEnabled: "true",
                labGpus: "",
                labWorkspaceDir: nas,
                labHttpProxy: "http://192.168.0.10:3128",
                labPipPackages: '["pandas==2.2.3", "scikit-learn>=1.5"]',
                siteEnabled: "true",
                siteDir: site,
                appEnabled: "true",
                appSourceDir: app,
                appEnvFile: env,
                appSecretEnvKeys: '["DB_PASS"]',
            },
            host(undefined, { uid: 1234, gid: 5678 }),
        );
        expect(problems).toEqual([]);
        expect(settings.rstudio).toEqual({
            baseImage: "gcr.io/kaggle-gpu-images/rstats:v59",
            rstudioVersion: "2024.12.1-563",
            downloadUrl: RSTUDIO.rstudioDownloadUrl,
            projectDir: { kind: "bind", hostPath: rproject },
            publish: { hostPort: 8787, hostIp: "127.0.0.1" },
            gpus: undefined,
        });
        expect(settings.pytorch).toEqual({
            image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel",
            gpus: undefined,
            shmSizeMb: 2048,
            homeDir: { kind: "volume", keepOnDestroy: true },
            command: ["sleep", "infinity"],
        });
        expect(settings.lab).toMatchObject({
            baseImage: "tensorflow/tensorflow:2.18.0-gpu",
            uid: 1234,
            gid: 5678,
            workspaceDir: { kind: "bind", hostPath: nas },
            publish: { hostPort: 8080, hostIp: "127.0.0.1" },
            proxy: { httpProxy: "http://192.168.0.10:3128", httpsProxy: undefined, pipProxy: undefined },
            proxyAtRuntime: false,
            aptPackages: [],
            pipPackages: ["pandas==2.2.3", "scikit-learn>=1.5"],
        });
        expect(settings.site).toEqual({
            image: "httpd:2.4",
            content: { kind: "bind", hostPath: site },
            publish: { hostPort: 9999, hostIp: "127.0.0.1" },
        });
        expect(settings.app).toMatchObject({
            baseImage: "node:22.12.0-bookworm-slim",
            sourceDir: app,
            env: { GREETING: "hello" },
            publish: { hostPort: 3000, hostIp: "127.0.0.1" },
            keepFeedbackOnDestroy: true,
        });
        expect(Object.keys(settings.app!.secretEnv).sort()).toEqual(["ADMIN_TOKEN", "DB_PASS"]);
        expect(await isSecret(settings.app!.secretEnv.DB_PASS)).toBe(true);
        expect(workloadHostPorts(settings).map(([k, p]) => [k, p?.hostPort])).toEqual([
            ["rstudioHostPort", 8787],
            ["labHostPort", 8080],
            ["siteHostPort", 9999],
            ["appHostPort", 3000],
        ]);
    });

    test("the site as a built image needs no directory; the shipped app source has its mount points in git", async () => {
        const { settings, problems } = await read({
            siteEnabled: "true",
            siteSource: "image",
            siteMaintainer: "me@example.com",
            appEnabled: "true",
        });
        expect(problems).toEqual([]);
        expect(settings.site?.content).toEqual({
            kind: "image",
            maintainer: "me@example.com",
            version: "1.0.0",
            description: "A static site served by Apache httpd",
        });
        expect(settings.app?.sourceDir).toBe(SHIPPED_APP_SOURCE);
        const tracked = execFileSync("git", ["ls-files", "--", "feedback", "node_modules"], { cwd: SHIPPED_APP_SOURCE, encoding: "utf8" });
        expect(tracked.split("\n").filter(Boolean).sort()).toEqual(["feedback/.gitkeep", "node_modules/.gitkeep"]);
    });
});
