import * as pulumi from "@pulumi/pulumi";
import { AzureSettings, CiPushSettings, readAzure, readCiPush } from "../../config/azure";
import * as fs from "fs";
import * as path from "path";
import { GPU_SIZES } from "../../config/azure-gpu-sizes";
import { azureNameProblem, azureNamePrefix, isNvidiaGpuSize } from "../../config/azure-rules";
import { ConfigError, ConfigReader } from "../../config/reader";
import { loadSettings } from "../../settings/load";
import * as YAML from "yaml";
import { configProblem, runWithMocks } from "./harness";
import { privateKeyFile, sshPublicKeyLine } from "./ssh-keys";

const KEY = sshPublicKeyLine();
const PRIVATE_KEY = privateKeyFile();
const VALID = {
    azureSshPublicKey: KEY,
    azureSshPrivateKeyPath: PRIVATE_KEY,
    azureAllowedCidrs: '["10.20.30.40/32"]',
    azureRegistryName: "dsenvunit01",
};

function readWith<T>(reader: (read: ConfigReader) => T) {
    return () => {
        const read = new ConfigReader(new pulumi.Config());
        const settings = reader(read);
        if (read.problems.length > 0) throw new ConfigError(read.problems);
        return settings;
    };
}

async function azure(config: Record<string, string>, gpuWorkloads: string[] = []) {
    return runWithMocks<AzureSettings>(
        config,
        readWith(read => readAzure(read, gpuWorkloads) as AzureSettings),
    );
}

async function rejected(config: Record<string, string>, gpuWorkloads: string[] = []): Promise<string> {
    const run = await azure(config, gpuWorkloads);
    expect(run.declared).toEqual([]);
    expect(run.error?.name).toBe("ConfigError");
    return run.error!.message;
}

