import * as fs from "fs";
import * as path from "path";
import { docker, freePort, httpRequest, registries, TestStack } from "./harness";

// A registry that wants no login and speaks plain HTTP (registryServer
// http://host:port), on a machine without any Docker config file: the stack
// builds, pushes, pulls back by digest and runs, and a second up changes nothing.
// (The HTTPS registry with a login is remote-engine.test.ts.)
jest.setTimeout(10 * 60_000);

const REGISTRY = registries.plain.server;
let s: TestStack;

beforeAll(async () => {
    s = new TestStack();
    await s.init({
        registryServer: `http://${REGISTRY}`,
        mysqlImage: "dsenv/mysql-standin:test",
        jupyterBaseImage: "dsenv/jupyter-standin:test",
        jupyterHostPort: String(await freePort()),
    });
});

afterAll(async () => {
    await s?.dispose();
});

test("up pushes the built image over plain HTTP and runs it by digest, with no Docker config file anywhere", async () => {
    await s.up();
    const image = (await s.outputs()).jupyterImage as string;
    const [repository, digest] = image.split("@");
    expect(repository).toBe(`${REGISTRY}/dsenv/jupyter`);
    const manifest = await httpRequest(`http://${REGISTRY}/v2/dsenv/jupyter/manifests/${digest}`, {
        method: "HEAD",
        headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    expect(manifest.status).toBe(200);
    expect(docker("inspect", "-f", "{{.Config.Image}} {{.State.Health.Status}}", `${s.prefix}-jupyter`)).toBe(`${image} healthy`);
    // The stack's DOCKER_CONFIG (where the provider keeps its buildx state) has no config file, before or after.
    expect(fs.existsSync(path.join(s.dir, ".docker", "config.json"))).toBe(false);
});

test("a second up changes nothing", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true, diff: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});
