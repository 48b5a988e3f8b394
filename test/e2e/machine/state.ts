import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CGROUPS } from "../netns";

/**
 * What of this machine the end-to-end tests must leave as they found it: its
 * network interfaces and namespaces, the iptables rules of its filter and nat
 * tables, its top-level cgroups, the containers, networks and volumes of its Docker engine, and the
 * user's ~/.docker and ~/.pulumi. Each entry is a list of lines; a test's own
 * daemons and networks live in namespaces of their own (test/e2e/netns.ts), so
 * after the suite every list is as it was before it.
 */
export type MachineState = Record<string, string[]>;

/** Docker's per-container veth ends on the machine: they come and go with containers, which are listed themselves. */
const CONTAINER_VETH = /^veth[0-9a-f]{7}$/;

export function machineState(): MachineState {
    return {
        "network interface": lines("ip", "-o", "link", "show")
            .map(l => l.split(": ")[1].split("@")[0])
            .filter(n => !CONTAINER_VETH.test(n)),
        "network namespace": lines("ip", "netns", "list").map(l => l.split(" ")[0]),
        "iptables rule (filter)": lines("iptables", "-t", "filter", "-S"),
        "iptables rule (nat)": lines("iptables", "-t", "nat", "-S"),
        "engine container": lines("docker", "ps", "-a", "--format", "{{.ID}} {{.Names}}"),
        "engine network": lines("docker", "network", "ls", "--format", "{{.ID}} {{.Name}} {{.Driver}}"),
        "engine volume": lines("docker", "volume", "ls", "--format", "{{.Name}}"),
        cgroup: topCgroups(),
        "file under ~/.docker": files(path.join(os.homedir(), ".docker")),
        "file under ~/.pulumi": files(path.join(os.homedir(), ".pulumi")),
    };
}

/** What differs between two states, one line each ("gone: ..." / "left behind: ..."); empty when nothing does. */
export function differences(before: MachineState, after: MachineState): string[] {
    const out: string[] = [];
    for (const kind of Object.keys(before)) {
        for (const line of minus(before[kind], after[kind] ?? [])) out.push(`${kind} gone: ${line}`);
        for (const line of minus(after[kind] ?? [], before[kind])) out.push(`${kind} left behind: ${line}`);
    }
    return out;
}

/** The lines of `a` not matched one for one in `b` (as multisets: a rule may stand twice). */
function minus(a: string[], b: string[]): string[] {
    const left = new Map<string, number>();
    for (const l of b) left.set(l, (left.get(l) ?? 0) + 1);
    return a.filter(l => {
        const n = left.get(l) ?? 0;
        if (n > 0) left.set(l, n - 1);
        return n === 0;
    });
}

/** A command's output lines; a command that is not there or fails gives one line saying so, the same before and after. */
function lines(cmd: string, ...args: string[]): string[] {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 })
            .split("\n")
            .filter(Boolean);
    } catch (e) {
        return [`(${cmd} ${args.join(" ")} failed: ${String((e as { code?: string }).code ?? "exit")})`];
    }
}

/** Every file and folder under `dir` with its size and modification time; none when it does not exist. */
function files(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return (fs.readdirSync(dir, { recursive: true }) as string[]).map(f => {
        const st = fs.lstatSync(path.join(dir, f));
        return `${f} ${st.isDirectory() ? "dir" : st.size} ${st.mtimeMs}`;
    });
}

/**
 * The top-level cgroups of each cgroup v1 controller ("memory/dsw1234n1"):
 * a test's dockerd puts its containers' under one of its own. The machine
 * engine's own ("docker") is left out: it makes it at its first container
 * and keeps it, as it keeps its bridge.
 */
function topCgroups(): string[] {
    if (!fs.existsSync(CGROUPS)) return [];
    return fs.readdirSync(CGROUPS).flatMap(controller => {
        try {
            return fs
                .readdirSync(path.join(CGROUPS, controller), { withFileTypes: true })
                .filter(e => e.isDirectory() && e.name !== "docker")
                .map(e => `${controller}/${e.name}`);
        } catch {
            return [];
        }
    });
}
