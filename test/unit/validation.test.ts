import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings } from "../../config/load";
import { deploy } from "../../targets";
import { configProblem, runWithMocks } from "./harness";

/** Runs the whole program with this config and expects it to stop before declaring anything. */
async function rejected(config: Record<string, string>, secretKeys: string[] = []): Promise<string> {
    const run = await runWithMocks(config, () => deploy(loadSettings()), secretKeys);
    expect(run.declared).toEqual([]);
    expect([...run.inputs.keys()].filter(n => !n.startsWith("dsenv-"))).toEqual([]);
    expect(run.error?.name).toBe("ConfigError");
    return run.error!.message;
}


describe("invalid stack config is rejected before any resource, naming key, value and what is accepted", () => {
    test.each<[string, Record<string, string>, string]>([
        ["port above range", { jupyterHostPort: "70000" }, 'dsenv:jupyterHostPort: got 70000, expected an integer port from 1 to 65535'],
        ["port zero where a port is required", { jupyterHostPort: "0" }, 'dsenv:jupyterHostPort: got 0, expected an integer port from 1 to 65535'],
        ["port not a number", { mysqlHostPort: "33o6" }, 'dsenv:mysqlHostPort: got "33o6", expected 0 (not published) or an integer port from 1 to 65535'],
        ["negative optional port", { mysqlHostPort: "-1" }, 'dsenv:mysqlHostPort: got -1, expected 0 (not published) or an integer port from 1 to 65535'],
        ["two services on one host port", { mysqlHostPort: "8888" }, 'dsenv:jupyterHostPort: got 8888, expected a host port not already published by dsenv:mysqlHostPort'],
        ["one port on 0.0.0.0 and 127.0.0.1", { mysqlHostPort: "8888", mysqlHostIp: "0.0.0.0" }, 'dsenv:jupyterHostPort: got 8888, expected a host port not already published by dsenv:mysqlHostPort'],
        ["relative bind path", { jupyterWorkDir: "learn" }, 'dsenv:jupyterWorkDir: got "learn", expected an absolute host path (/...) or one under your home (~/...)'],
        ["bad image reference", { mysqlImage: "MySQL:8" }, 'dsenv:mysqlImage: got "MySQL:8", expected an image reference like name:tag, repo/name:tag or host:port/repo/name@sha256:<64 hex> (lower-case repository)'],
        ["image reference with a space", { jupyterBaseImage: "jupyter/datascience notebook" }, 'dsenv:jupyterBaseImage: got "jupyter/datascience notebook", expected an image reference like name:tag, repo/name:tag or host:port/repo/name@sha256:<64 hex> (lower-case repository)'],
        ["unknown restart policy", { restartPolicy: "sometimes" }, 'dsenv:restartPolicy: got "sometimes", expected one of no, on-failure, always, unless-stopped'],
        ["empty database name", { mysqlDatabase: "" }, 'dsenv:mysqlDatabase: got "", expected 1 to 64 letters, digits or underscores'],
        ["database name with a dash", { mysqlDatabase: "my-db" }, 'dsenv:mysqlDatabase: got "my-db", expected 1 to 64 letters, digits or underscores'],
        ["root as the application user", { mysqlUser: "root" }, 'dsenv:mysqlUser: got "root", expected a user other than root (root is created by the image itself)'],
        ["host IP that is no address", { jupyterHostIp: "localhost" }, 'dsenv:jupyterHostIp: got "localhost", expected an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)'],
        ["alias that is no DNS name", { mysqlAliases: '["my_db"]' }, 'dsenv:mysqlAliases: got "my_db", expected a lower-case DNS name: letters, digits and inner hyphens, labels separated by dots'],
        ["aliases that are not a list", { mysqlAliases: "myjupyterdb" }, 'dsenv:mysqlAliases: got "myjupyterdb", expected a list of strings (pulumi config set --path \'key[0]\' value)'],
        ["docker host with an http scheme", { dockerHost: "http://10.0.0.4:2375" }, 'dsenv:dockerHost: got "http://10.0.0.4:2375", expected unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port]'],
        ["name prefix with upper case", { namePrefix: "My Env" }, 'dsenv:namePrefix: got "My Env", expected 1 to 40 lower-case letters, digits, \'_\', \'.\' or \'-\', starting with a letter or digit'],
        ["registry with a scheme", { registryServer: "https://registry.example.com" }, 'dsenv:registryServer: got "https://registry.example.com", expected a registry host name with an optional port, without path: HTTPS as is (e.g. myregistry.example.com, 127.0.0.1:5000), plain HTTP after http:// (e.g. http://127.0.0.1:5000)'],
        ["registry with a path", { registryServer: "http://127.0.0.1:5000/v2" }, 'dsenv:registryServer: got "http://127.0.0.1:5000/v2", expected a registry host name with an optional port, without path: HTTPS as is (e.g. myregistry.example.com, 127.0.0.1:5000), plain HTTP after http:// (e.g. http://127.0.0.1:5000)'],
        ["registry user without a registry", { registryUsername: "ci" }, 'dsenv:registryUsername: got "ci", expected no user name while dsenv:registryServer is empty'],
        ["boolean that is not one", { mysqlKeepData: "yes" }, 'dsenv:mysqlKeepData: got "yes", expected true or false'],
        ["a build engine with no registry to reach the run engine", { buildDockerHost: "unix:///var/run/docker.sock", dockerHost: "ssh://me@gpu-box" }, 'dsenv:buildDockerHost: got "unix:///var/run/docker.sock", expected the same engine as dsenv:dockerHost, or a registry in dsenv:registryServer to carry the images from one to the other'],
        ["a remote work directory under ~", { dockerHost: "ssh://me@gpu-box", jupyterWorkDir: "~/learn" }, 'dsenv:jupyterWorkDir: got "~/learn", expected an absolute path on the Docker host (~ would be your home on this machine, not on that host)'],
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
            configProblem(`dsenv:jupyterWorkDir: got ${JSON.stringify(missing)}, expected an existing directory (${missing} does not exist; create it first)`),
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
        expect(fromEnv.result.engine).toEqual({ host: "ssh://me@gpu-vm", sshOpts: [], isLocal: false });
        const fromConfig = await runWithMocks({ dockerHost: "unix:///run/user/1000/docker.sock" }, () => loadSettings(undefined, { DOCKER_HOST: "ssh://me@gpu-vm" }));
        expect(fromConfig.result.engine).toEqual({ host: "unix:///run/user/1000/docker.sock", sshOpts: [], isLocal: true });
    });

    test("defaults: the stack name prefixes every name, MySQL is not published", async () => {
        const run = await runWithMocks({}, () => loadSettings(undefined, {}));
        expect(run.result.namePrefix).toBe("dsenv-unit");
        expect(run.result.mysql.publish).toBeUndefined();
        expect(run.result.jupyter.publish).toEqual({ hostPort: 8888, hostIp: "127.0.0.1" });
        expect(run.result.engine).toEqual({ host: undefined, sshOpts: [], isLocal: true });
        expect(run.result.buildEngine).toEqual(run.result.engine);
    });
});
