import * as pulumi from "@pulumi/pulumi";
import { AzureSettings, CiPushSettings, readAzure, readCiPush } from "../../config/azure";
import { isGpuSize } from "../../config/azure-rules";
import { ConfigError, ConfigReader } from "../../config/reader";
import { configProblem, runWithMocks } from "./harness";

// Until config/defaults.ts spreads AZURE_DEFAULTS into DEFAULTS (then this is a no-op).
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxJ4Vq0Zg0m7nU2s9l6vQ0e0A1b2c3d4e5f6g7h8i9j me@laptop";
const VALID = { azureSshPublicKey: KEY, azureAllowedCidrs: '["203.0.113.7/32"]', azureRegistryName: "dsenvunit01" };

function readWith<T>(reader: (read: ConfigReader) => T) {
    return () => {
        const read = new ConfigReader(new pulumi.Config());
        const settings = reader(read);
        if (read.problems.length > 0) throw new ConfigError(read.problems);
        return settings;
    };
}

async function azure(config: Record<string, string>, gpuWorkloads: string[] = []) {
    return runWithMocks<AzureSettings>(config, readWith(read => readAzure(read, gpuWorkloads)));
}

async function rejected(config: Record<string, string>, gpuWorkloads: string[] = []): Promise<string> {
    const run = await azure(config, gpuWorkloads);
    expect(run.declared).toEqual([]);
    expect(run.error?.name).toBe("ConfigError");
    return run.error!.message;
}


