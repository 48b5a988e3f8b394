import { execFileSync, spawn, ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { METADATA_ADDRESS, METADATA_BLOCK_SCRIPT } from "../../components/azure/cloud-init";
import { waitFor } from "./harness";

// Parts of the Azure VM's boot script that need no network, run for real on
// this machine: here, the metadata block Docker runs before it starts. Three
// network namespaces stand for the VM (it routes, and runs the block), a
// container behind it, and Azure's instance metadata service at
// 169.254.169.254 (an HTTP server). The block must stop the container, and only
// the container: the VM itself still reaches the service (its token command).
jest.setTimeout(3 * 60_000);

const id = crypto.randomBytes(2).toString("hex");
const NS = { vm: `dsvm-${id}`, container: `dsct-${id}`, imds: `dsmd-${id}` };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-mdblock-"));
const script = path.join(dir, "dsenv-block-metadata");
let server: ChildProcess | undefined;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
const inNs = (ns: string, ...cmd: string[]) => execFileSync("ip", ["netns", "exec", ns, ...cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** What an HTTP GET of the metadata service from a namespace gets: the status, or the error. */
function fetchMetadata(ns: string): string {
    const get = `import urllib.request, sys
try:
    print(urllib.request.urlopen("http://${METADATA_ADDRESS}/metadata", timeout=3).status)
except Exception as e:
    print(type(e).__name__, getattr(e, "reason", e))`;
    return inNs(ns, "python3", "-c", get).trim();
}

beforeAll(async () => {
    fs.writeFileSync(script, METADATA_BLOCK_SCRIPT, { mode: 0o755 });
    for (const ns of Object.values(NS)) ip("netns", "add", ns);
    // container <-> VM: the container's default route is the VM, as a bridge network's is the host.
    ip("link", "add", `c${id}`, "netns", NS.container, "type", "veth", "peer", "name", `v${id}`, "netns", NS.vm);
    // VM <-> metadata service, on the link-local network Azure puts it on.
    ip("link", "add", `m${id}`, "netns", NS.imds, "type", "veth", "peer", "name", `w${id}`, "netns", NS.vm);
    ip("-n", NS.container, "addr", "add", "10.99.0.2/24", "dev", `c${id}`);
    ip("-n", NS.vm, "addr", "add", "10.99.0.1/24", "dev", `v${id}`);
    ip("-n", NS.vm, "addr", "add", "169.254.0.1/16", "dev", `w${id}`);
    ip("-n", NS.imds, "addr", "add", `${METADATA_ADDRESS}/16`, "dev", `m${id}`);
    for (const [ns, dev] of [[NS.container, `c${id}`], [NS.vm, `v${id}`], [NS.vm, `w${id}`], [NS.imds, `m${id}`]]) {
        ip("-n", ns, "link", "set", dev, "up");
        ip("-n", ns, "link", "set", "lo", "up");
    }
    ip("-n", NS.container, "route", "add", "default", "via", "10.99.0.1");
    ip("-n", NS.imds, "route", "add", "10.99.0.0/24", "via", "169.254.0.1");
    inNs(NS.vm, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    server = spawn("ip", ["netns", "exec", NS.imds, "python3", "-m", "http.server", "80", "--bind", METADATA_ADDRESS, "--directory", dir], { stdio: "ignore" });
    await waitFor("the stand-in metadata service", () => fetchMetadata(NS.vm).startsWith("HTTPError") || fetchMetadata(NS.vm) === "200", 30_000, 500);
});

afterAll(() => {
    server?.kill();
    for (const ns of Object.values(NS)) {
        try {
            ip("netns", "del", ns);
        } catch {
            // not created
        }
    }
    fs.rmSync(dir, { recursive: true, force: true });
});

const reached = (answer: string) => answer === "200" || answer.startsWith("HTTPError");

test("before the block, a container reaches the metadata service through the VM (the path works)", () => {
    expect(reached(fetchMetadata(NS.container))).toBe(true);
    expect(reached(fetchMetadata(NS.vm))).toBe(true);
});

test("after it, the container is refused, the VM itself is not", () => {
    inNs(NS.vm, "bash", script);
    expect(fetchMetadata(NS.container)).toMatch(/^URLError .*(Connection refused|No route to host)/);
    expect(reached(fetchMetadata(NS.vm))).toBe(true);
});

test("run again (every Docker start), it adds nothing: one rule, one jump", () => {
    inNs(NS.vm, "bash", script);
    const userRules = inNs(NS.vm, "iptables", "-S", "DOCKER-USER").split("\n").filter(l => l.startsWith("-A"));
    expect(userRules).toEqual([`-A DOCKER-USER -d ${METADATA_ADDRESS}/32 -j REJECT --reject-with icmp-port-unreachable`]);
    const jumps = inNs(NS.vm, "iptables", "-S", "FORWARD").split("\n").filter(l => l.includes("-j DOCKER-USER"));
    expect(jumps).toEqual(["-A FORWARD -j DOCKER-USER"]);
    expect(fetchMetadata(NS.container)).toMatch(/^URLError/);
});
