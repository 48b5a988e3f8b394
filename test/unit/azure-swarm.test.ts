import * as pulumi from "@pulumi/pulumi";
import { SWARM_GPUS_AT_ENGINE_START, SWARM_GPUS_COMMAND } from "../../components/azure/cloud-init";
import {
    expiresWithin,
    generatePassword,
    otherSlot,
    tokenPasswordProvider,
    waitUntilAccepted,
} from "../../components/azure/registry-pull-token";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { byType, configProblem, Declared, isSecret, nameOf, one, Run, runWithMocks, valueOf } from "./harness";
import { sshCalls } from "./azure-mocks";
import { azureStackConfig } from "./ssh-keys";

// An azure stack of several GPU VMs (dsenv:azureVmCount): one VNet, the
// swarm's ports open inside it only, the VMs made one swarm by their private
// addresses, the services pulling with a pull-only registry token.

const AZURE = azureStackConfig();
const T = {
    vm: "azure-native:compute:VirtualMachine",
    nic: "azure-native:network:NetworkInterface",
    nsg: "azure-native:network:NetworkSecurityGroup",
    vnet: "azure-native:network:VirtualNetwork",
    disk: "azure-native:compute:Disk",
    role: "azure-native:authorization:RoleAssignment",
    token: "azure-native:containerregistry:Token",
    password: "pulumi-nodejs:dynamic/dsenv:AcrTokenPassword",
    init: "pulumi-nodejs:dynamic/dsenv:SwarmInit",
    join: "pulumi-nodejs:dynamic/dsenv:SwarmJoin",
    labels: "pulumi-nodejs:dynamic/dsenv:SwarmNodeLabels",
    readiness: "pulumi-nodejs:dynamic/dsenv:HostReadiness",
    service: "docker:index/service:Service",
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    provider: "pulumi:providers:docker",
};

function azureStack(config: Record<string, string> = {}): Promise<Run<Record<string, unknown>>> {
    sshCalls.length = 0;
    return runWithMocks(
        { ...AZURE, azureVmCount: "3", ...config },
        () => deploy(loadSettings(undefined, {})) as Promise<Record<string, unknown>>,
    );
}

/** The cloud-config a VM boots with (customData is secret: it carries the host key). */
function cloudConfigOf(r: Run<unknown>, vm: Declared): string {
    return Buffer.from(r.inputs.get(vm.name).osProfile.value.customData, "base64").toString();
}

