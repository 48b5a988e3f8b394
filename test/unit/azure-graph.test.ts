import type * as compute from "@pulumi/azure-native/compute";
import * as pulumi from "@pulumi/pulumi";
import { AzureDeployment, deployAzure, WorkspaceSettings } from "../../targets/azure";
import { ciPush, CiPushOutputs } from "../../targets/ci-push";
import { cloudInit, METADATA_BLOCK_COMMAND, READY_MARKER } from "../../components/azure/cloud-init";
import { hostKeyFromSeed } from "../../components/azure/host-key";
import * as fs from "fs";
import { AzureSettings } from "../../config/azure";
import { KeptResources } from "../../targets/azure-survey";
import { loadSettings } from "../../settings/load";
import { Settings } from "../../settings";
import { deploy as deployStack } from "../../targets";
import { byType, Declared, isSecret, nameOf, one, Run, runWithMocks, valueOf } from "./harness";
import { azure, exchanges, resetAzure, sshCalls } from "./azure-mocks";
import { privateKeyFile, sshPublicKeyLine } from "./ssh-keys";

const KEY = sshPublicKeyLine();
/** The mocked RandomPassword answers secret-<name>-xxxxxxxx (test/unit/harness.ts). */
const HOST_KEY = hostKeyFromSeed("secret-gpu-host-key-seed-xxxxxxxx");
const PRIVATE_KEY = privateKeyFile();

function settings(change: (s: AzureSettings) => void = () => {}): AzureSettings {
    const s: AzureSettings = {
        runsOn: "vms",
        location: "eastus",
        resourceGroup: "",
        useExistingResourceGroup: false,
        vmCount: 1,
        vm: {
            size: "Standard_NC4as_T4_v3",
            nvidiaDriverBranch: "580",
            trustedLaunch: true,
            adminUser: "dsenv",
            sshPublicKey: KEY,
            sshPrivateKeyPath: "/home/me/.ssh/id_ed25519",
            osDiskGb: 128,
            dataDiskGb: 256,
            keepDataDisk: true,
            containersReachMetadata: false,
        },
        network: { allowedCidrs: ["203.0.113.7/32", "198.51.100.0/24"], openToInternet: false, appPorts: [] },
        shutdown: { time: "1900", timeZone: "W. Europe Standard Time" },
        registry: { name: "dsenvunit01", sku: "Basic", adminEnabled: false },
    };
    change(s);
    return s;
}

const WORKSPACE: WorkspaceSettings = {
    namePrefix: "dsenv-unit",
    restart: "unless-stopped",
    mysql: { image: "mysql:8.4.3", database: "analytics", user: "analyst", extraAliases: ["myjupyterdb"], keepDataOnDestroy: true },
    jupyter: {
        baseImage: "jupyter/datascience-notebook:2023-10-20",
        publish: { hostPort: 8888, hostIp: "127.0.0.1" },
        workDir: { kind: "volume", keepOnDestroy: true },
        users: [],
        gpuChoice: "none (unit)",
        shmSizeMb: 2048,
    },
    buildEngine: { isLocal: true },
};

function deploy(s = settings(), workspace = WORKSPACE, kept: KeptResources = {}): Promise<Run<AzureDeployment>> {
    exchanges.length = 0;
    sshCalls.length = 0;
    return runWithMocks<AzureDeployment>({}, () => deployAzure(s, workspace, kept));
}
const T = {
    nsg: "azure-native:network:NetworkSecurityGroup",
    vm: "azure-native:compute:VirtualMachine",
    ext: "azure-native:compute:VirtualMachineExtension",
    registry: "azure-native:containerregistry:Registry",
    role: "azure-native:authorization:RoleAssignment",
    schedule: "azure-native:devtestlab:GlobalSchedule",
    disk: "azure-native:compute:Disk",
    readiness: "pulumi-nodejs:dynamic/dsenv:HostReadiness",
    pullToken: "pulumi-nodejs:dynamic/dsenv:ManagedIdentityPullToken",
    provider: "pulumi:providers:docker",
    container: "docker:index/container:Container",
    image: "docker:index/remoteImage:RemoteImage",
    push: "docker:index/registryImage:RegistryImage",
};

