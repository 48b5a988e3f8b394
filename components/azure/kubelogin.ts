import * as YAML from "yaml";

/**
 * The AKS user kubeconfig (format "exec") runs `kubelogin get-token` with
 * `--login devicecode`, which waits for a person at a browser: Pulumi's
 * Kubernetes provider would hang on it. This sets the login mode the stack
 * asks for, as `kubelogin convert-kubeconfig -l <mode>` would: azurecli and
 * azd use that tool's sign-in, workloadidentity and msi an identity of the
 * machine (client id from the environment), spn a service principal from the
 * environment; devicecode and interactive keep the AKS client and tenant.
 */
export function withKubeloginMode(kubeconfig: string, mode: string): string {
    const doc = YAML.parse(kubeconfig) as { users?: { user?: { exec?: { command?: string; args?: string[] } } }[] };
    for (const user of doc.users ?? []) {
        const exec = user.user?.exec;
        if (!exec || !/(^|\/)kubelogin(\.exe)?$/.test(exec.command ?? "")) continue;
        exec.args = kubeloginArgs(exec.args ?? [], mode);
    }
    return YAML.stringify(doc);
}

function kubeloginArgs(args: string[], mode: string): string[] {
    const flag = (name: string) => {
        const i = args.indexOf(name);
        return i >= 0 ? args[i + 1] : undefined;
    };
    const serverId = flag("--server-id");
    if (!serverId) throw new Error("the AKS kubeconfig's kubelogin has no --server-id: not an Entra ID cluster's user kubeconfig");
    const keep = (...names: string[]) => names.flatMap(n => (flag(n) === undefined ? [] : [n, flag(n)!]));
    switch (mode) {
        case "azurecli":
        case "azd":
        case "workloadidentity":
        case "msi":
            return ["get-token", "--login", mode, "--server-id", serverId];
        case "spn":
            return ["get-token", "--login", mode, "--server-id", serverId, ...keep("--environment", "--tenant-id")];
        default:
            return ["get-token", "--login", mode, "--server-id", serverId, ...keep("--environment", "--client-id", "--tenant-id")];
    }
}
