import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { configProblem, runWithMocks, valueOf } from "./harness";

const IMAGE =
    "an image reference like name:tag, repo/name:tag or host:port/repo/name@sha256:<64 hex> (lower-case repository, tag up to 128 characters, name up to 255)";
const DOCKER_HOST = "unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port] (port 1 to 65535, an IPv6 address in brackets)";
const REGISTRY =
    "a registry host name with an optional port (1 to 65535), without path: HTTPS as is (e.g. myregistry.example.com, 127.0.0.1:5000, [2001:db8::5]:5000), plain HTTP after http:// (e.g. http://127.0.0.1:5000)";
const HTTP_URL = "an http:// or https:// URL without spaces (port 1 to 65535, an IPv6 address in brackets)";
/** Runs the whole program with this config and expects it to stop before declaring anything. */
async function rejected(config: Record<string, string>, secretKeys: string[] = [], stack?: string): Promise<string> {
    const run = await runWithMocks(config, () => deploy(loadSettings(undefined, {})), secretKeys, stack);
    expect(run.declared).toEqual([]);
    expect([...run.inputs.keys()].filter(n => !n.startsWith("dsenv-"))).toEqual([]);
    expect(run.error?.name).toBe("ConfigError");
    return run.error!.message;
}

describe("invalid stack config is rejected before any resource, naming key, value and what is accepted", () => {
    test.each<[string, Record<string, string>, string]>([
        ["port above range", { jupyterHostPort: "70000" }, "dsenv:jupyterHostPort: got 70000, expected an integer port from 1 to 65535"],
        [
            "port zero where a port is required",
            { jupyterHostPort: "0" },
            "dsenv:jupyterHostPort: got 0, expected an integer port from 1 to 65535",
        ],
        [
            "port not a number",
            { mysqlHostPort: "33o6" },
            'dsenv:mysqlHostPort: got "33o6", expected 0 (not published) or an integer port from 1 to 65535',
        ],
        [
            "negative optional port",
            { mysqlHostPort: "-1" },
            "dsenv:mysqlHostPort: got -1, expected 0 (not published) or an integer port from 1 to 65535",
        ],
        [
            "two services on one host port",
            { mysqlHostPort: "8888" },
            "dsenv:jupyterHostPort: got 8888, expected a host port not already published by dsenv:mysqlHostPort",
        ],
        [
            "one port on 0.0.0.0 and 127.0.0.1",
            { mysqlHostPort: "8888", mysqlHostIp: "0.0.0.0" },
            "dsenv:jupyterHostPort: got 8888, expected a host port not already published by dsenv:mysqlHostPort",
        ],
        [
            "relative bind path",
            { jupyterWorkDir: "learn" },
            'dsenv:jupyterWorkDir: got "learn", expected an absolute host path (/...) or one under your home (~/...)',
        ],
        ["bad image reference", { mysqlImage: "MySQL:8" }, `dsenv:mysqlImage: got "MySQL:8", expected ${IMAGE}`],
        [
            "image reference with a space",
            { jupyterBaseImage: "jupyter/datascience notebook" },
            `dsenv:jupyterBaseImage: got "jupyter/datascience notebook", expected ${IMAGE}`,
        ],
        [
            "unknown restart policy",
            { restartPolicy: "sometimes" },
            'dsenv:restartPolicy: got "sometimes", expected one of no, on-failure, always, unless-stopped',
        ],
        ["empty database name", { mysqlDatabase: "" }, 'dsenv:mysqlDatabase: got "", expected 1 to 64 letters, digits or underscores'],
        [
            "database name with a dash",
            { mysqlDatabase: "my-db" },
            'dsenv:mysqlDatabase: got "my-db", expected 1 to 64 letters, digits or underscores',
        ],
        [
            "root as the application user",
            { mysqlUser: "root" },
            'dsenv:mysqlUser: got "root", expected a user other than root (root is created by the image itself)',
        ],
        [
            "host IP that is no address",
            { jupyterHostIp: "localhost" },
            'dsenv:jupyterHostIp: got "localhost", expected an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)',
        ],
        [
            "alias that is no DNS name",
            { mysqlAliases: '["my_db"]' },
            'dsenv:mysqlAliases: got "my_db", expected a DNS label: 1 to 63 letters, digits and inner hyphens, no dots',
        ],
        [
            "aliases that are not a list",
            { mysqlAliases: "myjupyterdb" },
            "dsenv:mysqlAliases: got \"myjupyterdb\", expected a list of strings (pulumi config set --path 'key[0]' value)",
        ],
        [
            "docker host with an http scheme",
            { dockerHost: "http://10.0.0.4:2375" },
            `dsenv:dockerHost: got "http://10.0.0.4:2375", expected ${DOCKER_HOST}`,
        ],
        [
            "name prefix with upper case",
            { namePrefix: "My Env" },
            "dsenv:namePrefix: got \"My Env\", expected 1 to 40 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit",
        ],
        [
            "registry with a scheme",
            { registryServer: "https://registry.example.com" },
            `dsenv:registryServer: got "https://registry.example.com", expected ${REGISTRY}`,
        ],
        [
            "registry with a path",
            { registryServer: "http://127.0.0.1:5000/v2" },
            `dsenv:registryServer: got "http://127.0.0.1:5000/v2", expected ${REGISTRY}`,
        ],
        [
            "registry user without a registry",
            { registryUsername: "ci" },
            'dsenv:registryUsername: got "ci", expected no user name while dsenv:registryServer is empty',
        ],
        ["boolean that is not one", { mysqlKeepData: "yes" }, 'dsenv:mysqlKeepData: got "yes", expected true or false'],
        [
            "a build engine with no registry to reach the run engine",
            { buildDockerHost: "unix:///var/run/docker.sock", dockerHost: "ssh://me@gpu-box" },
            'dsenv:buildDockerHost: got "unix:///var/run/docker.sock", expected the same engine as dsenv:dockerHost, or a registry in dsenv:registryServer to carry the images from one to the other',
        ],
        [
            "a remote work directory under ~",
            { dockerHost: "ssh://me@gpu-box", jupyterWorkDir: "~/learn" },
            'dsenv:jupyterWorkDir: got "~/learn", expected an absolute path on the Docker host (~ would be your home on this machine, not on that host)',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test("a registry password without its user name", async () => {
        expect(await rejected({ registryServer: "127.0.0.1:5000", registryPassword: "hunter2hunter2" }, ["registryPassword"])).toBe(
            configProblem('dsenv:registryUsername: got "", expected the user name that goes with dsenv:registryPassword'),
        );
    });

    test("a work directory that does not exist on the local engine's host", async () => {
        const missing = path.join(os.tmpdir(), `dsenv-missing-${process.pid}`);
        expect(await rejected({ jupyterWorkDir: missing })).toBe(
            configProblem(
                `dsenv:jupyterWorkDir: got ${JSON.stringify(missing)}, expected an existing directory (${missing} does not exist; create it first)`,
            ),
        );
    });

    test("every problem is reported at once", async () => {
        const message = await rejected({ jupyterHostPort: "99999", restartPolicy: "never", mysqlDatabase: "" });
        expect(message.split("\n").slice(1)).toEqual([
            '  - dsenv:restartPolicy: got "never", expected one of no, on-failure, always, unless-stopped',
            '  - dsenv:mysqlDatabase: got "", expected 1 to 64 letters, digits or underscores',
            "  - dsenv:jupyterHostPort: got 99999, expected an integer port from 1 to 65535",
        ]);
    });

    test("a secret value is never echoed in an error", async () => {
        const message = await rejected({ registryServer: "127.0.0.1:5000", registryPassword: "hunter2hunter2" }, ["registryPassword"]);
        expect(message).not.toContain("hunter2");
    });
});

/** The stack outputs of a valid config, resolved. */
async function outputs(config: Record<string, string>): Promise<Record<string, unknown>> {
    const run = await runWithMocks(config, () => deploy(loadSettings(undefined, {})));
    if (run.error) throw run.error;
    return Object.fromEntries(await Promise.all(Object.entries(run.result).map(async ([k, v]) => [k, await valueOf(v as any)])));
}

const CLASH = "dsenv:jupyterHostPort: got 8888, expected a host port not already published by dsenv:mysqlHostPort";
const HOST_IP = "an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)";

describe("addresses: every spelling of an address, ports in range, IPv6 in brackets", () => {
    test.each(["0.0.0.0", "::", "0:0:0:0:0:0:0:0", "0000:0000:0000::", "::ffff:0.0.0.0"])(
        "%s is every interface: it clashes with 127.0.0.1 on the same port",
        async ip => {
            expect(await rejected({ mysqlHostPort: "8888", mysqlHostIp: ip })).toBe(configProblem(CLASH));
        },
    );

    test("one address spelt two ways clashes; 127.0.0.1 and ::1 do not", async () => {
        expect(await rejected({ mysqlHostPort: "8888", mysqlHostIp: "::1", jupyterHostIp: "0:0:0:0:0:0:0:1" })).toBe(configProblem(CLASH));
        expect(await rejected({ mysqlHostPort: "8888", mysqlHostIp: "::ffff:127.0.0.1" })).toBe(configProblem(CLASH));
        expect((await outputs({ mysqlHostPort: "8888", mysqlHostIp: "::1" })).mysqlHostPort).toBe(8888);
    });

    test.each<[string, Record<string, string>, string]>([
        ["an IPv6 address with a zone", { jupyterHostIp: "fe80::1%eth0" }, `dsenv:jupyterHostIp: got "fe80::1%eth0", expected ${HOST_IP}`],
        ["a multicast address", { jupyterHostIp: "224.0.0.1" }, `dsenv:jupyterHostIp: got "224.0.0.1", expected ${HOST_IP}`],
        [
            "the broadcast address",
            { mysqlHostPort: "3306", mysqlHostIp: "255.255.255.255" },
            `dsenv:mysqlHostIp: got "255.255.255.255", expected ${HOST_IP}`,
        ],
        ["an IPv4 address with a short form", { jupyterHostIp: "127.1" }, `dsenv:jupyterHostIp: got "127.1", expected ${HOST_IP}`],
        [
            "a tcp engine port above range",
            { dockerHost: "tcp://10.0.0.4:70000" },
            `dsenv:dockerHost: got "tcp://10.0.0.4:70000", expected ${DOCKER_HOST}`,
        ],
        [
            "a tcp engine without a port",
            { dockerHost: "tcp://10.0.0.4" },
            `dsenv:dockerHost: got "tcp://10.0.0.4", expected ${DOCKER_HOST}`,
        ],
        [
            "an ssh engine on port 0",
            { dockerHost: "ssh://me@gpu-box:0" },
            `dsenv:dockerHost: got "ssh://me@gpu-box:0", expected ${DOCKER_HOST}`,
        ],
        [
            "an IPv6 engine without brackets",
            { dockerHost: "tcp://2001:db8::4:2375" },
            `dsenv:dockerHost: got "tcp://2001:db8::4:2375", expected ${DOCKER_HOST}`,
        ],
        [
            "a bracketed host that is no IPv6 address",
            { buildDockerHost: "ssh://me@[gpu-box]:22", registryServer: "127.0.0.1:5000" },
            `dsenv:buildDockerHost: got "ssh://me@[gpu-box]:22", expected ${DOCKER_HOST}`,
        ],
        [
            "a registry port above range",
            { registryServer: "127.0.0.1:99999" },
            `dsenv:registryServer: got "127.0.0.1:99999", expected ${REGISTRY}`,
        ],
        [
            "an IPv4-looking registry that is no address",
            { registryServer: "300.1.2.3:5000" },
            `dsenv:registryServer: got "300.1.2.3:5000", expected ${REGISTRY}`,
        ],
        [
            "an image from a registry port above range",
            { mysqlImage: "localhost:65536/mysql:8" },
            `dsenv:mysqlImage: got "localhost:65536/mysql:8", expected ${IMAGE}`,
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test.each<[Record<string, string>, Record<string, string>]>([
        [{ buildDockerHost: "unix:///var/run/docker.sock" }, {}],
        [{ buildDockerHost: "unix:///var/run//docker.sock" }, { DOCKER_HOST: "unix:///var/run/docker.sock" }],
        [{ buildDockerHost: "unix:///var/run/../run/docker.sock", dockerHost: "unix:///var/run/docker.sock" }, {}],
        [{ buildDockerHost: "ssh://me@GPU-Box:22", dockerHost: "ssh://me@gpu-box" }, {}],
        [{ buildDockerHost: "tcp://[2001:db8:0:0::4]:2375", dockerHost: "tcp://[2001:db8::4]:2375" }, {}],
        [{ buildDockerHost: "tcp://10.0.0.4:2375" }, { DOCKER_HOST: "tcp://10.0.0.4:2375" }],
    ])("one engine spelt two ways is one engine: %j with %j", async (config, env) => {
        const run = await runWithMocks(config, () => loadSettings(undefined, env));
        expect(run.error).toBeUndefined();
        // The engine that runs containers was also asked about healthchecks; otherwise the same.
        expect({ ...run.result.buildEngine, healthStartInterval: undefined }).toEqual({
            ...run.result.engine,
            healthStartInterval: undefined,
        });
    });

    test.each<Record<string, string>>([
        { buildDockerHost: "unix:///run/user/1000/docker.sock" },
        { buildDockerHost: "ssh://you@gpu-box", dockerHost: "ssh://me@gpu-box" },
        { buildDockerHost: "ssh://me@gpu-box:2222", dockerHost: "ssh://me@gpu-box" },
        { buildDockerHost: "tcp://10.0.0.4:2376", dockerHost: "tcp://10.0.0.4:2375" },
    ])("two engines are still two: %j", async config => {
        const message = await rejected(config);
        expect(message).toContain(
            `dsenv:buildDockerHost: got "${config.buildDockerHost}", expected the same engine as dsenv:dockerHost, or a registry`,
        );
    });

    test("IPv6 engines and registries in brackets are accepted", async () => {
        const run = await runWithMocks(
            {
                dockerHost: "ssh://me@[2001:db8::4]:2222",
                registryServer: "[2001:db8::5]:5000",
                mysqlImage: "[2001:db8::5]:5000/mysql:8.4.3",
            },
            () => loadSettings(undefined, {}),
        );
        expect(run.error).toBeUndefined();
        expect(run.result.registry?.server).toBe("[2001:db8::5]:5000");
    });

    test("every URL and connection string brackets an IPv6 host, and every-interface addresses become loopback", async () => {
        const v6 = await outputs({ jupyterHostIp: "::1", mysqlHostPort: "3306", mysqlHostIp: "0:0:0:0:0:0:0:0" });
        expect(v6.jupyterUrl).toBe("http://[::1]:8888/");
        expect(v6.jupyterLoginUrl).toMatch(/^http:\/\/\[::1\]:8888\/\?token=/);
        expect(v6.mysqlHostConnectionString).toMatch(/^mysql:\/\/analyst:[^@]+@\[::1\]:3306\/analytics$/);
        const any4 = await outputs({ jupyterHostIp: "0.0.0.0", mysqlHostPort: "3306", mysqlHostIp: "2001:db8::7" });
        expect(any4.jupyterUrl).toBe("http://127.0.0.1:8888/");
        expect(any4.mysqlHostConnectionString).toMatch(/@\[2001:db8::7\]:3306\/analytics$/);
    });
});

describe("names and references", () => {
    test.each<[string, Record<string, string>, string]>([
        [
            "an image name over 255 characters",
            { mysqlImage: `registry.example.com/${"a".repeat(235)}:8` },
            `dsenv:mysqlImage: got "registry.example.com/${"a".repeat(235)}:8", expected ${IMAGE}`,
        ],
        [
            "a tag over 128 characters",
            { mysqlImage: `mysql:${"8".repeat(129)}` },
            `dsenv:mysqlImage: got "mysql:${"8".repeat(129)}", expected ${IMAGE}`,
        ],
        ["a tag starting with a dot", { mysqlImage: "mysql:.8" }, `dsenv:mysqlImage: got "mysql:.8", expected ${IMAGE}`],
        [
            "a digest of the wrong length",
            { mysqlImage: `mysql@sha256:${"a".repeat(63)}` },
            `dsenv:mysqlImage: got "mysql@sha256:${"a".repeat(63)}", expected ${IMAGE}`,
        ],
        [
            "a digest algorithm Docker does not know",
            { mysqlImage: `mysql@md5:${"a".repeat(32)}` },
            `dsenv:mysqlImage: got "mysql@md5:${"a".repeat(32)}", expected ${IMAGE}`,
        ],
        [
            "an upper-case namespace read as a registry host",
            { jupyterBaseImage: "Jupyter/datascience-notebook:2023-10-20" },
            `dsenv:jupyterBaseImage: got "Jupyter/datascience-notebook:2023-10-20", expected ${IMAGE}`,
        ],
        ["a double separator", { mysqlImage: "library//mysql" }, `dsenv:mysqlImage: got "library//mysql", expected ${IMAGE}`],
        [
            "MySQL's own schema",
            { mysqlDatabase: "mysql" },
            'dsenv:mysqlDatabase: got "mysql", expected a database of your own, not one of MySQL\'s system schemas (mysql, information_schema, performance_schema, sys)',
        ],
        [
            "a system schema in another case",
            { mysqlDatabase: "Information_Schema" },
            'dsenv:mysqlDatabase: got "Information_Schema", expected a database of your own, not one of MySQL\'s system schemas (mysql, information_schema, performance_schema, sys)',
        ],
        [
            "a database name over 64 characters",
            { mysqlDatabase: "d".repeat(65) },
            `dsenv:mysqlDatabase: got "${"d".repeat(65)}", expected 1 to 64 letters, digits or underscores`,
        ],
        [
            "root in capitals",
            { mysqlUser: "ROOT" },
            'dsenv:mysqlUser: got "ROOT", expected a user other than root (root is created by the image itself)',
        ],
        [
            "a user name over 32 characters",
            { mysqlUser: "u".repeat(33) },
            `dsenv:mysqlUser: got "${"u".repeat(33)}", expected 1 to 32 letters, digits or underscores, not root`,
        ],
        [
            "an alias with a dot",
            { mysqlAliases: '["db.internal"]' },
            'dsenv:mysqlAliases: got "db.internal", expected a DNS label: 1 to 63 letters, digits and inner hyphens, no dots',
        ],
        [
            "an alias over 63 characters",
            { mysqlAliases: JSON.stringify(["a".repeat(64)]) },
            `dsenv:mysqlAliases: got "${"a".repeat(64)}", expected a DNS label: 1 to 63 letters, digits and inner hyphens, no dots`,
        ],
        [
            "an alias with a leading hyphen",
            { mysqlAliases: '["-db"]' },
            'dsenv:mysqlAliases: got "-db", expected a DNS label: 1 to 63 letters, digits and inner hyphens, no dots',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test("references at the grammar's limits are accepted", async () => {
        const run = await runWithMocks(
            {
                mysqlImage: `registry.example.com:5000/team/${"a".repeat(200)}:${"t".repeat(128)}@sha512:${"f".repeat(128)}`,
                jupyterBaseImage: "localhost/jupyter__base:v1",
            },
            () => loadSettings(undefined, {}),
        );
        expect(run.error).toBeUndefined();
    });

    test("aliases are de-duplicated case-blind, and mysql (always there) is not repeated", async () => {
        const run = await runWithMocks({ mysqlAliases: '["db", "DB", "mysql", "myjupyterdb", "db"]' }, () => loadSettings(undefined, {}));
        expect(run.result.mysql.extraAliases).toEqual(["db", "myjupyterdb"]);
    });

    test("a name prefix made from the stack name is checked like one given", async () => {
        expect(await rejected({}, [], "Team_Stack.With-A-Name-Far-Too-Long-For-Docker")).toBe(
            configProblem(
                "dsenv:namePrefix: got \"\", expected 1 to 40 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit; the default made from the stack name, \"dsenv-team_stack.with-a-name-far-too-long-for-docker\", is not: set one",
            ),
        );
    });
});

describe("unknown keys name the nearest declared key", () => {
    test.each<[string, Record<string, string>, string]>([
        [
            "a wrong capital letter",
            { mysqlHostport: "3306" },
            "dsenv:mysqlHostport: got 3306, expected a key that Pulumi.yaml declares; the nearest is dsenv:mysqlHostPort",
        ],
        [
            "all lower case",
            { jupyterhostip: "0.0.0.0" },
            'dsenv:jupyterhostip: got "0.0.0.0", expected a key that Pulumi.yaml declares; the nearest is dsenv:jupyterHostIp',
        ],
        [
            "two letters swapped",
            { restartPolciy: "always" },
            'dsenv:restartPolciy: got "always", expected a key that Pulumi.yaml declares; the nearest is dsenv:restartPolicy',
        ],
        [
            "a list under a misspelt key",
            { mysqlAlias: '["db"]' },
            'dsenv:mysqlAlias: got ["db"], expected a key that Pulumi.yaml declares; the nearest is dsenv:mysqlAliases',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test("a secret under an unknown key is not shown", async () => {
        expect(await rejected({ registryPasword: "hunter2hunter2" }, ["registryPasword"])).toBe(
            configProblem(
                "dsenv:registryPasword: got [secret], expected a key that Pulumi.yaml declares; the nearest is dsenv:registryPassword",
            ),
        );
    });

    test("other namespaces are not this program's to judge", async () => {
        const run = await runWithMocks({}, () => {
            pulumi.runtime.setConfig("docker:host", "unix:///var/run/docker.sock");
            return loadSettings(undefined, {});
        });
        expect(run.error).toBeUndefined();
    });
});

describe("orphans: a value with no effect without another is reported", () => {
    test.each<[string, Record<string, string>, string]>([
        [
            "a published address without a published port",
            { mysqlHostIp: "0.0.0.0" },
            'dsenv:mysqlHostIp: got "0.0.0.0", expected it unset, since dsenv:mysqlHostPort is 0 (MySQL is not published) (it has no effect)',
        ],
        [
            "keeping a work volume that a host directory replaces",
            { jupyterWorkDir: "/", jupyterKeepWork: "false" },
            "dsenv:jupyterKeepWork: got false, expected it unset, since dsenv:jupyterWorkDir is a host directory, which destroy never removes (it has no effect)",
        ],
        [
            "ssh options without an ssh engine",
            { dockerSshOpts: '["-i", "/k"]' },
            'dsenv:dockerSshOpts: got ["-i","/k"], expected it unset, since no engine is reached over ssh:// (dsenv:dockerHost, dsenv:buildDockerHost, dsenv:swarmNodes or DOCKER_HOST) (it has no effect)',
        ],
        [
            "an Azure key on the local target",
            { azureVmSize: "Standard_NC24ads_A100_v4" },
            'dsenv:azureVmSize: got "Standard_NC24ads_A100_v4", expected it unset, since the local target does not use it (it has no effect)',
        ],
        // Digits that are no JSON number (a leading zero) or lose digits as one are shown as written.
        [
            "a number with a leading zero",
            { siteEnabled: "true", siteDir: "/", siteVersion: "007" },
            'dsenv:siteVersion: got "007", expected it unset, since dsenv:siteSource is "bind" (labels belong to a built image) (it has no effect)',
        ],
        [
            "a number beyond a double's digits",
            { azureVmCount: "99999999999999999999" },
            'dsenv:azureVmCount: got "99999999999999999999", expected it unset, since the local target does not use it (it has no effect)',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test("a registry password without a registry, shown as [secret]", async () => {
        const message = await rejected({ registryPassword: "hunter2hunter2" }, ["registryPassword"]);
        expect(message).toBe(
            configProblem(
                "dsenv:registryPassword: got [secret], expected it unset, since dsenv:registryServer is empty (it has no effect)",
            ),
        );
    });

    test("a registry password stored in plain text is refused without being shown", async () => {
        const message = await rejected({ registryServer: "127.0.0.1:5000", registryUsername: "ci", registryPassword: "hunter2hunter2" });
        expect(message).toBe(
            configProblem(
                "dsenv:registryPassword: got [secret] in plain text, expected a secret: pulumi config set --secret dsenv:registryPassword <value>",
            ),
        );
    });

    test("a value equal to its default is no orphan (the CLI sets every default)", async () => {
        const run = await runWithMocks({ mysqlHostIp: "127.0.0.1", azureVmSize: "Standard_NC4as_T4_v3", registryPassword: "" }, () =>
            loadSettings(undefined, {}),
        );
        expect(run.error).toBeUndefined();
    });
});

describe("valid config", () => {
    test("an existing work directory under ~ is accepted and expanded", async () => {
        const dir = fs.mkdtempSync(path.join(os.homedir(), ".dsenv-unit-"));
        try {
            const run = await runWithMocks({ jupyterWorkDir: `~/${path.basename(dir)}` }, () => loadSettings());
            expect(run.error).toBeUndefined();
            expect(run.result.jupyter.workDir).toEqual({ kind: "bind", hostPath: dir });
        } finally {
            fs.rmSync(dir, { recursive: true });
        }
    });

    test("DOCKER_HOST is honoured when dockerHost is not set, and config wins over it", async () => {
        const fromEnv = await runWithMocks({}, () => loadSettings(undefined, { DOCKER_HOST: "ssh://me@gpu-vm" }));
        // A remote engine is not asked whether it runs a healthcheck start interval (config/engine-api.ts).
        expect(fromEnv.result.engine).toEqual({ host: "ssh://me@gpu-vm", sshOpts: [], isLocal: false, healthStartInterval: false });
        const fromConfig = await runWithMocks({ dockerHost: "unix:///run/user/1000/docker.sock" }, () =>
            loadSettings(undefined, { DOCKER_HOST: "ssh://me@gpu-vm" }),
        );
        expect(fromConfig.result.engine).toEqual({
            host: "unix:///run/user/1000/docker.sock",
            sshOpts: [],
            isLocal: true,
            healthStartInterval: expect.any(Boolean),
        });
    });

    test("defaults: the stack name prefixes every name, MySQL is not published", async () => {
        const run = await runWithMocks({}, () => loadSettings(undefined, {}));
        expect(run.result.namePrefix).toBe("dsenv-unit");
        expect(run.result.mysql.publish).toBeUndefined();
        expect(run.result.jupyter.publish).toEqual({ hostPort: 8888, hostIp: "127.0.0.1" });
        // healthStartInterval: whatever this machine's engine answers (test/unit/engine-api.test.ts).
        expect(run.result.engine).toEqual({ host: undefined, sshOpts: [], isLocal: true, healthStartInterval: expect.any(Boolean) });
        expect(run.result.buildEngine).toEqual({ host: undefined, sshOpts: [], isLocal: true });
    });
});