describe("azureVmCount: 3 GPU VMs as one swarm", () => {
    let r: Run<Record<string, unknown>>;
    beforeAll(async () => {
        r = await azureStack({ jupyterUsers: '["alice@2", "bob@3"]', pytorchEnabled: "true", pytorchGpus: "1" });
        expect(r.error && `${r.error.message} ${r.error.stack}`).toBeUndefined();
    });

    test("three VMs with numbered names, one VNet and one NSG that every NIC uses", async () => {
        expect(byType(r, T.vm).map(v => v.props.vmName)).toEqual(["dsenv-unit-vm", "dsenv-unit-vm2", "dsenv-unit-vm3"]);
        expect(byType(r, T.disk).map(d => d.props.diskName)).toEqual(["dsenv-unit-data", "dsenv-unit-data2", "dsenv-unit-data3"]);
        expect(byType(r, T.vnet)).toHaveLength(1);
        expect(byType(r, T.nsg)).toHaveLength(1);
        const nics = byType(r, T.nic);
        expect(nics.map(n => n.props.networkInterfaceName)).toEqual(["dsenv-unit-nic", "dsenv-unit-nic2", "dsenv-unit-nic3"]);
        const subnets = await Promise.all(nics.map(async n => (await valueOf(n.props.ipConfigurations))[0].subnet.id));
        expect(new Set(subnets).size).toBe(1);
        const groups = await Promise.all(nics.map(async n => (await valueOf(n.props.networkSecurityGroup)).id));
        expect(new Set(groups).size).toBe(1);
    });

    test("every VM's private address is static, the subnet's in order from .4: a manager keeps the address its raft state holds", async () => {
        const configs = await Promise.all(byType(r, T.nic).map(async n => (await valueOf(n.props.ipConfigurations))[0]));
        expect(configs.map(c => [c.privateIPAllocationMethod, c.privateIPAddress])).toEqual([
            ["Static", "10.42.1.4"],
            ["Static", "10.42.1.5"],
            ["Static", "10.42.1.6"],
        ]);
    });

    test("the swarm's ports are open from and to the VNet only; SSH stays as it was", async () => {
        const rules = (await valueOf(one(r, T.nsg, "gpu-nsg").props.securityRules)) as any[];
        const swarm = rules.filter(x => x.name.startsWith("allow-swarm-"));
        expect(swarm.map(x => `${x.destinationPortRange}/${x.protocol}`)).toEqual(["2377/Tcp", "7946/Tcp", "7946/Udp", "4789/Udp"]);
        for (const x of swarm)
            expect([x.sourceAddressPrefix, x.destinationAddressPrefix, x.direction, x.access]).toEqual([
                "VirtualNetwork",
                "VirtualNetwork",
                "Inbound",
                "Allow",
            ]);
        const ssh = rules.find(x => x.name === "allow-ssh");
        expect(ssh.sourceAddressPrefixes).toEqual(["10.20.30.40/32"]);
        expect(new Set(rules.map(x => x.priority)).size).toBe(rules.length);
    });

    test("every VM advertises its GPUs to the swarm, and its readiness waits for them", async () => {
        for (const vm of byType(r, T.vm)) {
            const config = cloudConfigOf(r, vm);
            expect(config).toContain(`path: ${SWARM_GPUS_COMMAND}`);
            expect(config).toMatch(
                new RegExp(
                    `nvidia-ctk runtime configure --runtime=docker\\n\\s*# Its GPUs advertised[^\\n]*\\n\\s*#[^\\n]*\\n\\s*${SWARM_GPUS_COMMAND}\\n`,
                ),
            );
            // And again before every Docker start: a deallocated VM comes back on other GPUs.
            expect(config).toContain(
                `'ExecStartPre=${SWARM_GPUS_AT_ENGINE_START}' > /etc/systemd/system/docker.service.d/dsenv-swarm-gpus.conf`,
            );
        }
        const readiness = byType(r, T.readiness);
        expect(readiness).toHaveLength(3);
        for (const step of readiness) expect(await valueOf(step.props.required)).toContain("gpus-advertised");
    });

    test("the swarm forms over the VMs' private addresses, reached by ssh at their public ones, after each VM is ready", async () => {
        expect(await valueOf(one(r, T.init, "swarm-init").props.advertiseAddr)).toBe("10.42.1.4");
        expect(await valueOf(one(r, T.init, "swarm-init").props.host)).toBe("ssh://dsenv@20.61.7.9");
        expect(await valueOf(one(r, T.join, "swarm-node2").props.advertiseAddr)).toBe("10.42.1.5");
        expect(await valueOf(one(r, T.join, "swarm-node3").props.host)).toBe("ssh://dsenv@20.61.7.11");
        expect((one(r, T.join, "swarm-node3").opts.dependsOn as pulumi.Resource[]).map(nameOf)).toEqual(["gpu3-engine-ready"]);
        // Stopped or deleted VMs: what lives on them goes with them, destroy needs no ssh; a replaced
        // VM joins again (its join is replaced with it).
        expect(nameOf(one(r, T.join, "swarm-node2").opts.deletedWith)).toBe("gpu2-incarnation");
        expect((one(r, T.join, "swarm-node2").opts.replaceWith as pulumi.Resource[]).map(nameOf)).toEqual(["gpu2-vm"]);
        expect((one(r, T.init, "swarm-init").opts.replaceWith as pulumi.Resource[]).map(nameOf)).toEqual(["gpu-vm"]);
        // One provider per node (for its volumes) and none made by the VMs' engines.
        expect(
            byType(r, T.provider)
                .map(p => p.name)
                .sort(),
        ).toEqual(["build-engine", "swarm-node1", "swarm-node2", "swarm-node3"]);
    });

    test("the workspace and workloads are services, none a container; data and users where the labels say", async () => {
        expect(byType(r, T.container)).toEqual([]);
        expect(
            byType(r, T.service)
                .map(s => s.props.name)
                .sort(),
        ).toEqual(["dsenv-unit-jupyter-alice", "dsenv-unit-jupyter-bob", "dsenv-unit-mysql", "dsenv-unit-pytorch"]);
        expect(nameOf(one(r, T.volume, "workspace-mysql-data").opts.provider)).toBe("swarm-node1");
        expect(nameOf(one(r, T.volume, "workspace-jupyter-bob-work").opts.provider)).toBe("swarm-node3");
        expect(await valueOf(one(r, T.labels, "swarm-node2-labels").props.labels)).toEqual({ "dsenv.place.user-alice": "true" });
        const pytorch = await valueOf(one(r, T.service, "pytorch").props.taskSpec);
        expect(pytorch.resources.reservation.genericResources.discreteResourcesSpecs).toEqual(["NVIDIA-GPU=1"]);
    });

    test("no VM identity may pull: services pull with a registry token that can only pull, handed over by the manager", async () => {
        expect(byType(r, T.role)).toEqual([]);
        const token = one(r, T.token, "swarm-pull");
        expect(token.props.tokenName).toBe("dsenv-unit-swarm-pull");
        expect(await valueOf(token.props.scopeMapId)).toMatch(/\/scopeMaps\/_repositories_pull$/);
        const password = one(r, T.password, "swarm-pull-password");
        expect(password.opts.additionalSecretOutputs).toEqual(expect.arrayContaining(["password", "armToken"]));
        expect(await isSecret(password.props.armToken)).toBe(true);
        const auth = JSON.parse(await valueOf(one(r, T.provider, "swarm-node1").props.registryAuth));
        expect(auth).toEqual([{ address: "dsenvunit01.azurecr.io", username: "dsenv-unit-swarm-pull", password: "token-password-1" }]);
        expect(await isSecret(one(r, T.provider, "swarm-node1").props.registryAuth)).toBe(true);
        // A renewed password updates every service, which hands it over.
        for (const s of byType(r, T.service))
            expect(r.inputs.get(s.name).labels).toContainEqual({ label: "dsenv.pull-credential", value: "2027-11-30T00:00:00.000Z" });
        // No VM identity token is fetched over ssh: the swarm's VMs do not pull with it.
        expect(sshCalls).toEqual([]);
    });

    test("outputs: every VM with its ssh and tunnel commands; URLs through the tunnels", async () => {
        const vms = (await valueOf(pulumi.output(r.result.vms))) as unknown as any[];
        expect(vms.map(v => [v.name, v.publicIp, v.privateIp])).toEqual([
            ["dsenv-unit-vm", "20.61.7.9", "10.42.1.4"],
            ["dsenv-unit-vm2", "20.61.7.10", "10.42.1.5"],
            ["dsenv-unit-vm3", "20.61.7.11", "10.42.1.6"],
        ]);
        expect(vms[1].tunnelCommand).toBe(`ssh -N -L 9368:127.0.0.1:9368 -i ${AZURE.azureSshPrivateKeyPath} dsenv@20.61.7.10`);
        expect(await valueOf(r.result.dockerHost)).toBe("ssh://dsenv@20.61.7.9");
        const notebooks = (await valueOf(pulumi.output(r.result.notebooks))) as any;
        expect(notebooks.alice.url).toBe("http://127.0.0.1:9368/");
        expect(await valueOf(r.result.swarmDataNode)).toBe("10.42.1.4");
    });
});

