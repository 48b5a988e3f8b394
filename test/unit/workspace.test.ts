import { loadSettings } from "../../settings/load";
import { deployLocal, LocalOutputs } from "../../targets/local";
import { byType, Declared, isSecret, leaves, nameOf, one, Run, runWithMocks, valueOf } from "./harness";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const NETWORK = "docker:index/network:Network";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const PASSWORD = "random:index/randomPassword:RandomPassword";

function run(config: Record<string, string> = {}): Promise<Run<LocalOutputs>> {
    return runWithMocks(config, () => deployLocal(loadSettings(undefined, {})));
}

async function envOf(container: Declared): Promise<Record<string, string>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    const pairs = await Promise.all(envs.map(e => valueOf(e as string)));
    return Object.fromEntries(pairs.map(p => [p!.slice(0, p!.indexOf("=")), p!.slice(p!.indexOf("=") + 1)]));
}

describe("the local workspace graph", () => {
    let r: Run<LocalOutputs>;
    beforeAll(async () => {
        r = await run();
        expect(r.error).toBeUndefined();
    });

    test("declares one network, two containers, two kept volumes, two images and three generated secrets", () => {
        expect(byType(r, NETWORK).map(d => d.props.name)).toEqual(["dsenv-unit-net"]);
        expect(
            byType(r, CONTAINER)
                .map(d => d.props.name)
                .sort(),
        ).toEqual(["dsenv-unit-jupyter", "dsenv-unit-mysql"]);
        expect(
            byType(r, VOLUME)
                .map(d => d.props.name)
                .sort(),
        ).toEqual(["dsenv-unit-jupyter-work", "dsenv-unit-mysql-data"]);
        expect(byType(r, IMAGE)).toHaveLength(2);
        expect(
            byType(r, PASSWORD)
                .map(d => d.name)
                .sort(),
        ).toEqual(["workspace-jupyter-token", "workspace-mysql-password", "workspace-mysql-root-password"]);
    });

    test("every Docker resource is declared on the engine's provider, under its component", () => {
        const dockerResources = r.declared.filter(d => d.type.startsWith("docker:index/"));
        expect(dockerResources.length).toBeGreaterThan(0);
        for (const d of dockerResources) {
            expect([d.name, nameOf(d.opts.provider)]).toEqual([d.name, "engine"]);
            expect([d.name, nameOf(d.opts.parent)]).toEqual([d.name, expect.stringMatching(/^workspace-/)]);
        }
        expect(nameOf(one(r, "pulumi:providers:docker", "engine").opts.parent)).toBe("engine");
        expect(nameOf(one(r, "dsenv:workloads:MySql", "workspace-mysql").opts.parent)).toBe("workspace");
        expect(nameOf(one(r, "dsenv:workloads:JupyterNotebook", "workspace-jupyter").opts.parent)).toBe("workspace");
        expect(nameOf(one(r, CONTAINER, "workspace-mysql").opts.parent)).toBe("workspace-mysql");
    });

    test("MySQL answers to mysql and its link name myjupyterdb on the workspace network, and is not published", async () => {
        const mysql = one(r, CONTAINER, "workspace-mysql");
        const networks = (await valueOf(mysql.props.networksAdvanced)) as any[];
        expect(networks).toHaveLength(1);
        expect(await valueOf(networks[0].name)).toBe("dsenv-unit-net");
        expect(networks[0].aliases).toEqual(["mysql", "myjupyterdb"]);
        expect(mysql.props.ports).toEqual([]);
        expect(await valueOf(one(r, IMAGE, "workspace-mysql-image").props.name)).toBe("mysql:8.4.3");
    });

    test("MySQL keeps its data on a named volume that survives replacement and destroy", async () => {
        const mysql = one(r, CONTAINER, "workspace-mysql");
        const mounts = (await valueOf(mysql.props.mounts)) as any[];
        expect(mounts).toHaveLength(1);
        expect({ ...mounts[0], source: await valueOf(mounts[0].source) }).toEqual({
            type: "volume",
            target: "/var/lib/mysql",
            readOnly: false,
            source: "dsenv-unit-mysql-data",
        });
        expect(one(r, VOLUME, "workspace-mysql-data").opts.retainOnDelete).toBe(true);
        expect(one(r, VOLUME, "workspace-jupyter-work").opts.retainOnDelete).toBe(true);
    });

    test("Jupyter is published on 127.0.0.1:8888 only, and is handed the database as env", async () => {
        const jupyter = one(r, CONTAINER, "workspace-jupyter");
        expect(jupyter.props.ports).toEqual([{ internal: 8888, external: 8888, ip: "127.0.0.1", protocol: "tcp" }]);
        const env = await envOf(jupyter);
        expect(env).toEqual({
            MYSQL_HOST: "mysql",
            MYSQL_PORT: "3306",
            MYSQL_DATABASE: "analytics",
            MYSQL_USER: "analyst",
            MYSQL_PASSWORD: "secret-workspace-mysql-password-xxxxxxxx",
            DATABASE_URL: "mysql+pymysql://analyst:secret-workspace-mysql-password-xxxxxxxx@mysql:3306/analytics",
            JUPYTER_TOKEN: "secret-workspace-jupyter-token-xxxxxxxx",
        });
        const mysqlEnv = await envOf(one(r, CONTAINER, "workspace-mysql"));
        expect(mysqlEnv.MYSQL_PASSWORD).toBe(env.MYSQL_PASSWORD);
        expect(mysqlEnv).toMatchObject({
            MYSQL_DATABASE: "analytics",
            MYSQL_USER: "analyst",
            MYSQL_ROOT_PASSWORD: "secret-workspace-mysql-root-password-xxxxxxxx",
        });
    });

    test("Jupyter and MySQL start at once (the notebook connects when asked), and up waits until both are healthy", async () => {
        const jupyterService = one(r, "dsenv:docker:Service", "workspace-jupyter");
        expect(jupyterService.opts.dependsOn ?? []).toEqual([]);
        for (const name of ["workspace-mysql", "workspace-jupyter"]) {
            const c = one(r, CONTAINER, name);
            expect(c.props.wait).toBe(true);
            expect(c.props.waitTimeout).toBe(300);
            expect(c.props.healthcheck.tests[0]).toMatch(/^CMD/);
            expect(c.props.restart).toBe("unless-stopped");
        }
        expect(one(r, CONTAINER, "workspace-mysql").props.healthcheck.tests).toEqual([
            "CMD-SHELL",
            "mysqladmin ping -h 127.0.0.1 --silent",
        ]);
    });

    test("MySQL starts through the image's entrypoint, re-applying the stack's credentials on a kept data dir", () => {
        const mysql = one(r, CONTAINER, "workspace-mysql");
        expect(mysql.props.entrypoints.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
        expect(mysql.props.entrypoints[2]).toMatch(/^set -eu\nif \[ -d \/var\/lib\/mysql\/mysql \]; then/);
        expect(mysql.props.entrypoints[2]).toContain("ALTER USER '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';");
        expect(mysql.props.entrypoints[2]).toMatch(/exec docker-entrypoint.sh "\$@"$/);
        expect(mysql.props.command).toEqual(["mysqld"]);
    });

    test("containers with fixed names and ports are deleted before they are replaced", () => {
        for (const c of byType(r, CONTAINER)) expect([c.name, c.opts.deleteBeforeReplace]).toEqual([c.name, true]);
    });

    test("no secret appears in any plain input, and every value carrying one is secret", async () => {
        const secrets = [
            "secret-workspace-mysql-password-xxxxxxxx",
            "secret-workspace-mysql-root-password-xxxxxxxx",
            "secret-workspace-jupyter-token-xxxxxxxx",
        ];
        const leaky: string[] = [];
        let carriers = 0;
        for (const d of r.declared) {
            for (const leaf of await leaves(d.props)) {
                if (!secrets.some(s => leaf.value.includes(s))) continue;
                carriers++;
                if (!leaf.secret) leaky.push(`${d.type} ${d.name} ${leaf.path}`);
            }
        }
        expect(leaky).toEqual([]);
        // MySQL: MYSQL_ROOT_PASSWORD, MYSQL_PASSWORD; Jupyter: MYSQL_PASSWORD, DATABASE_URL, JUPYTER_TOKEN.
        expect(carriers).toBe(5);
    });

    test("outputs: URL and ports plain, token and connection strings secret", async () => {
        const o = r.result;
        expect(await valueOf(o.jupyterUrl)).toBe("http://127.0.0.1:8888/");
        expect(await isSecret(o.jupyterUrl)).toBe(false);
        for (const secret of [o.jupyterToken, o.jupyterLoginUrl, o.mysqlConnectionString]) expect(await isSecret(secret)).toBe(true);
        expect(await valueOf(o.jupyterLoginUrl)).toBe("http://127.0.0.1:8888/?token=secret-workspace-jupyter-token-xxxxxxxx");
        expect(await valueOf(o.mysqlConnectionString)).toBe(
            "mysql://analyst:secret-workspace-mysql-password-xxxxxxxx@mysql:3306/analytics",
        );
        expect(await valueOf(o.jupyterContainer)).toBe("dsenv-unit-jupyter");
        expect(await valueOf(o.mysqlContainer)).toBe("dsenv-unit-mysql");
        expect(o.jupyterHostPort).toBe(8888);
        expect(o.mysqlHostPort).toBeUndefined();
        expect(o.mysqlHostConnectionString).toBeUndefined();
        expect(await valueOf(o.jupyterImage)).toMatch(/^dsenv\/jupyter:b-[0-9a-f]{16}$/);
        expect(await valueOf(o.mysqlDataVolume)).toBe("dsenv-unit-mysql-data");
    });
});

describe("config changes the graph", () => {
    test("a published MySQL port binds 127.0.0.1 by default, and a host connection string appears", async () => {
        const r = await run({ mysqlHostPort: "3307" });
        expect(one(r, CONTAINER, "workspace-mysql").props.ports).toEqual([
            { internal: 3306, external: 3307, ip: "127.0.0.1", protocol: "tcp" },
        ]);
        expect(await isSecret(r.result.mysqlHostConnectionString)).toBe(true);
        expect(await valueOf(r.result.mysqlHostConnectionString)).toBe(
            "mysql://analyst:secret-workspace-mysql-password-xxxxxxxx@127.0.0.1:3307/analytics",
        );
        expect(r.result.mysqlHostPort).toBe(3307);
    });

    test("a host work directory is bind-mounted and no work volume is made", async () => {
        const r = await run({ jupyterWorkDir: "/tmp" });
        const mounts = (await valueOf(one(r, CONTAINER, "workspace-jupyter").props.mounts)) as any[];
        expect(mounts).toEqual([{ type: "bind", target: "/home/jovyan/work", readOnly: false, source: "/tmp" }]);
        expect(byType(r, VOLUME).map(v => v.props.name)).toEqual(["dsenv-unit-mysql-data"]);
    });

    test("keep flags off: volumes are removed on destroy", async () => {
        const r = await run({ mysqlKeepData: "false", jupyterKeepWork: "false" });
        for (const v of byType(r, VOLUME)) expect(v.opts.retainOnDelete).toBe(false);
    });

    test("extra aliases, names, restart policy and images come from config", async () => {
        const r = await run({
            mysqlAliases: '["mydb","warehouse"]',
            namePrefix: "lab",
            restartPolicy: "always",
            mysqlImage: "dsenv/mysql-standin:test",
            jupyterBaseImage: "dsenv/jupyter-standin:test",
        });
        const mysql = one(r, CONTAINER, "workspace-mysql");
        expect(mysql.props.name).toBe("lab-mysql");
        expect(((await valueOf(mysql.props.networksAdvanced)) as any[])[0].aliases).toEqual(["mysql", "mydb", "warehouse"]);
        expect(mysql.props.restart).toBe("always");
        expect(await valueOf(one(r, IMAGE, "workspace-mysql-image").props.name)).toBe("dsenv/mysql-standin:test");
        const build = (await valueOf(one(r, IMAGE, "workspace-jupyter-image").props.build)) as any;
        expect(build.buildArgs).toEqual({ BASE_IMAGE: "dsenv/jupyter-standin:test" });
    });

    test("built on one engine, run on another over ssh: pushed and pulled by digest, with the ssh options", async () => {
        const r = await run({
            dockerHost: "ssh://me@gpu-box",
            dockerSshOpts: '["-i","/keys/gpu_box"]',
            buildDockerHost: "unix:///var/run/docker.sock",
            registryServer: "127.0.0.1:5000",
        });
        expect(r.error).toBeUndefined();
        const providers = byType(r, "pulumi:providers:docker");
        expect(providers.map(p => [p.name, p.props.host])).toEqual([
            ["engine", "ssh://me@gpu-box"],
            ["build-engine", "unix:///var/run/docker.sock"],
        ]);
        expect(await valueOf(providers[0].props.sshOpts)).toBe(JSON.stringify(["-i", "/keys/gpu_box"]));
        expect(nameOf(one(r, IMAGE, "workspace-jupyter-image").opts.provider)).toBe("build-engine");
        expect(nameOf(one(r, "docker:index/registryImage:RegistryImage", "workspace-jupyter-image-push").opts.provider)).toBe(
            "build-engine",
        );
        expect(nameOf(one(r, IMAGE, "workspace-jupyter-image-pull").opts.provider)).toBe("engine");
        expect(nameOf(one(r, IMAGE, "workspace-mysql-image").opts.provider)).toBe("engine");
        expect(nameOf(one(r, CONTAINER, "workspace-jupyter").opts.provider)).toBe("engine");
        expect(await valueOf(one(r, CONTAINER, "workspace-jupyter").props.image)).toBe(
            `127.0.0.1:5000/dsenv/jupyter@sha256:${"d".repeat(64)}`,
        );
    });

    test("a registry pushes the built image and the container runs it by digest", async () => {
        const r = await runWithMocks(
            { registryServer: "127.0.0.1:5000", registryUsername: "ci", registryPassword: "pushpushpush" },
            () => deployLocal(loadSettings(undefined, {})),
            ["registryPassword"],
        );
        expect(r.error).toBeUndefined();
        const push = one(r, "docker:index/registryImage:RegistryImage", "workspace-jupyter-image-push");
        expect(await valueOf(push.props.name)).toMatch(/^127\.0\.0\.1:5000\/dsenv\/jupyter:b-[0-9a-f]{16}$/);
        const ref = `127.0.0.1:5000/dsenv/jupyter@sha256:${"d".repeat(64)}`;
        expect(await valueOf(r.result.jupyterImage)).toBe(ref);
        expect(await valueOf(one(r, CONTAINER, "workspace-jupyter").props.image)).toBe(ref);
        // Provider config travels as one JSON value: the whole of it must be secret.
        const auth = one(r, "pulumi:providers:docker", "engine").props.registryAuth;
        expect(await isSecret(auth)).toBe(true);
        expect(JSON.parse((await valueOf(auth)) as string)).toEqual([
            { address: "127.0.0.1:5000", username: "ci", password: "pushpushpush" },
        ]);
    });

    test("a registry with no user is a login with auth disabled: the provider reads no Docker config file", async () => {
        const r = await runWithMocks({ registryServer: "registry.example.com:5443" }, () => deployLocal(loadSettings(undefined, {})));
        expect(r.error).toBeUndefined();
        const auth = one(r, "pulumi:providers:docker", "engine").props.registryAuth;
        expect(JSON.parse((await valueOf(auth)) as string)).toEqual([{ address: "registry.example.com:5443", authDisabled: true }]);
    });

    test("a plain-HTTP registry (http://host:port) is logged in to over http://, its images named without the scheme", async () => {
        const r = await runWithMocks({ registryServer: "http://127.0.0.1:5001" }, () => deployLocal(loadSettings(undefined, {})));
        expect(r.error).toBeUndefined();
        const auth = one(r, "pulumi:providers:docker", "engine").props.registryAuth;
        expect(JSON.parse((await valueOf(auth)) as string)).toEqual([{ address: "http://127.0.0.1:5001", authDisabled: true }]);
        const push = one(r, "docker:index/registryImage:RegistryImage", "workspace-jupyter-image-push");
        expect(await valueOf(push.props.name)).toMatch(/^127\.0\.0\.1:5001\/dsenv\/jupyter:b-[0-9a-f]{16}$/);
        expect(await valueOf(r.result.jupyterImage)).toBe(`127.0.0.1:5001/dsenv/jupyter@sha256:${"d".repeat(64)}`);
    });
});