/** The VM's OS profile: the engine gets it as a secret, since its custom data carries the host's private key. */
function osProfileOf(r: Run<unknown>): any {
    const profile = r.inputs.get("gpu-vm").osProfile;
    expect(profile[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
    return profile.value;
}

/** A docker provider's setting; the provider hands nested settings on as JSON. */
async function providerSetting(r: Run<unknown>, engine: string, key: string): Promise<any> {
    const raw = await valueOf(one(r, T.provider, engine).props[key]);
    return typeof raw === "string" ? JSON.parse(raw) : raw;
}

/** An engine's registry logins as [address, username, password]. */
async function loginsOf(r: Run<unknown>, engine: string): Promise<string[][]> {
    return ((await providerSetting(r, engine, "registryAuth")) as any[]).map(a => [a.address, a.username, a.password]);
}

describe("the Azure graph", () => {
    let r: Run<AzureDeployment>;
    beforeAll(async () => {
        r = await deploy();
        expect(r.error).toBeUndefined();
    });

    test("declares the resource group, network, VM, data disk, shutdown, registry and role; no VM extension", () => {
        const types = r.declared.map(d => d.type).filter(t => t.startsWith("azure-native:"));
        expect(new Set(types)).toEqual(
            new Set([
                "azure-native:resources:ResourceGroup",
                "azure-native:network:VirtualNetwork",
                "azure-native:network:Subnet",
                T.nsg,
                "azure-native:network:PublicIPAddress",
                "azure-native:network:NetworkInterface",
                T.disk,
                T.vm,
                T.schedule,
                T.registry,
                T.role,
            ]),
        );
        expect(r.inputs.get("resource-group").resourceGroupName).toBe("dsenv-unit-rg");
        // Deleting the group would delete the kept data disk with it.
        expect(one(r, "azure-native:resources:ResourceGroup", "resource-group").opts.retainOnDelete).toBe(true);
        // What a destroy may keep says which stack it belongs to: only those are adopted again.
        expect(r.inputs.get("resource-group").tags).toEqual({ "dsenv-stack": "dsenv/unit" });
        expect(r.inputs.get("gpu-data").tags).toEqual({ "dsenv-stack": "dsenv/unit" });
        expect(one(r, "azure-native:resources:ResourceGroup", "resource-group").opts.import).toBeUndefined();
        expect(one(r, T.disk, "gpu-data").opts.import).toBeUndefined();
    });

    test("the NSG lets only the configured networks reach SSH, and nothing else", async () => {
        const rules = r.inputs.get("gpu-nsg").securityRules as any[];
        expect(rules).toEqual([
            expect.objectContaining({
                name: "allow-ssh",
                direction: "Inbound",
                access: "Allow",
                protocol: "Tcp",
                sourceAddressPrefixes: ["203.0.113.7/32", "198.51.100.0/24"],
                destinationPortRanges: ["22"],
            }),
        ]);
        const sources = rules.flatMap(rule => [rule.sourceAddressPrefix, ...(rule.sourceAddressPrefixes ?? [])]).filter(Boolean);
        for (const open of ["*", "0.0.0.0/0", "Internet", "Any"]) expect(sources).not.toContain(open);
    });

    test("the VM takes an SSH key only, with password login disabled", () => {
        const os = osProfileOf(r);
        expect(os.adminPassword).toBeUndefined();
        expect(os.adminUsername).toBe("dsenv");
        expect(os.linuxConfiguration).toEqual({
            disablePasswordAuthentication: true,
            ssh: { publicKeys: [{ path: "/home/dsenv/.ssh/authorized_keys", keyData: KEY }] },
        });
    });

    test("the VM: configured size, Ubuntu LTS Gen2, OS disk size, system identity, Trusted Launch with Secure Boot on, kept data disk attached", () => {
        const vm = r.inputs.get("gpu-vm");
        expect(vm.hardwareProfile).toEqual({ vmSize: "Standard_NC4as_T4_v3" });
        expect(vm.storageProfile.imageReference).toEqual({
            publisher: "Canonical",
            offer: "0001-com-ubuntu-server-jammy",
            sku: "22_04-lts-gen2",
            version: "latest",
        });
        expect(vm.storageProfile.osDisk.diskSizeGB).toBe(128);
        expect(vm.identity).toEqual({ type: "SystemAssigned" });
        expect(vm.securityProfile).toEqual({ securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } });
        expect(osProfileOf(r).computerName).toBe("dsenv-unit-vm");
        expect(vm.storageProfile.dataDisks).toEqual([
            { lun: 0, createOption: "Attach", managedDisk: { id: expect.stringContaining("gpu-data") }, deleteOption: "Detach" },
        ]);
        expect(vm.priority).toBeUndefined();
        expect(one(r, T.disk, "gpu-data").opts.retainOnDelete).toBe(true);
        expect(r.inputs.get("gpu-data").diskSizeGB).toBe(256);
    });

    test("cloud-init in customData installs Docker and the NVIDIA toolkit, mounts the data disk, writes the marker", () => {
        const yaml = Buffer.from(osProfileOf(r).customData, "base64").toString("utf8");
        expect(yaml).toBe(
            cloudInit({ adminUser: "dsenv", dataDiskLun: 0, nvidiaDriverBranch: "580", hostKey: HOST_KEY, advertiseGpus: true }),
        );
        expect(yaml.startsWith("#cloud-config\n")).toBe(true);
        for (const step of [
            "apt_get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin nvidia-container-toolkit",
            "nvidia-ctk runtime configure --runtime=docker",
            "systemctl restart containerd docker",
            "usermod -aG docker dsenv",
            "/dev/disk/azure/scsi1/lun0",
            'blkid "$disk" >/dev/null || mkfs.ext4',
            // A larger disk: the file system grows with it.
            'resize2fs "$disk"',
            // The data disk keeps Docker's volumes only: the engine's own state stays with the VM's OS disk.
            "/data/volumes /var/lib/docker/volumes none bind,nofail,x-systemd.requires-mounts-for=/data 0 0",
            // Docker does not start before the volumes are mounted.
            "'RequiresMountsFor=/var/lib/docker/volumes' > /etc/systemd/system/docker.service.d/dsenv-data-disk.conf",
            // Ubuntu's signed driver, no DKMS, for the flavour's newest kernel (the one that will run), with that kernel.
            'apt_get install -y "linux-image-$flavour" "linux-modules-nvidia-580-server-$flavour" nvidia-headless-no-dkms-580-server nvidia-utils-580-server',
            // Unattended upgrades leave the driver and the kernel to the user (a driver upgraded under the loaded module breaks NVML).
            '"linux-$flavour\\"; };" > /etc/apt/apt.conf.d/51dsenv-hold-driver',
            // The lists lock is waited for: apt-get update is tried again while another apt holds it.
            "apt_update() { for _ in $(seq 90); do apt_get update && return 0; sleep 10; done; apt_get update; }",
            `> ${READY_MARKER}`,
        ]) {
            expect([step, yaml.includes(step)]).toEqual([step, true]);
        }
        // The disk's steps run on every boot, before the check that ends a set-up done already.
        expect(yaml.indexOf('resize2fs "$disk"')).toBeLessThan(yaml.indexOf(`[ -f ${READY_MARKER} ] && exit 0`));
        const order = [
            "mount /data",
            "mount /var/lib/docker/volumes",
            "RequiresMountsFor",
            "nvidia-headless-no-dkms",
            "nvidia-smi -L",
            "nvidia-ctk runtime configure",
            "systemctl restart containerd docker",
            "usermod -aG docker",
            READY_MARKER + "\n",
        ].map(s => yaml.lastIndexOf(s));
        expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    test("the NVIDIA driver comes from the boot script alone: no extension races it for the dpkg lock", () => {
        expect(byType(r, T.ext)).toEqual([]);
        const yaml = Buffer.from(osProfileOf(r).customData, "base64").toString("utf8");
        expect(yaml).toContain("DPkg::Lock::Timeout=900");
        expect(yaml).not.toContain("NvidiaGpuDriverLinux");
    });

    test("the VM's host key is the stack's: installed by cloud-init, its private half a secret, pinned for every ssh connection", async () => {
        const yaml = Buffer.from(osProfileOf(r).customData, "base64").toString("utf8");
        expect(yaml).toContain(`ssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n`);
        expect(yaml).toContain(`  ed25519_public: ${HOST_KEY.publicKey}\n`);
        // Azure decodes customData to at most 65535 bytes.
        expect(Buffer.byteLength(yaml)).toBeLessThanOrEqual(65535);
        const vm = one(r, T.vm, "gpu-vm");
        expect(await isSecret((vm.props.osProfile as any).customData)).toBe(true);
        expect(vm.opts.additionalSecretOutputs).toEqual(["osProfile"]);
        expect(one(r, "random:index/randomPassword:RandomPassword", "gpu-host-key-seed").opts.additionalSecretOutputs).toContain("result");

        // The docker provider, the readiness step and the token fetch all accept this key and no other.
        const sshOpts: string[] = await providerSetting(r, "gpu-engine-docker", "sshOpts");
        const pinned = (opts: string[]) => {
            const value = (name: string) => opts.find(o => o.startsWith(`${name}=`))?.slice(name.length + 1);
            return {
                strict: value("StrictHostKeyChecking"),
                alias: value("HostKeyAlias"),
                algorithms: value("HostKeyAlgorithms"),
                file: value("UserKnownHostsFile"),
                global: value("GlobalKnownHostsFile"),
            };
        };
        const engine = pinned(sshOpts);
        expect(engine).toEqual({
            strict: "yes",
            alias: "dsenv-unit-vm",
            algorithms: "ssh-ed25519",
            file: expect.stringMatching(/known_hosts\.d\/dsenv-unit-vm-[0-9a-f]{16}$/),
            global: "/dev/null",
        });
        expect(fs.readFileSync(engine.file!, "utf8")).toBe(`dsenv-unit-vm ${HOST_KEY.publicKey}\n`);
        expect(sshOpts.join(" ")).not.toContain("accept-new");
        expect(pinned(sshCalls[0])).toEqual(engine);
        const ready = r.inputs.get("gpu-engine-ready");
        expect({ file: ready.knownHostsPath, alias: ready.hostKeyAlias }).toEqual({ file: engine.file, alias: "dsenv-unit-vm" });
    });

    test("containers cannot reach the instance metadata service: Docker blocks it before it starts", () => {
        const yaml = Buffer.from(osProfileOf(r).customData, "base64").toString("utf8");
        expect(yaml).toContain(`  - path: ${METADATA_BLOCK_COMMAND}\n`);
        expect(yaml).toContain(`'ExecStartPre=${METADATA_BLOCK_COMMAND}' > /etc/systemd/system/docker.service.d/dsenv-metadata-block.conf`);
        // Before Docker is installed and started.
        expect(yaml.indexOf("dsenv-metadata-block.conf")).toBeLessThan(yaml.indexOf("apt_get install -y docker-ce"));
    });

    test("the auto-shutdown schedule: Azure's required name, time and zone", () => {
        expect(r.inputs.get("gpu-shutdown")).toEqual(
            expect.objectContaining({
                name: "shutdown-computevm-dsenv-unit-vm",
                taskType: "ComputeVmShutdownTask",
                status: "Enabled",
                dailyRecurrence: { time: "1900" },
                timeZoneId: "W. Europe Standard Time",
                targetResourceId: expect.stringContaining("gpu-vm"),
            }),
        );
    });

    test("the registry has no admin user, no anonymous pull, and takes no ARM-audience tokens", () => {
        expect(r.inputs.get("registry")).toEqual(
            expect.objectContaining({
                registryName: "dsenvunit01",
                sku: { name: "Basic" },
                adminUserEnabled: false,
                anonymousPullEnabled: false,
                policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
            }),
        );
        expect(r.declared.map(d => d.type)).not.toContain("azure-native:containerregistry:listRegistryCredentials");
    });

    test("AcrPull is granted to the VM's identity, scoped to the registry", () => {
        const role = r.inputs.get("gpu-acr-pull");
        expect(role).toEqual({
            principalId: "vm-principal-1",
            principalType: "ServicePrincipal",
            roleDefinitionId: "/subscriptions/sub-1/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
            scope: one(r, T.registry, "registry").resource && "/subscriptions/sub-1/resourceGroups/rg/providers/registry",
            description: "AcrPull on dsenvunit01",
        });
    });

    test("the remote engine is ssh://<admin>@<public ip>, configured only after the readiness step", async () => {
        const provider = one(r, T.provider, "gpu-engine-docker");
        expect(r.inputs.get("gpu-engine-docker").host).toBe("ssh://dsenv@20.61.7.9");
        const sshOpts: string[] = await providerSetting(r, "gpu-engine-docker", "sshOpts");
        expect(sshOpts).toEqual(expect.arrayContaining(["-i", "/home/me/.ssh/id_ed25519", "StrictHostKeyChecking=yes"]));
        // One shared connection, not one per docker call (sshd's MaxStartups).
        expect(sshOpts).toEqual(expect.arrayContaining(["ControlMaster=auto", "ControlPersist=600"]));
        expect(sshOpts.find(o => o.startsWith("ControlPath="))).toMatch(/^ControlPath=\/.+\/%C$/);
        const after = ((await valueOf(provider.opts.dependsOn as any)) as pulumi.Resource[]).map(nameOf);
        expect(after).toContain("gpu-engine-ready");

        const ready = r.inputs.get("gpu-engine-ready");
        // A new VM (Azure's id of it) is probed again.
        expect({ host: ready.host, user: ready.user, trigger: ready.trigger }).toEqual({
            host: "20.61.7.9",
            user: "dsenv",
            trigger: r.inputs.get("gpu-incarnation").keepers.machineId,
        });
        expect(ready.required).toEqual([
            "cloud-init-finished",
            "setup-done",
            "docker-answers",
            "nvidia-runtime",
            "gpu-visible",
            "gpu-in-container",
        ]);
        expect(ready.probeCommand).toContain(`test -f ${READY_MARKER}`);
        // The GPU end to end: on the host, and in a container Docker starts with --gpus all.
        expect(ready.probeCommand).toContain("nvidia-smi -L >/dev/null 2>&1 && echo gpu-visible");
        expect(ready.probeCommand).toContain(
            "docker run --rm --gpus all ubuntu:22.04 nvidia-smi -L >/dev/null 2>&1 && echo gpu-in-container",
        );
        expect(typeof ready.__provider).toBe("string");
        const readinessAfter = (one(r, T.readiness, "gpu-engine-ready").opts.dependsOn as pulumi.Resource[]).map(nameOf);
        expect(readinessAfter).toEqual(["gpu-vm", "gpu-data"]);
    });

    test("the remote engine pulls with the VM identity's token, never the deployer's, fetched over the engine's shared ssh connection", async () => {
        expect(await loginsOf(r, "gpu-engine-docker")).toEqual([
            ["dsenvunit01.azurecr.io", "00000000-0000-0000-0000-000000000000", "acr-token-of-the-vm"],
        ]);
        // Proven able to pull a repository before it is used (AcrPull takes minutes to apply).
        expect(sshCalls).toHaveLength(1);
        expect(sshCalls[0].slice(-2)).toEqual(["dsenv@20.61.7.9", "/usr/local/bin/acr-refresh-token dsenvunit01.azurecr.io dsenv/jupyter"]);
        expect(sshCalls[0]).toEqual(expect.arrayContaining(["ControlMaster=auto", "ControlPersist=600"]));
    });

    test("nothing in the state changes from run to run: the pull token is no resource", async () => {
        expect(byType(r, T.pullToken)).toEqual([]);
        expect(r.declared.filter(d => d.type.startsWith("pulumi-nodejs:dynamic/")).map(d => d.name)).toEqual(["gpu-engine-ready"]);
    });

    test("everything on the VM's engine is deleted with the VM (its incarnation): destroy needs no connection to it", async () => {
        const onVm = r.declared.filter(d => nameOf(d.opts.provider) === "gpu-engine-docker");
        expect(onVm.map(d => d.type)).toEqual(
            expect.arrayContaining([T.container, T.image, "docker:index/network:Network", "docker:index/volume:Volume"]),
        );
        expect(onVm.filter(d => nameOf(d.opts.deletedWith) !== "gpu-incarnation").map(d => d.name)).toEqual([]);
        // The incarnation is keyed on Azure's id of the VM: a replaced VM has a new one.
        const incarnation = one(r, "random:index/randomId:RandomId", "gpu-incarnation");
        const vm = one(r, "azure-native:compute:VirtualMachine", "gpu-vm").resource as compute.VirtualMachine;
        expect(await valueOf(pulumi.output(incarnation.props.keepers))).toEqual({ machineId: await valueOf(vm.vmId) });
        // What is built and pushed here is not.
        expect(r.declared.filter(d => nameOf(d.opts.provider) === "build-engine" && (d.opts.deletedWith || d.opts.replaceWith))).toEqual(
            [],
        );
    });

    test("what the VM's engine keeps on the OS disk is replaced with the VM; a volume (the data disk's) is not", () => {
        const onVm = r.declared.filter(d => nameOf(d.opts.provider) === "gpu-engine-docker");
        const replacedWith = (d: Declared) => ((d.opts.replaceWith ?? []) as pulumi.Resource[]).map(nameOf);
        for (const d of onVm.filter(d => d.type !== "docker:index/volume:Volume"))
            expect([d.name, replacedWith(d)]).toEqual([d.name, ["gpu-vm"]]);
        const volumes = onVm.filter(d => d.type === "docker:index/volume:Volume");
        expect(volumes.length).toBeGreaterThan(0);
        for (const v of volumes) expect([v.name, replacedWith(v), v.opts.retainOnDelete]).toEqual([v.name, [], true]);
    });

    test("images are built on the local engine, pushed with the deployer's token, and run on the VM by digest", async () => {
        const build = one(r, T.image, "workspace-jupyter-image");
        expect(nameOf(build.opts.provider)).toBe("build-engine");
        expect(await valueOf(build.props.name)).toMatch(/^dsenvunit01\.azurecr\.io\/dsenv\/jupyter:b-[0-9a-f]{16}$/);
        expect(nameOf(one(r, T.push, "workspace-jupyter-image-push").opts.provider)).toBe("build-engine");

        const pull = one(r, T.image, "workspace-jupyter-image-pull");
        expect(nameOf(pull.opts.provider)).toBe("gpu-engine-docker");
        expect(await valueOf(pull.props.name)).toBe(`dsenvunit01.azurecr.io/dsenv/jupyter@sha256:${"d".repeat(64)}`);

        const jupyter = one(r, T.container, "workspace-jupyter");
        expect(nameOf(jupyter.opts.provider)).toBe("gpu-engine-docker");
        expect(await valueOf(jupyter.props.image)).toBe(`dsenvunit01.azurecr.io/dsenv/jupyter@sha256:${"d".repeat(64)}`);
        expect(nameOf(one(r, T.container, "workspace-mysql").opts.provider)).toBe("gpu-engine-docker");

        expect(await loginsOf(r, "build-engine")).toEqual([
            ["dsenvunit01.azurecr.io", "00000000-0000-0000-0000-000000000000", "acr-token-of-the-deployer"],
        ]);
        expect(exchanges).toEqual([
            {
                url: "https://dsenvunit01.azurecr.io/oauth2/exchange",
                body: "grant_type=access_token&service=dsenvunit01.azurecr.io&access_token=aad-acr-token-of-the-deployer&tenant=tenant-1",
            },
        ]);
    });

    test("credentials handed to engines stay secret", async () => {
        for (const engine of ["build-engine", "gpu-engine-docker"]) {
            expect([engine, await isSecret(one(r, T.provider, engine).props.registryAuth)]).toEqual([engine, true]);
        }
    });

    test("the tunnel goes to Jupyter's address on the VM: loopback for every interface, IPv6 in brackets", async () => {
        const on = async (hostIp: string) => {
            const run = await deploy(settings(), { ...WORKSPACE, jupyter: { ...WORKSPACE.jupyter, publish: { hostPort: 8888, hostIp } } });
            return valueOf(run.result.outputs.jupyterTunnelCommand);
        };
        expect(await on("::1")).toBe("ssh -N -L 8888:[::1]:8888 -i /home/me/.ssh/id_ed25519 dsenv@20.61.7.9");
        expect(await on("::")).toBe("ssh -N -L 8888:[::1]:8888 -i /home/me/.ssh/id_ed25519 dsenv@20.61.7.9");
        expect(await on("0.0.0.0")).toBe("ssh -N -L 8888:127.0.0.1:8888 -i /home/me/.ssh/id_ed25519 dsenv@20.61.7.9");
    }, 30_000);

    test("outputs: the tunnel command and the way in", async () => {
        expect(await valueOf(r.result.outputs.jupyterTunnelCommand)).toBe(
            "ssh -N -L 8888:127.0.0.1:8888 -i /home/me/.ssh/id_ed25519 dsenv@20.61.7.9",
        );
        expect(await valueOf(r.result.outputs.dockerHost)).toBe("ssh://dsenv@20.61.7.9");
        expect(await valueOf(r.result.outputs.jupyterUrl)).toBe("http://127.0.0.1:8888/");
        expect(r.result.targets.hasGpu).toBe(true);
    });
});

describe("Azure options", () => {
    test("internet access only when configured, app ports only when asked for", async () => {
        const r = await deploy(settings(s => (s.network = { allowedCidrs: [], openToInternet: true, appPorts: [8888] })));
        expect(r.error).toBeUndefined();
        const rules = r.inputs.get("gpu-nsg").securityRules as any[];
        expect(rules.map(x => [x.name, x.sourceAddressPrefix, x.destinationPortRanges])).toEqual([
            ["allow-ssh", "Internet", ["22"]],
            ["allow-app-ports", "Internet", ["8888"]],
        ]);
    });

    test("spot: Deallocate on eviction, the price cap as billing profile", async () => {
        const r = await deploy(settings(s => (s.vm.spot = { maxPrice: -1 })));
        expect(r.inputs.get("gpu-vm")).toEqual(
            expect.objectContaining({ priority: "Spot", evictionPolicy: "Deallocate", billingProfile: { maxPrice: -1 } }),
        );
    });

    test("a CPU size gets no driver and no GPU check; no shutdown when none is set; an existing resource group", async () => {
        const r = await deploy(
            settings(s => {
                s.vm.size = "Standard_D4s_v5";
                s.vm.nvidiaDriverBranch = undefined;
                s.shutdown = undefined;
                s.useExistingResourceGroup = true;
                s.resourceGroup = "team-rg";
            }),
        );
        expect(r.error).toBeUndefined();
        expect(byType(r, T.ext)).toEqual([]);
        expect(byType(r, T.schedule)).toEqual([]);
        expect(byType(r, "azure-native:resources:ResourceGroup")).toEqual([]);
        expect(r.inputs.get("gpu-vm").resourceGroupName).toBe("team-rg");
        expect(r.inputs.get("gpu-engine-ready").required).not.toContain("gpu-visible");
        // Nothing to advertise to a swarm: no GPU script in its boot script.
        const customData = Buffer.from(osProfileOf(r).customData, "base64").toString("utf8");
        expect(customData.startsWith("#cloud-config\n")).toBe(true);
        expect(customData).not.toContain("dsenv-swarm-gpus");
    });

    test("a data disk and resource group an earlier destroy kept are adopted (import), not created again", async () => {
        const kept = {
            resourceGroupId: "/subscriptions/sub-1/resourceGroups/dsenv-unit-rg",
            dataDiskIds: ["/subscriptions/sub-1/resourceGroups/dsenv-unit-rg/providers/Microsoft.Compute/disks/dsenv-unit-data"],
        };
        const r = await deploy(settings(), WORKSPACE, kept);
        expect(r.error).toBeUndefined();
        expect(one(r, "azure-native:resources:ResourceGroup", "resource-group").opts.import).toBe(kept.resourceGroupId);
        expect(one(r, T.disk, "gpu-data").opts.import).toBe(kept.dataDiskIds[0]);
        expect(one(r, T.disk, "gpu-data").opts.retainOnDelete).toBe(true);
    });

    test("dsenv:azureContainersReachMetadata lets containers reach the metadata service: nothing blocks it", async () => {
        const r = await deploy(settings(s => (s.vm.containersReachMetadata = true)));
        expect(r.error).toBeUndefined();
        const yaml = Buffer.from(osProfileOf(r).customData, "base64").toString("utf8");
        expect(yaml).not.toContain(METADATA_BLOCK_COMMAND);
        expect(yaml).not.toContain("dsenv-metadata-block.conf");
    });

    test("a size without Trusted Launch gets the standard security type", async () => {
        const r = await deploy(settings(s => (s.vm.trustedLaunch = false)));
        expect(r.inputs.get("gpu-vm").securityProfile).toBeUndefined();
    });

    test("admin user only when asked for: the push login is then the admin credential", async () => {
        const r = await deploy(settings(s => (s.registry.adminEnabled = true)));
        expect(r.inputs.get("registry").adminUserEnabled).toBe(true);
        expect(await loginsOf(r, "build-engine")).toEqual([["dsenvunit01.azurecr.io", "dsenvunit01", "admin-password-1"]]);
        expect(exchanges).toEqual([]);
    });
});

describe("ci-push", () => {
    test("builds and pushes only, tagged with the given tag, digest as output", async () => {
        const r = await runWithMocks<CiPushOutputs>({}, () =>
            ciPush(
                { registry: { name: "dsenvunit01", sku: "Basic", adminEnabled: false }, resourceGroup: "", imageTag: "abc123" },
                { jupyterBaseImage: "jupyter/datascience-notebook:2023-10-20" },
            ),
        );
        expect(r.error).toBeUndefined();
        expect(r.declared.filter(d => d.type.startsWith("azure-native:") || d.type.startsWith("pulumi-nodejs:"))).toEqual([]);
        expect(byType(r, T.container)).toEqual([]);
        expect(await valueOf(one(r, T.image, "jupyter-image").props.name)).toBe("dsenvunit01.azurecr.io/dsenv/jupyter:abc123");
        expect(await valueOf(r.result.jupyterImage)).toBe(`dsenvunit01.azurecr.io/dsenv/jupyter@sha256:${"d".repeat(64)}`);
        expect(r.result.imageTag).toBe("abc123");
    });

    test("without a tag, this checkout's git commit (read with the config)", async () => {
        const r = await runWithMocks({ target: "ci-push", azureRegistryName: "dsenvunit01" }, () => loadSettings(undefined, {}));
        expect(r.error).toBeUndefined();
        const target = (r.result as Settings).target;
        expect(target.kind === "ci-push" && target.ciPush.imageTag).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    });
});

describe("the target from stack config (index.ts's path)", () => {
    const AZURE = {
        target: "azure",
        azureSshPublicKey: KEY,
        azureSshPrivateKeyPath: PRIVATE_KEY,
        azureAllowedCidrs: '["10.20.30.40/32"]',
        azureRegistryName: "dsenvunit01",
    };

    test("destroy kept the group and disk: the next up imports them once; later ups (the stack manages them) import nothing", async () => {
        const group = "/subscriptions/sub-1/resourceGroups/dsenv-unit-rg";
        const disk = `${group}/providers/Microsoft.Compute/disks/dsenv-unit-data`;
        const tags = { "dsenv-stack": "dsenv/unit" };
        azure.groups.set("dsenv-unit-rg", { id: group, location: "eastus", tags });
        azure.disks.set("dsenv-unit-data", { id: disk, location: "eastus", diskSizeGB: 256, tags });
        try {
            const adopting = await runWithMocks(AZURE, () => deployStack(loadSettings(undefined, {})) as Promise<Record<string, unknown>>);
            expect(adopting.error).toBeUndefined();
            expect(one(adopting, "azure-native:resources:ResourceGroup", "resource-group").opts.import).toBe(group);
            expect(one(adopting, T.disk, "gpu-data").opts.import).toBe(disk);
            // What the next run reads back as managed (the mocked engine's ids).
            expect(await valueOf(adopting.result.resourceGroupId as pulumi.Output<string>)).toMatch(/resource-group$/);
            expect(await valueOf(pulumi.all(adopting.result.dataDiskIds as pulumi.Output<string>[]))).toEqual([
                expect.stringMatching(/gpu-data$/),
            ]);

            // The state holds them under ids spelt otherwise than the lookup's, and a larger disk is asked for.
            azure.stackOutputs = { resourceGroupId: group.replace("resourceGroups", "resourcegroups"), dataDiskIds: [disk.toUpperCase()] };
            const later = await runWithMocks(
                { ...AZURE, azureDataDiskGb: "512" },
                () => deployStack(loadSettings(undefined, {})) as Promise<Record<string, unknown>>,
            );
            expect(later.error).toBeUndefined();
            expect(one(later, "azure-native:resources:ResourceGroup", "resource-group").opts.import).toBeUndefined();
            expect(one(later, T.disk, "gpu-data").opts.import).toBeUndefined();
            expect(later.inputs.get("gpu-data").diskSizeGB).toBe(512);
        } finally {
            resetAzure();
        }
    }, 30_000);

    test("azure: the workspace and a GPU workload run on the VM's engine, built locally and pulled by digest", async () => {
        const r = await runWithMocks({ ...AZURE, pytorchEnabled: "true" }, () => deployStack(loadSettings(undefined, {})));
        expect(r.error && `${r.error.name}: ${r.error.message} ${r.error.stack}`).toBeUndefined();
        const vmEngine = nameOf(one(r, T.container, "workspace-mysql").opts.provider);
        expect(vmEngine).not.toBe("build-engine");
        const pytorch = one(r, T.container, "pytorch");
        expect(nameOf(pytorch.opts.provider)).toBe(vmEngine);
        expect(pytorch.props.gpus).toBe("all");
        expect(nameOf(one(r, T.image, "workspace-jupyter-image").opts.provider)).toBe("build-engine");
        expect(await valueOf(one(r, T.container, "workspace-jupyter").props.image)).toMatch(
            /^dsenvunit01\.azurecr\.io\/dsenv\/jupyter@sha256:/,
        );
        expect(Object.keys(r.result)).toEqual(
            expect.arrayContaining(["vmPublicIp", "jupyterTunnelCommand", "jupyterUrl", "pytorchContainer"]),
        );
    });

    test("azure: a GPU workload on a CPU size is refused before anything is declared", async () => {
        const r = await runWithMocks({ ...AZURE, azureVmSize: "Standard_D4s_v5", pytorchEnabled: "true", pytorchGpus: "all" }, () =>
            deployStack(loadSettings(undefined, {})),
        );
        expect(r.declared).toEqual([]);
        expect(r.error?.message).toContain(
            'dsenv:azureVmSize: got "Standard_D4s_v5", expected a size with NVIDIA GPUs, one of Standard_NC4as_T4_v3',
        );
    });

    test("ci-push: only images, pushed and tagged, no VM and no container", async () => {
        const r = await runWithMocks({ target: "ci-push", azureRegistryName: "dsenvunit01", azureImageTag: "abc123" }, () =>
            deployStack(loadSettings(undefined, {})),
        );
        expect(r.error).toBeUndefined();
        expect(r.declared.filter(d => d.type.startsWith("azure-native:") || d.type === T.container)).toEqual([]);
        expect(await valueOf(one(r, T.push, "jupyter-image-push").props.name)).toBe("dsenvunit01.azurecr.io/dsenv/jupyter:abc123");
        expect(r.result).toMatchObject({ imageTag: "abc123" });
    });
});