describe("azureVmCount: the config", () => {
    test("one VM is the one-engine stack as before: no swarm, no token, the VM identity pulls", async () => {
        const r = await azureStack({ azureVmCount: "1" });
        expect(r.error).toBeUndefined();
        expect(byType(r, T.init)).toEqual([]);
        expect(byType(r, T.token)).toEqual([]);
        expect(byType(r, T.role)).toHaveLength(1);
        expect(byType(r, T.container).length).toBeGreaterThan(0);
        const rules = (await valueOf(one(r, T.nsg, "gpu-nsg").props.securityRules)) as any[];
        expect(rules.map(x => x.name)).toEqual(["allow-ssh"]);
    });

    test("one VM runs each jupyterUsers entry's notebook, and its tunnel forwards their ports", async () => {
        const r = await azureStack({ azureVmCount: "1", jupyterUsers: '["alice", "bob"]' });
        expect(r.error).toBeUndefined();
        expect(
            byType(r, T.container)
                .map(c => c.props.name)
                .sort(),
        ).toEqual(["dsenv-unit-jupyter-alice", "dsenv-unit-jupyter-bob", "dsenv-unit-mysql"]);
        expect(await valueOf(r.result.jupyterTunnelCommand as pulumi.Output<string>)).toBe(
            `ssh -N -L 9368:127.0.0.1:9368 -L 9133:127.0.0.1:9133 -i ${AZURE.azureSshPrivateKeyPath} dsenv@20.61.7.9`,
        );
        expect(((await valueOf(pulumi.output(r.result.notebooks))) as any).bob.url).toBe("http://127.0.0.1:9133/");
    });

    test("a count outside 1 to 10 is refused", async () => {
        for (const count of ["0", "11"]) {
            const r = await azureStack({ azureVmCount: count });
            expect(r.error?.message).toBe(
                configProblem(
                    `dsenv:azureVmCount: got ${count}, expected a number of VMs from 1 to 10: 1 runs the workspace on one VM's engine, more make the VMs one Docker swarm`,
                ),
            );
        }
    });

    test("swarm keys need several VMs; @node counts the VMs", async () => {
        expect((await azureStack({ azureVmCount: "1", swarmDataNode: "2" })).error?.message).toContain("dsenv:swarmDataNode");
        expect((await azureStack({ swarmDataNode: "4" })).error?.message).toContain(
            "expected the number of the node (1 to 3, in the VMs' numbers) that keeps the data",
        );
        expect((await azureStack({ jupyterUsers: '["alice@4"]' })).error?.message).toContain("with a node from 1 to 3 (the VMs' numbers)");
        expect((await azureStack({ swarmNodes: '["ssh://a@b 10.0.0.1"]' })).error?.message).toContain("dsenv:swarmNodes");
    });

    test("GPU requests are counts no VM's size exceeds, checked before anything exists", async () => {
        const tooMany = await azureStack({ pytorchEnabled: "true", pytorchGpus: "2" });
        expect(tooMany.declared).toEqual([]);
        expect(tooMany.error?.message).toContain(
            'dsenv:pytorchGpus: got "2", expected at most 1 GPUs, what the best-equipped node advertises (NVIDIA-GPU generic resources; each of the 3 VMs (Standard_NC4as_T4_v3): 1)',
        );
        const all = await azureStack({ pytorchEnabled: "true", pytorchGpus: "all" });
        expect(all.error?.message).toContain('dsenv:pytorchGpus: got "all", expected a number of GPUs');
        expect(
            (await azureStack({ azureVmSize: "Standard_NC64as_T4_v3", pytorchEnabled: "true", pytorchGpus: "4" })).error,
        ).toBeUndefined();
    });

    test("a prefix whose pull token name would be too long is refused on a swarm only", async () => {
        const prefix = `p${"a".repeat(39)}`; // the token's name would have 51 characters
        expect((await azureStack({ namePrefix: prefix })).error?.message).toContain(
            `registryPullToken ${prefix}-swarm-pull must have 5 to 50 characters`,
        );
        expect((await azureStack({ namePrefix: prefix, azureVmCount: "1" })).error).toBeUndefined();
    });
});