describe("Azure config is rejected with key, value and what is accepted", () => {
    test.each<[string, Record<string, string>, string]>([
        ["missing SSH key", { azureSshPublicKey: "" }, 'dsenv:azureSshPublicKey: got "", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)'],
        ["a private key pasted as the public key", { azureSshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }, 'dsenv:azureSshPublicKey: got "-----BEGIN OPENSSH PRIVATE KEY-----", expected an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)'],
        ["no allowed CIDR", { azureAllowedCidrs: "[]" }, "dsenv:azureAllowedCidrs: got [], expected at least one IPv4 network in CIDR form allowed to reach SSH, e.g. your address as 203.0.113.7/32 (or dsenv:azureOpenToInternet set to true)"],
        ["malformed CIDR", { azureAllowedCidrs: '["203.0.113.300/32"]' }, 'dsenv:azureAllowedCidrs: got "203.0.113.300/32", expected an IPv4 network in CIDR form, e.g. 203.0.113.7/32 for one address (curl -s https://ifconfig.me)'],
        ["an address without a prefix length", { azureAllowedCidrs: '["203.0.113.7"]' }, 'dsenv:azureAllowedCidrs: got "203.0.113.7", expected an IPv4 network in CIDR form, e.g. 203.0.113.7/32 for one address (curl -s https://ifconfig.me)'],
        ["the whole internet as an allowed CIDR", { azureAllowedCidrs: '["0.0.0.0/0"]' }, 'dsenv:azureAllowedCidrs: got "0.0.0.0/0", expected a network narrower than /0 (to open to the whole internet set dsenv:azureOpenToInternet to true)'],
        ["region display name", { azureLocation: "West Europe" }, 'dsenv:azureLocation: got "West Europe", expected an Azure region name: lower case, no spaces, e.g. eastus, westeurope, swedencentral (az account list-locations -o table)'],
        ["shutdown time without a colon", { azureShutdownTime: "1900" }, 'dsenv:azureShutdownTime: got "1900", expected a time of day as HH:MM (24 h, e.g. 19:00), or "" for no automatic shutdown'],
        ["shutdown time past midnight", { azureShutdownTime: "24:00" }, 'dsenv:azureShutdownTime: got "24:00", expected a time of day as HH:MM (24 h, e.g. 19:00), or "" for no automatic shutdown'],
        ["negative spot price other than -1", { azureSpot: "true", azureSpotMaxPrice: "-0.5" }, 'dsenv:azureSpotMaxPrice: got "-0.5", expected -1 (pay up to the on-demand price, never evicted for price) or a price above 0 in US dollars per hour, e.g. "0.25"'],
        ["zero spot price", { azureSpotMaxPrice: "0" }, 'dsenv:azureSpotMaxPrice: got "0", expected -1 (pay up to the on-demand price, never evicted for price) or a price above 0 in US dollars per hour, e.g. "0.25"'],
        ["registry name too short", { azureRegistryName: "acr1" }, 'dsenv:azureRegistryName: got "acr1", expected 5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)'],
        ["registry name with a dash", { azureRegistryName: "dsenv-acr" }, 'dsenv:azureRegistryName: got "dsenv-acr", expected 5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)'],
        ["registry name missing", { azureRegistryName: "" }, 'dsenv:azureRegistryName: got "", expected 5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)'],
        ["unknown registry SKU", { azureRegistrySku: "Free" }, 'dsenv:azureRegistrySku: got "Free", expected one of Basic, Standard, Premium'],
        ["VM size that is not one", { azureVmSize: "NC4as_T4_v3" }, 'dsenv:azureVmSize: got "NC4as_T4_v3", expected an Azure VM size like Standard_NC4as_T4_v3 (T4), Standard_NC24ads_A100_v4 (A100) or Standard_NC40ads_H100_v5 (H100)'],
        ["admin user Azure reserves", { azureAdminUser: "admin" }, 'dsenv:azureAdminUser: got "admin", expected a Linux user name (lower case, up to 32 characters) that Azure does not reserve (not root, admin, user, test, ...)'],
        ["OS disk smaller than the image", { azureOsDiskGb: "16" }, "dsenv:azureOsDiskGb: got 16, expected an OS disk size in GiB from 30 (the image's size) to 4095"],
        ["SSH as an app port", { azureAppPorts: '["22"]' }, 'dsenv:azureAppPorts: got "22", expected a port other than 22 (SSH is always allowed from dsenv:azureAllowedCidrs)'],
        ["an existing resource group without its name", { azureUseExistingResourceGroup: "true" }, 'dsenv:azureResourceGroup: got "", expected the name of the existing resource group, since dsenv:azureUseExistingResourceGroup is true'],
    ])("%s", async (_, config, message) => {
        expect(await rejected({ ...VALID, ...config })).toBe(configProblem(message));
    });

    test("a GPU workload on a size without a GPU", async () => {
        expect(await rejected({ ...VALID, azureVmSize: "Standard_D4s_v5" }, ["pytorchEnabled"])).toBe(
            configProblem('dsenv:azureVmSize: got "Standard_D4s_v5", expected an N-series GPU size (e.g. Standard_NC4as_T4_v3), because GPU workloads are enabled: dsenv:pytorchEnabled'),
        );
    });

    test("a size without a GPU is fine when no GPU workload asks for one", async () => {
        const run = await azure({ ...VALID, azureVmSize: "Standard_D4s_v5" });
        expect(run.error).toBeUndefined();
    });

    test("every problem at once, in reading order", async () => {
        const message = await rejected({ azureRegistryName: "x", azureShutdownTime: "7pm" });
        expect(message.split("\n").slice(1).map(l => l.slice(4, l.indexOf(":", 10)))).toEqual([
            "dsenv:azureShutdownTime",
            "dsenv:azureSshPublicKey",
            "dsenv:azureAllowedCidrs",
            "dsenv:azureRegistryName",
        ]);
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
        expect(s.network).toEqual({ allowedCidrs: ["203.0.113.7/32"], openToInternet: false, appPorts: [] });
        expect(s.vm.sshPrivateKeyPath).toMatch(/^\/.*\/\.ssh\/id_ed25519$/);
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
        const run = await runWithMocks<CiPushSettings>({ azureRegistryName: "dsenvunit01", azureImageTag: "v1.2" }, readWith(readCiPush));
        expect(run.error).toBeUndefined();
        expect(run.result).toEqual({ registry: { name: "dsenvunit01", sku: "Basic", adminEnabled: false }, resourceGroup: "", imageTag: "v1.2" });
    });

    test("GPU sizes are the N-series", () => {
        expect(["Standard_NC4as_T4_v3", "Standard_NC24ads_A100_v4", "Standard_NC40ads_H100_v5", "Standard_ND96isr_H100_v5", "Standard_NV36ads_A10_v5"].filter(isGpuSize)).toHaveLength(5);
        expect(["Standard_D4s_v5", "Standard_B2s", "Standard_E8as_v5", "NC4as_T4_v3"].filter(isGpuSize)).toEqual([]);
    });
});