describe("Azure config is rejected with key, value and what is accepted", () => {
    test.each<[string, Record<string, string>, string]>([
        [
            "missing SSH key",
            { azureSshPublicKey: "" },
            'dsenv:azureSshPublicKey: got "", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)',
        ],
        [
            "a private key pasted as the public key, not shown",
            { azureSshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----" },
            'dsenv:azureSshPublicKey: got "[secret]", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords): one key on one line (this is a private key: keep it to yourself and paste the .pub file)',
        ],
        [
            "no allowed CIDR",
            { azureAllowedCidrs: "[]" },
            "dsenv:azureAllowedCidrs: got [], expected at least one IPv4 network in CIDR form allowed to reach SSH, e.g. your public address as <address>/32 (or dsenv:azureOpenToInternet set to true)",
        ],
        [
            "malformed CIDR",
            { azureAllowedCidrs: '["203.0.113.300/32"]' },
            'dsenv:azureAllowedCidrs: got "203.0.113.300/32", expected an IPv4 network in CIDR form, e.g. <your public address>/32 for one address (curl -s https://ifconfig.me)',
        ],
        [
            "an address without a prefix length",
            { azureAllowedCidrs: '["203.0.113.7"]' },
            'dsenv:azureAllowedCidrs: got "203.0.113.7", expected an IPv4 network in CIDR form, e.g. <your public address>/32 for one address (curl -s https://ifconfig.me)',
        ],
        [
            "the whole internet as an allowed CIDR",
            { azureAllowedCidrs: '["0.0.0.0/0"]' },
            'dsenv:azureAllowedCidrs: got "0.0.0.0/0", expected a network narrower than /0 (to open to the whole internet set dsenv:azureOpenToInternet to true)',
        ],
        [
            "region display name",
            { azureLocation: "West Europe" },
            'dsenv:azureLocation: got "West Europe", expected an Azure region name: lower case, no spaces, e.g. eastus, westeurope, swedencentral (az account list-locations -o table)',
        ],
        [
            "shutdown time without a colon",
            { azureShutdownTime: "1900" },
            'dsenv:azureShutdownTime: got "1900", expected a time of day as HH:MM (24 h, e.g. 19:00), or "" for no automatic shutdown',
        ],
        [
            "shutdown time past midnight",
            { azureShutdownTime: "24:00" },
            'dsenv:azureShutdownTime: got "24:00", expected a time of day as HH:MM (24 h, e.g. 19:00), or "" for no automatic shutdown',
        ],
        [
            "negative spot price other than -1",
            { azureSpot: "true", azureSpotMaxPrice: "-0.5" },
            'dsenv:azureSpotMaxPrice: got "-0.5", expected -1 (pay up to the on-demand price, never evicted for price) or a price above 0 in US dollars per hour, e.g. "0.25"',
        ],
        [
            "zero spot price",
            { azureSpot: "true", azureSpotMaxPrice: "0" },
            'dsenv:azureSpotMaxPrice: got "0", expected -1 (pay up to the on-demand price, never evicted for price) or a price above 0 in US dollars per hour, e.g. "0.25"',
        ],
        [
            "registry name too short",
            { azureRegistryName: "acr1" },
            'dsenv:azureRegistryName: got "acr1", expected 5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)',
        ],
        [
            "registry name with a dash",
            { azureRegistryName: "dsenv-acr" },
            'dsenv:azureRegistryName: got "dsenv-acr", expected 5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)',
        ],
        [
            "registry name missing",
            { azureRegistryName: "" },
            'dsenv:azureRegistryName: got "", expected 5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)',
        ],
        [
            "unknown registry SKU",
            { azureRegistrySku: "Free" },
            'dsenv:azureRegistrySku: got "Free", expected one of Basic, Standard, Premium',
        ],
        [
            "VM size that is not one",
            { azureVmSize: "NC4as_T4_v3" },
            'dsenv:azureVmSize: got "NC4as_T4_v3", expected an Azure VM size like Standard_NC4as_T4_v3 (T4), Standard_NC24ads_A100_v4 (A100) or Standard_NC40ads_H100_v5 (H100)',
        ],
        [
            "admin user Azure reserves",
            { azureAdminUser: "admin" },
            'dsenv:azureAdminUser: got "admin", expected a Linux user name (lower case, up to 32 characters) that Azure does not reserve (not root, admin, user, test, ...)',
        ],
        [
            "OS disk smaller than the image",
            { azureOsDiskGb: "16" },
            "dsenv:azureOsDiskGb: got 16, expected an OS disk size in GiB from 30 (the image's size) to 4095",
        ],
        [
            "SSH as an app port",
            { azureAppPorts: '["22"]' },
            'dsenv:azureAppPorts: got "22", expected a port other than 22 (SSH is always allowed from dsenv:azureAllowedCidrs)',
        ],
        [
            "an existing resource group without its name",
            { azureUseExistingResourceGroup: "true" },
            'dsenv:azureResourceGroup: got "", expected the name of the existing resource group, since dsenv:azureUseExistingResourceGroup is true',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected({ ...VALID, ...config })).toBe(configProblem(message));
    });

    test("a GPU workload on a size without a GPU", async () => {
        expect(await rejected({ ...VALID, azureVmSize: "Standard_D4s_v5" }, ["pytorchEnabled"])).toBe(
            configProblem(
                `dsenv:azureVmSize: got "Standard_D4s_v5", expected a size with NVIDIA GPUs, one of ${GPU_SIZES.map(s => `${s.size} (${s.gpus}x ${s.gpu})`).join(", ")}, because GPU workloads are enabled: dsenv:pytorchEnabled`,
            ),
        );
    });

    test("a size without a GPU is fine when no GPU workload asks for one", async () => {
        const run = await azure({ ...VALID, azureVmSize: "Standard_D4s_v5" });
        expect(run.error).toBeUndefined();
    });

    test("every problem at once, in reading order", async () => {
        const message = await rejected({ azureRegistryName: "x", azureShutdownTime: "7pm" });
        expect(
            message
                .split("\n")
                .slice(1)
                .map(l => l.slice(4, l.indexOf(":", 10))),
        ).toEqual([
            "dsenv:azureShutdownTime",
            "dsenv:azureSshPublicKey",
            "dsenv:azureSshPrivateKeyPath",
            "dsenv:azureAllowedCidrs",
            "dsenv:azureRegistryName",
        ]);
    });
});

describe("Azure: known lists, SSH keys, networks and names", () => {
    const rsa1024 = sshPublicKeyLine("rsa", 1024);
    const ecdsa = sshPublicKeyLine("ecdsa");
    const ed25519Body = KEY.split(" ")[1];
    test.each<[string, Record<string, string>, string]>([
        [
            "a region Azure does not have",
            { azureLocation: "westeurop" },
            'dsenv:azureLocation: got "westeurop", expected a region that Azure has; the nearest dsenv knows is westeurope (one newer than this release: list it in dsenv:azureAllowUnlisted)',
        ],
        [
            "a VM size with a wrong capital",
            { azureVmSize: "Standard_NC4AS_T4_v3" },
            'dsenv:azureVmSize: got "Standard_NC4AS_T4_v3", expected a VM size that Azure has; the nearest dsenv knows is Standard_NC4as_T4_v3 (one newer than this release: list it in dsenv:azureAllowUnlisted)',
        ],
        [
            "a time zone that is an IANA name",
            { azureShutdownTimeZone: "Europe/Berlin" },
            'dsenv:azureShutdownTimeZone: got "Europe/Berlin", expected a Windows time zone id, e.g. UTC, "W. Europe Standard Time", "Pacific Standard Time" (tzutil /l)',
        ],
        [
            "a time zone Windows does not have",
            { azureShutdownTimeZone: "W Europe Standard Time" },
            'dsenv:azureShutdownTimeZone: got "W Europe Standard Time", expected a Windows time zone id that Azure has; the nearest dsenv knows is W. Europe Standard Time (one newer than this release: list it in dsenv:azureAllowUnlisted)',
        ],
        [
            "an RSA key under 2048 bits",
            { azureSshPublicKey: rsa1024 },
            `dsenv:azureSshPublicKey: got ${JSON.stringify(rsa1024)}, expected an RSA key of at least 2048 bits (this one has 1024; ssh-keygen -t ed25519 makes a shorter, stronger one)`,
        ],
        [
            "an ECDSA key, which Azure does not take",
            { azureSshPublicKey: ecdsa },
            `dsenv:azureSshPublicKey: got ${JSON.stringify(ecdsa)}, expected an ssh-ed25519 or ssh-rsa key: Azure takes no other type for a Linux VM (this is ecdsa-sha2-nistp256)`,
        ],
        [
            "a type word that does not match the key",
            { azureSshPublicKey: `ssh-rsa ${ed25519Body} me` },
            `dsenv:azureSshPublicKey: got "ssh-rsa ${ed25519Body} me", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)`,
        ],
        [
            "a truncated key",
            { azureSshPublicKey: `ssh-ed25519 ${ed25519Body.slice(0, 40)}` },
            `dsenv:azureSshPublicKey: got "ssh-ed25519 ${ed25519Body.slice(0, 40)}", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)`,
        ],
        [
            "two halves of the internet",
            { azureAllowedCidrs: '["0.0.0.0/1", "128.0.0.0/1"]' },
            'dsenv:azureAllowedCidrs: got ["0.0.0.0/1","128.0.0.0/1"], expected networks that leave out most of the internet (together these let in every internet address; to do that say so: dsenv:azureOpenToInternet set to true)',
        ],
        [
            "every public range, private ones left out",
            {
                azureAllowedCidrs: JSON.stringify([
                    "1.0.0.0/8",
                    "2.0.0.0/7",
                    "4.0.0.0/6",
                    "8.0.0.0/7",
                    "11.0.0.0/8",
                    "12.0.0.0/6",
                    "16.0.0.0/4",
                    "32.0.0.0/3",
                    "64.0.0.0/2",
                    "128.0.0.0/3",
                    "160.0.0.0/5",
                    "168.0.0.0/6",
                    "172.0.0.0/12",
                    "172.32.0.0/11",
                    "172.64.0.0/10",
                    "172.128.0.0/9",
                    "173.0.0.0/8",
                    "174.0.0.0/7",
                    "176.0.0.0/4",
                    "192.0.0.0/9",
                    "192.128.0.0/11",
                    "192.160.0.0/13",
                    "192.169.0.0/16",
                    "192.170.0.0/15",
                    "192.172.0.0/14",
                    "192.176.0.0/12",
                    "192.192.0.0/10",
                    "193.0.0.0/8",
                    "194.0.0.0/7",
                    "196.0.0.0/6",
                    "200.0.0.0/5",
                    "208.0.0.0/4",
                ]),
            },
            "",
        ],
        [
            "a network written with host bits",
            { azureAllowedCidrs: '["203.0.113.7/24"]' },
            'dsenv:azureAllowedCidrs: got "203.0.113.7/24", expected a network written as its own address, 203.0.113.0/24 (the bits after the first 24 must be 0)',
        ],
        [
            "an address with leading zeros",
            { azureAllowedCidrs: '["203.0.113.07/32"]' },
            'dsenv:azureAllowedCidrs: got "203.0.113.07/32", expected an IPv4 network in CIDR form, e.g. <your public address>/32 for one address (curl -s https://ifconfig.me)',
        ],
        [
            "CIDRs that the open internet overrides",
            { azureOpenToInternet: "true" },
            'dsenv:azureAllowedCidrs: got ["10.20.30.40/32"], expected it unset, since dsenv:azureOpenToInternet is true (every address is let in) (it has no effect)',
        ],
        [
            "the example CIDR of stacks/Pulumi.azure.yaml",
            { azureAllowedCidrs: '["203.0.113.7/32"]' },
            'dsenv:azureAllowedCidrs: got "203.0.113.7/32", expected your own network: 203.0.113.0/24 is reserved for documentation (RFC 5737), no client has an address in it, so this is still an example value (stacks/Pulumi.azure.yaml has 203.0.113.7/32); set your public address as /32 (curl -s https://ifconfig.me)',
        ],
        [
            "another documentation network",
            { azureAllowedCidrs: '["10.20.30.40/32", "198.51.100.0/25"]' },
            'dsenv:azureAllowedCidrs: got "198.51.100.0/25", expected your own network: 198.51.100.0/24 is reserved for documentation (RFC 5737), no client has an address in it, so this is still an example value (stacks/Pulumi.azure.yaml has 203.0.113.7/32); set your public address as /32 (curl -s https://ifconfig.me)',
        ],
        [
            "the example registry name",
            { azureRegistryName: "dsenvreplaceme01" },
            'dsenv:azureRegistryName: got "dsenvreplaceme01", expected a registry name of your own, unique across Azure: this is the example value of stacks/Pulumi.azure.yaml (check one with az acr check-name -n <name>)',
        ],
        [
            "the example SSH key",
            { azureSshPublicKey: "ssh-ed25519 AAAA...replace-with-the-content-of-~/.ssh/id_ed25519.pub" },
            'dsenv:azureSshPublicKey: got "ssh-ed25519 AAAA...replace-with-the-content-of-~/.ssh/id_ed25519.pub", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords): this is the example value of stacks/Pulumi.azure.yaml, paste your own',
        ],
        [
            "a private key that is not there",
            { azureSshPrivateKeyPath: "/nonexistent/id_ed25519" },
            'dsenv:azureSshPrivateKeyPath: got "/nonexistent/id_ed25519", expected an existing private key file (/nonexistent/id_ed25519 does not exist), the one that goes with dsenv:azureSshPublicKey',
        ],
        [
            "a directory as the private key",
            { azureSshPrivateKeyPath: "/tmp" },
            'dsenv:azureSshPrivateKeyPath: got "/tmp", expected a private key file (/tmp is a directory), the one that goes with dsenv:azureSshPublicKey',
        ],
        [
            "a spot price without spot",
            { azureSpotMaxPrice: "0.5" },
            'dsenv:azureSpotMaxPrice: got "0.5", expected it unset, since dsenv:azureSpot is false (it has no effect)',
        ],
        [
            "a time zone without a shutdown",
            { azureShutdownTime: "", azureShutdownTimeZone: "UTC+12" },
            'dsenv:azureShutdownTimeZone: got "UTC+12", expected it unset, since dsenv:azureShutdownTime is "" (no automatic shutdown) (it has no effect)',
        ],
        [
            "an allowed name nothing uses",
            { azureAllowUnlisted: '["mars-north"]' },
            'dsenv:azureAllowUnlisted: got "mars-north", expected a name that dsenv:azureLocation, dsenv:azureVmSize or dsenv:azureShutdownTimeZone uses (it has no effect otherwise)',
        ],
    ])("%s", async (_, config, message) => {
        if (message === "") {
            expect(await rejected({ ...VALID, ...config })).toMatch(
                /dsenv:azureAllowedCidrs: got \[.*\], expected networks that leave out most of the internet/,
            );
        } else {
            expect(await rejected({ ...VALID, ...config })).toBe(configProblem(message));
        }
    });

    test("a region, size and time zone newer than this release are allowed when listed", async () => {
        const run = await azure({
            ...VALID,
            azureLocation: "marsnorth",
            azureVmSize: "Standard_D8s_v7",
            azureShutdownTimeZone: "Mars Standard Time",
            azureAllowUnlisted: '["marsnorth", "Standard_D8s_v7", "Mars Standard Time"]',
        });
        expect(run.error).toBeUndefined();
        expect(run.result.vm.nvidiaDriverBranch).toBeUndefined();
        expect(await rejected({ ...VALID, azureLocation: "marsnorth" })).toContain(
            'dsenv:azureLocation: got "marsnorth", expected a region that Azure has',
        );
    });

    test("a GPU size is taken only from the table of sizes with a driver path, listed as allowed or not", async () => {
        const table = GPU_SIZES.map(s => `${s.size} (${s.gpus}x ${s.gpu})`).join(", ");
        for (const size of ["Standard_NV36ads_A10_v5", "Standard_ND96isr_H100_v5", "Standard_NV32as_v4", "Standard_NC24s_v3"]) {
            expect(await rejected({ ...VALID, azureVmSize: size })).toBe(
                configProblem(
                    `dsenv:azureVmSize: got "${size}", expected a GPU size dsenv installs the NVIDIA driver on: ${table} (or a size without GPUs)`,
                ),
            );
        }
        expect(
            await rejected({ ...VALID, azureVmSize: "Standard_NC8ads_B300_v7", azureAllowUnlisted: '["Standard_NC8ads_B300_v7"]' }),
        ).toContain("expected a GPU size dsenv installs the NVIDIA driver on: Standard_NC4as_T4_v3 (1x T4 16 GB)");
        for (const row of GPU_SIZES) {
            const run = await azure({ ...VALID, azureVmSize: row.size }, ["pytorchGpus"]);
            expect([row.size, run.error]).toEqual([row.size, undefined]);
            expect(run.result.vm).toEqual(
                expect.objectContaining({ nvidiaDriverBranch: row.driver.branch, trustedLaunch: row.trustedLaunch }),
            );
        }
    });

    test("RSA of 2048 bits and more is taken", async () => {
        expect((await azure({ ...VALID, azureSshPublicKey: sshPublicKeyLine("rsa", 2048) })).error).toBeUndefined();
    });

    test("names Azure makes from the stack's prefix are checked like given ones", async () => {
        const run = await runWithMocks<AzureSettings>(
            VALID,
            readWith(read => readAzure(read, [], "dsenv-team_a.b") as AzureSettings),
        );
        expect(run.error?.message).toBe(
            configProblem(
                "dsenv:namePrefix: got \"dsenv-team_a.b\", expected a prefix of Azure names: lower-case letters, digits and '-' (the VM's host name dsenv-team_a.b-vm allows nothing else)",
            ),
        );
    });

    test("every Azure name a prefix makes is checked, by the rule of its kind", async () => {
        const long = `dsenv-${"a".repeat(56)}`; // 62 characters: the VM's name would have 65
        const run = await runWithMocks<AzureSettings>(
            VALID,
            readWith(read => readAzure(read, [], long) as AzureSettings),
        );
        expect(run.error?.message).toBe(
            configProblem(
                `dsenv:namePrefix: got "${long}", expected a prefix whose Azure names are valid; vm ${long}-vm must have 1 to 64 characters`,
            ),
        );
        // The virtual network's name is the longest of those with a limit of 64.
        expect(azureNamePrefix(`dsenv-${"a".repeat(54)}`)).toBe(
            `a prefix whose Azure names are valid; vnet dsenv-${"a".repeat(54)}-vnet must have 2 to 64 characters`,
        );
        expect(azureNamePrefix(`dsenv-${"a".repeat(53)}`)).toBeUndefined();
        expect(azureNamePrefix("dsenv-")).toBeUndefined();
    });

    test("Azure's naming rules per kind of name", () => {
        expect(azureNameProblem("computerName", "gpu_box")).toBe(
            "letters, digits and '-' (no '_' or '.'), not ending with '-' and not only digits",
        );
        expect(azureNameProblem("computerName", "12345")).toBe(
            "letters, digits and '-' (no '_' or '.'), not ending with '-' and not only digits",
        );
        expect(azureNameProblem("vm", "gpu_box")).toBeUndefined();
        expect(azureNameProblem("vm", "gpu-box-")).toBe("letters, digits, '_', '.' and '-', not ending with '.' or '-'");
        expect(azureNameProblem("nsg", "a".repeat(81))).toBe("1 to 80 characters");
        expect(azureNameProblem("vnet", "a")).toBe("2 to 64 characters");
        expect(azureNameProblem("resourceGroup", "team.")).toBe("letters, digits, '-', '_', '.', '(' and ')', not ending with '.'");
        expect(azureNameProblem("dataDisk", "-data")).toBe(
            "letters, digits, '_', '.' and '-', starting with a letter or digit and ending with one or '_'",
        );
    });
});

describe("valid Azure config", () => {
    test("defaults: T4 size, 19:00 UTC shutdown, no spot, private registry, SSH from the given network only", async () => {
        const run = await azure(VALID);
        expect(run.error).toBeUndefined();
        const s = run.result;
        expect(s.vm.size).toBe("Standard_NC4as_T4_v3");
        expect(s.vm.spot).toBeUndefined();
        expect(s.shutdown).toEqual({ time: "1900", timeZone: "UTC" });
        expect(s.registry).toEqual({ name: "dsenvunit01", sku: "Basic", adminEnabled: false });
        expect(s.network).toEqual({ allowedCidrs: ["10.20.30.40/32"], openToInternet: false, appPorts: [] });
        expect(s.vm.sshPrivateKeyPath).toBe(PRIVATE_KEY);
    });

    test("open to the internet without CIDRs only when said explicitly", async () => {
        const run = await azure({ ...VALID, azureAllowedCidrs: "[]", azureOpenToInternet: "true" });
        expect(run.error).toBeUndefined();
        expect(run.result.network.openToInternet).toBe(true);
    });

    test("spot with a price cap, and no shutdown", async () => {
        const run = await azure({ ...VALID, azureSpot: "true", azureSpotMaxPrice: "0.35", azureShutdownTime: "" });
        expect(run.result.vm.spot).toEqual({ maxPrice: 0.35 });
        expect(run.result.shutdown).toBeUndefined();
    });

    test("ci-push needs only the registry, not the VM's keys", async () => {
        const run = await runWithMocks<CiPushSettings>(
            { azureRegistryName: "dsenvunit01", azureImageTag: "v1.2" },
            readWith(r => readCiPush(r, () => "c0ffee")),
        );
        expect(run.error).toBeUndefined();
        expect(run.result).toEqual({
            registry: { name: "dsenvunit01", sku: "Basic", adminEnabled: false },
            resourceGroup: "",
            imageTag: "v1.2",
        });
    });

    test("ci-push without a tag: the checkout's commit; outside a git checkout, a ConfigError naming dsenv:azureImageTag", async () => {
        const tagged = await runWithMocks<CiPushSettings>(
            { azureRegistryName: "dsenvunit01" },
            readWith(r => readCiPush(r, () => "c0ffee-dirty")),
        );
        expect(tagged.result.imageTag).toBe("c0ffee-dirty");
        const outside = await runWithMocks<CiPushSettings>(
            { azureRegistryName: "dsenvunit01" },
            readWith(r => readCiPush(r, () => undefined)),
        );
        expect(outside.error).toBeInstanceOf(ConfigError);
        expect(outside.error?.message).toContain(
            'dsenv:azureImageTag: got "", expected a tag for the pushed images: without one they are tagged with the git commit, and this project is not a git checkout',
        );
    });

    test("GPU sizes are the rows of the table, not AMD, vGPU or NVSwitch ones", () => {
        expect(["Standard_NC4as_T4_v3", "Standard_NC24ads_A100_v4", "Standard_NC40ads_H100_v5"].filter(isNvidiaGpuSize)).toHaveLength(3);
        expect(
            [
                "Standard_D4s_v5",
                "Standard_B2s",
                "NC4as_T4_v3",
                "Standard_NV32as_v4",
                "Standard_ND96isr_MI300X_v5",
                "Standard_ND96isr_H100_v5",
                "Standard_NV36ads_A10_v5",
            ].filter(isNvidiaGpuSize),
        ).toEqual([]);
    });

    test("docs/azure.md lists the table of GPU sizes as the code has it", () => {
        const docs = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "azure.md"), "utf8");
        for (const row of GPU_SIZES) {
            expect(docs).toContain(
                `| \`${row.size}\` | ${row.gpus}× ${row.gpu} | Ubuntu's signed \`nvidia-driver-${row.driver.branch}-server\` | ${row.trustedLaunch ? "on" : "off"} |`,
            );
        }
    });
});