describe("the pull token's password", () => {
    const INPUTS = {
        registryId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/r",
        loginServer: "r.azurecr.io",
        tokenId: "/subscriptions/s/.../tokens/t",
        armToken: "arm-1",
        validDays: 365,
    };
    const NOW = Date.parse("2026-11-30T00:00:00Z");
    const RESULT = { username: "t", passwords: [{ name: "password1", value: "pw-1", expiry: "2027-11-30T00:00:00Z" }] };

    test("generateCredentials is asked for password1 with a year's expiry, as the deployer", async () => {
        const calls: [string, RequestInit | undefined][] = [];
        const fetchFn = (async (url: string, init?: RequestInit) => {
            calls.push([url, init]);
            return new Response(JSON.stringify(RESULT), { status: 200 });
        }) as typeof fetch;
        expect(await generatePassword(INPUTS, fetchFn, NOW)).toEqual({ username: "t", password: "pw-1", expiry: "2027-11-30T00:00:00Z" });
        expect(calls[0][0]).toBe(`https://management.azure.com${INPUTS.registryId}/generateCredentials?api-version=2023-07-01`);
        expect(JSON.parse(String(calls[0][1]?.body))).toEqual({
            tokenId: INPUTS.tokenId,
            name: "password1",
            expiry: "2027-11-30T00:00:00.000Z",
        });
        expect((calls[0][1]?.headers as Record<string, string>).Authorization).toBe("Bearer arm-1");
    });

    test("a long-running answer is polled at its Location", async () => {
        jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
        try {
            const answers = [
                new Response("", { status: 202, headers: { Location: "https://management.azure.com/op/1" } }),
                new Response("", { status: 202 }),
                new Response(JSON.stringify(RESULT), { status: 200 }),
            ];
            const urls: string[] = [];
            const fetchFn = (async (url: string) => {
                urls.push(url);
                return answers.shift()!;
            }) as typeof fetch;
            const result = generatePassword(INPUTS, fetchFn, NOW);
            await jest.advanceTimersByTimeAsync(5000);
            expect((await result).password).toBe("pw-1");
            expect(urls.slice(1)).toEqual(["https://management.azure.com/op/1", "https://management.azure.com/op/1"]);
        } finally {
            jest.useRealTimers();
        }
    });

    test("a refusal says what Azure answered", async () => {
        const fetchFn = (async () => new Response('{"error":{"code":"AuthorizationFailed"}}', { status: 403 })) as unknown as typeof fetch;
        await expect(generatePassword(INPUTS, fetchFn, NOW)).rejects.toThrow(
            `generating a password for ${INPUTS.tokenId} failed (HTTP 403): {"error":{"code":"AuthorizationFailed"}}`,
        );
    });

    test("a new ARM token changes nothing; the last month before expiry renews it", async () => {
        const olds = {
            registryId: INPUTS.registryId,
            tokenId: INPUTS.tokenId,
            validDays: 365,
            username: "t",
            password: "pw-1",
            expiry: new Date(Date.now() + 200 * 86_400_000).toISOString(),
        };
        expect(await tokenPasswordProvider.diff!("id", olds, { ...INPUTS, armToken: "arm-2" })).toEqual({ changes: false, replaces: [] });
        const due = { ...olds, expiry: new Date(Date.now() + 10 * 86_400_000).toISOString() };
        // An update, not a replacement: it knows which slot is in use.
        expect(await tokenPasswordProvider.diff!("id", due, INPUTS)).toEqual({ changes: true, replaces: [] });
        expect(expiresWithin("2026-12-20T00:00:00Z", 30, NOW)).toBe(true);
        expect(expiresWithin("2027-01-20T00:00:00Z", 30, NOW)).toBe(false);
    });

    test("a renewal fills the other slot, the registry accepts it before it is handed on; the password in use keeps working", async () => {
        expect([otherSlot(undefined), otherSlot("password1"), otherSlot("password2")]).toEqual(["password2", "password2", "password1"]);
        const calls: { url: string; body?: string; auth?: string }[] = [];
        let logins = 0;
        // azure-mocks.ts's fetch, answering for the registry's and ARM's endpoints here only.
        const spy = jest.spyOn(globalThis, "fetch");
        const azureFetch = spy.getMockImplementation()!;
        spy.mockImplementation(async (url, init) => {
            const headers = (init?.headers ?? {}) as Record<string, string>;
            calls.push({ url: String(url), body: init?.body ? String(init.body) : undefined, auth: headers.Authorization });
            if (String(url).endsWith("/v2/")) return new Response("", { status: ++logins < 2 ? 401 : 200 });
            const name = JSON.parse(String(init?.body)).name;
            return new Response(
                JSON.stringify({ username: "t", passwords: [{ name, value: `pw-${name}`, expiry: "2028-11-30T00:00:00Z" }] }),
                { status: 200 },
            );
        });
        jest.useFakeTimers({ doNotFake: ["nextTick", "setImmediate"] });
        try {
            const olds = { ...INPUTS, username: "t", password: "pw-password1", expiry: "2026-12-10T00:00:00Z", slot: "password1" as const };
            const updating = tokenPasswordProvider.update!("id", olds, INPUTS);
            await jest.advanceTimersByTimeAsync(10_000);
            const outs = (await updating).outs!;
            expect([outs.slot, outs.password]).toEqual(["password2", "pw-password2"]);
            expect(JSON.parse(calls[0].body!).name).toBe("password2");
            // Tried at the registry with the new password until it is accepted (once refused while it replicates).
            expect(calls.slice(1).map(c => [c.url, c.auth])).toEqual([
                ["https://r.azurecr.io/v2/", `Basic ${Buffer.from("t:pw-password2").toString("base64")}`],
                ["https://r.azurecr.io/v2/", `Basic ${Buffer.from("t:pw-password2").toString("base64")}`],
            ]);
        } finally {
            jest.useRealTimers();
            spy.mockImplementation(azureFetch);
        }
    });

    test("a password the registry never accepts fails the up with what it answered", async () => {
        const fetchFn = (async () => new Response("", { status: 401 })) as unknown as typeof fetch;
        await expect(waitUntilAccepted("r.azurecr.io", "t", "pw", fetchFn, 0, 0)).rejects.toThrow(
            "r.azurecr.io does not accept the new password of t after 0 s (HTTP 401); run up again",
        );
    });
});