describe("the example stack files", () => {
    /** A stack file's dsenv: keys as `pulumi config` hands them to the program (lists as JSON). */
    function stackConfig(file: string): Record<string, string> {
        const doc = YAML.parse(fs.readFileSync(path.join(__dirname, "../../stacks", file), "utf8")) as { config: Record<string, unknown> };
        return Object.fromEntries(
            Object.entries(doc.config)
                .filter(([k]) => k.startsWith("dsenv:"))
                .map(([k, v]) => [k.slice("dsenv:".length), typeof v === "string" ? v : JSON.stringify(v)]),
        );
    }

    test("Pulumi.azure.yaml as shipped is refused, naming each value the user must set", async () => {
        // The private key path is this machine's: only the example values are left to refuse.
        const run = await runWithMocks(stackConfig("Pulumi.azure.yaml"), () => loadSettings(undefined, {}));
        expect(run.declared).toEqual([]);
        expect(run.error?.name).toBe("ConfigError");
        const exampleKeys = run
            .error!.message.split("\n")
            .filter(l => l.includes("example value"))
            .map(l => /(dsenv:\w+): got /.exec(l)?.[1]);
        expect(exampleKeys).toEqual(["dsenv:azureSshPublicKey", "dsenv:azureAllowedCidrs", "dsenv:azureRegistryName"]);
    });

    test("Pulumi.ci-push.yaml as shipped is refused for its example registry name", async () => {
        const run = await runWithMocks(stackConfig("Pulumi.ci-push.yaml"), () => loadSettings(undefined, {}));
        expect(run.error?.message).toContain('dsenv:azureRegistryName: got "dsenvreplaceme01", expected a registry name of your own');
    });
});
