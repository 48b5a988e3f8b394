// The set-up of the GPU VM, as cloud-init user data. One script does the work
// in a fixed order (data disk, Docker's volumes on it, the NVIDIA driver,
// Docker and the container toolkit, marker) so that the readiness check has a
// single thing to wait for. It runs on every boot: the data disk's steps each
// time, the rest until it has succeeded once. It is the only thing that installs packages (no VM
// extension runs beside it), so nothing races it for the dpkg lock but
// Ubuntu's own apt timers, which DPkg::Lock::Timeout waits out.
import { GPU_RESOURCE } from "../gpu";

/** Written last: its presence means every step before it succeeded. */
export const READY_MARKER = "/var/lib/dsenv/ready";
/** Where the managed data disk is mounted. */
export const DATA_MOUNT = "/data";
/** Docker's named volumes on the data disk (databases, notebooks): what a kept disk keeps for the next VM. */
export const DATA_VOLUMES = "/data/volumes";
/** Where Docker keeps its named volumes (its data root, /var/lib/docker, stays on the OS disk): a bind mount of DATA_VOLUMES. */
export const ENGINE_VOLUMES = "/var/lib/docker/volumes";
/** cloud-init runs the scripts in this directory on every boot, the first one included. */
export const SETUP_SCRIPT = "/var/lib/cloud/scripts/per-boot/dsenv-setup";
/** Prints an ACR refresh token for the VM's managed identity: `acr-refresh-token <registry>.azurecr.io <repository>`. */
export const ACR_TOKEN_COMMAND = "/usr/local/bin/acr-refresh-token";
/** Keeps containers from the instance metadata service; Docker runs it before it starts (ExecStartPre), on every boot. */
export const METADATA_BLOCK_COMMAND = "/usr/local/sbin/dsenv-block-metadata";
/** Advertises the VM's GPUs to a Docker swarm; the boot script runs it before Docker restarts. */
export const SWARM_GPUS_COMMAND = "/usr/local/sbin/dsenv-swarm-gpus";
/**
 * What Docker runs before every start on a swarm node with GPUs (ExecStartPre): a
 * deallocated VM starts on another host, with other GPUs, and advertises those.
 * Where the driver lists none then, none are advertised and Docker starts all the same.
 */
export const SWARM_GPUS_AT_ENGINE_START = `${SWARM_GPUS_COMMAND} --at-engine-start`;
/** Azure's instance metadata service: whoever reaches it gets the VM identity's tokens. */
export const METADATA_ADDRESS = "169.254.169.254";
/** The audience of Entra ID tokens for a registry (not ARM's): tenants may refuse ARM-audience tokens at the registry. */
export const ACR_AUDIENCE = "https://containerregistry.azure.net";

export interface CloudInitArgs {
    adminUser: string;
    /** LUN the data disk is attached at. */
    dataDiskLun: number;
    /** Ubuntu's signed NVIDIA server driver of this branch (e.g. "580"); none on a size without NVIDIA GPUs. */
    nvidiaDriverBranch?: string;
    /** The SSH host key the stack made: installed as the VM's, so the client knows it before it connects. */
    hostKey?: { privateKey: string; publicKey: string };
    /** Let containers reach the instance metadata service; blocked unless true. */
    containersReachMetadata?: boolean;
    /** The VM has GPUs: they are advertised as NVIDIA-GPU generic resources (SWARM_GPUS_SCRIPT), which a swarm reads and a lone engine ignores. */
    advertiseGpus?: boolean;
}

/** The cloud-config document (customData is its base64). */
export function cloudInit(args: CloudInitArgs): string {
    return [
        "#cloud-config",
        ...(args.hostKey ? hostKeys(args.hostKey) : []),
        "write_files:",
        file(SETUP_SCRIPT, "0755", setupScript(args)),
        file(ACR_TOKEN_COMMAND, "0755", ACR_TOKEN_SCRIPT),
        ...(args.containersReachMetadata ? [] : [file(METADATA_BLOCK_COMMAND, "0755", METADATA_BLOCK_SCRIPT)]),
        ...(args.advertiseGpus ? [file(SWARM_GPUS_COMMAND, "0755", SWARM_GPUS_SCRIPT)] : []),
        "",
    ].join("\n");
}

/** cloud-init's ssh module replaces the image's host keys with these before sshd starts. */
function hostKeys(key: { privateKey: string; publicKey: string }): string[] {
    const privateLines = key.privateKey
        .trimEnd()
        .split("\n")
        .map(line => `    ${line}`);
    return ["ssh_keys:", "  ed25519_private: |", ...privateLines, `  ed25519_public: ${key.publicKey}`];
}

function file(path: string, permissions: string, content: string): string {
    const body = content
        .split("\n")
        .map(line => (line === "" ? "" : `      ${line}`))
        .join("\n");
    return `  - path: ${path}\n    permissions: "${permissions}"\n    owner: root:root\n    content: |\n${body}`;
}

/** The boot script by itself (what the unit tests lint with shellcheck). */
export function setupScript({ adminUser, dataDiskLun, nvidiaDriverBranch, containersReachMetadata, advertiseGpus }: CloudInitArgs): string {
    return `#!/bin/bash
set -euxo pipefail
# Steps 1 and 2 on every boot (they change nothing the second time): a disk made
# larger since the last boot gets its file system grown.
${storageSteps({ dataDiskLun, containersReachMetadata, advertiseGpus })}
[ -f ${READY_MARKER} ] && exit 0
export DEBIAN_FRONTEND=noninteractive
# A config file changed here (the toolkit's config.toml) is kept when a package ships its own.
apt_get() { apt-get -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"; }
# apt-get update fails at once when another apt holds the lists lock (DPkg::Lock::Timeout waits
# for the dpkg lock only): tried again for up to 15 minutes, while Ubuntu's apt timers run.
apt_update() { for _ in $(seq 90); do apt_get update && return 0; sleep 10; done; apt_get update; }
# A run cut short by a reboot may have left dpkg half-way.
dpkg --configure -a || true

# 3. Docker's and NVIDIA's apt repositories.
apt_update
apt_get install -y ca-certificates curl gnupg
install -m 0755 -d /etc/apt/keyrings
curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
chmod a+r /etc/apt/keyrings/docker.asc
# shellcheck source=/dev/null
echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $(. /etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/docker.list
curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --batch --yes --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg
curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list \\
  | sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' \\
  > /etc/apt/sources.list.d/nvidia-container-toolkit.list
apt_update
${nvidiaDriverBranch ? driverStep(nvidiaDriverBranch) : "# 4. No NVIDIA GPU on this size: no driver."}

# 5. Docker Engine and the NVIDIA container toolkit; the nvidia runtime registered
#    with Docker (merged into daemon.json), then Docker restarted.
apt_get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin nvidia-container-toolkit
nvidia-ctk runtime configure --runtime=docker
${
    advertiseGpus
        ? `# Its GPUs advertised as swarm resources (the swarm hands each task the ones it reserved; a lone engine ignores them)
# (none listed fails the set-up here; Docker's later starts advertise what there is then).
${SWARM_GPUS_COMMAND}
`
        : ""
}systemctl enable containerd docker
systemctl restart containerd docker

# 6. The admin user runs docker without sudo (Pulumi's ssh:// engine logs in as this user).
usermod -aG docker ${adminUser}

# 7. Ready: the readiness check waits for this file.
mkdir -p "$(dirname ${READY_MARKER})"
date -u +%Y-%m-%dT%H:%M:%SZ > ${READY_MARKER}
`;
}

/**
 * Steps 1 and 2 of the boot script, run on every boot, which need no network:
 * the data disk (found by its LUN, formatted only when blank, mounted on
 * DATA_MOUNT, its file system grown to the disk's size) and
 * Docker's volumes on it, with the systemd drop-ins that make Docker wait for
 * them (and block the metadata service first).
 * On their own so that a test host can run them for real (test/e2e/vm-boot-script.test.ts).
 */
export function storageSteps({
    dataDiskLun,
    containersReachMetadata,
    advertiseGpus,
}: Pick<CloudInitArgs, "dataDiskLun" | "containersReachMetadata" | "advertiseGpus">): string {
    return `# 1. The data disk, found by its LUN. Formatted only when it has no file system:
#    a disk kept from an earlier VM is mounted as it is, with its data.
disk=""
for candidate in /dev/disk/azure/scsi1/lun${dataDiskLun} /dev/disk/azure/data/by-lun/${dataDiskLun}; do
  for _ in $(seq 60); do [ -e "$candidate" ] && break; sleep 2; done
  if [ -e "$candidate" ]; then disk="$(readlink -f "$candidate")"; break; fi
done
[ -n "$disk" ] || { echo "data disk at LUN ${dataDiskLun} not found" >&2; exit 1; }
blkid "$disk" >/dev/null || mkfs.ext4 -L dsenv-data "$disk"
mkdir -p ${DATA_MOUNT}
uuid="$(blkid -s UUID -o value "$disk")"
# nofail: a missing disk must not stop the boot (ssh stays reachable); Docker waits for it instead (step 2).
grep -q "$uuid" /etc/fstab || echo "UUID=$uuid ${DATA_MOUNT} ext4 defaults,nofail,discard 0 2" >> /etc/fstab
# The file system fills the disk: it grows when azureDataDiskGb made the disk larger. The whole
# disk is the file system (no partition table), so there is no partition to grow first. Mounted
# (by fstab, at boot): grown online. Not yet (a new VM's first boot, a kept disk perhaps grown
# on the way): checked, grown, then mounted (resize2fs grows an unmounted one only after a full check).
if mountpoint -q ${DATA_MOUNT}; then
  resize2fs "$disk"
else
  e2fsck -f -p "$disk" || [ $? -le 1 ]
  resize2fs "$disk"
  mount ${DATA_MOUNT}
fi

# 2. Docker's named volumes (the databases, the notebooks) on the data disk; everything
#    else the engine keeps (images, containers, networks, swarm membership, in
#    /var/lib/docker and containerd's root) on the OS disk, which goes with the VM. A kept
#    disk then brings its data to the next VM and nothing of the old engine: no containers
#    or networks that \`pulumi up\` would collide with (names, host ports), no swarm of old
#    nodes. A stopped (deallocated) VM keeps its OS disk, and with it its engine's state.
#    A disk kept from a release that put Docker's whole data root there: its volumes
#    move to the new place, the old engine state goes. (Ubuntu's / is a shared mount, so
#    dockerd leaves its root as it is and this bind stays visible below it.)
if [ -d ${DATA_MOUNT}/docker/volumes ] && [ ! -e ${DATA_VOLUMES} ]; then mv ${DATA_MOUNT}/docker/volumes ${DATA_VOLUMES}; fi
rm -rf ${DATA_MOUNT}/docker ${DATA_MOUNT}/containerd
mkdir -p ${DATA_VOLUMES} ${ENGINE_VOLUMES}
grep -q " ${ENGINE_VOLUMES} " /etc/fstab || echo "${DATA_VOLUMES} ${ENGINE_VOLUMES} none bind,nofail,x-systemd.requires-mounts-for=${DATA_MOUNT} 0 0" >> /etc/fstab
mountpoint -q ${ENGINE_VOLUMES} || mount ${ENGINE_VOLUMES}
# Docker does not start without its volumes mounted: on the OS disk, MySQL would initialise an empty database.
mkdir -p /etc/systemd/system/docker.service.d
printf '%s\\n' '[Unit]' 'RequiresMountsFor=${ENGINE_VOLUMES}' > /etc/systemd/system/docker.service.d/dsenv-data-disk.conf
${
    containersReachMetadata
        ? "# Containers may reach the instance metadata service (dsenv:azureContainersReachMetadata)."
        : `# Containers get no VM identity token: the metadata service is blocked for them before Docker starts.
printf '%s\\n' '[Service]' 'ExecStartPre=${METADATA_BLOCK_COMMAND}' > /etc/systemd/system/docker.service.d/dsenv-metadata-block.conf`
}
${
    advertiseGpus
        ? `# The GPUs this VM has now, advertised at every Docker start (a deallocated VM comes back on other GPUs).
printf '%s\\n' '[Service]' 'ExecStartPre=${SWARM_GPUS_AT_ENGINE_START}' > /etc/systemd/system/docker.service.d/dsenv-swarm-gpus.conf
`
        : ""
}systemctl daemon-reload
`;
}

/**
 * Ubuntu's NVIDIA server driver from Ubuntu's archive: the kernel modules
 * precompiled and signed by Canonical for the running kernel (they load with
 * Secure Boot on; no DKMS build), the flavour's package for later kernels,
 * and the headless user-space driver with nvidia-smi.
 */
function driverStep(branch: string): string {
    return `# 4. The NVIDIA driver: Ubuntu's signed server driver, branch ${branch}. The modules for the
#    kernel that will run: the flavour's newest (the image's kernel may lag the archive, and
#    Canonical builds modules for the archive's kernels), with that kernel; when it is not
#    the running one, the reboot below starts it.
kernel="$(uname -r)"
flavour="\${kernel##*-}"
apt_get install -y "linux-image-$flavour" "linux-modules-nvidia-${branch}-server-$flavour" nvidia-headless-no-dkms-${branch}-server nvidia-utils-${branch}-server
# Unattended upgrades leave the driver and the kernel alone: a driver upgraded under the loaded
# module fails every GPU call (NVML: driver/library version mismatch) until a reboot, and modules
# built for a newer kernel need that kernel. Both change together, with a reboot, when the user says so.
echo "Unattended-Upgrade::Package-Blacklist { \\"nvidia-\\"; \\"libnvidia-\\"; \\"linux-image-\\"; \\"linux-modules-\\"; \\"linux-headers-\\"; \\"linux-$flavour\\"; };" > /etc/apt/apt.conf.d/51dsenv-hold-driver
modprobe nvidia || true
if ! nvidia-smi -L; then
  # A newer kernel to start, or a module loaded at boot (nouveau) holding the GPU: one reboot, then fail.
  if [ ! -f /var/lib/dsenv/driver-reboot ]; then
    mkdir -p /var/lib/dsenv && touch /var/lib/dsenv/driver-reboot
    systemctl reboot
    exit 0
  fi
  echo "the NVIDIA driver ${branch} sees no GPU, even after a reboot" >&2
  exit 1
fi`;
}

// Containers reach the host's network through Docker's FORWARD rules, where
// Docker jumps to DOCKER-USER before its own rules and never flushes that
// chain: a rule there holds for every container on a bridge network, while the
// host itself (the token command above) still reaches the service. Run before
// dockerd starts, so no container restarted at boot comes first; idempotent.
export const METADATA_BLOCK_SCRIPT = `#!/bin/bash
# Keeps Docker's containers from Azure's instance metadata service (the VM identity's tokens).
set -euo pipefail
iptables -w -N DOCKER-USER 2>/dev/null || true
rule=(-d ${METADATA_ADDRESS}/32 -j REJECT --reject-with icmp-port-unreachable)
iptables -w -C DOCKER-USER "\${rule[@]}" 2>/dev/null || iptables -w -I DOCKER-USER "\${rule[@]}"
iptables -w -C FORWARD -j DOCKER-USER 2>/dev/null || iptables -w -I FORWARD -j DOCKER-USER
`;

// Swarm schedules GPUs as generic resources a node advertises (dockerd's
// node-generic-resources, one NVIDIA-GPU=<uuid> each) and sets
// DOCKER_RESOURCE_NVIDIA-GPU in a task to the ones it reserved; the NVIDIA
// runtime, made Docker's default so that a service needs no --runtime, takes
// the GPUs from that variable (swarm-resource in its config.toml). Merged into
// the files the other steps and nvidia-ctk wrote; idempotent.
export const SWARM_GPUS_SCRIPT = `#!/bin/bash
# Advertises this machine's NVIDIA GPUs to Docker swarm. Run before Docker (re)starts.
# --at-engine-start: none listed advertises none (stale ids would send tasks to GPUs
# this machine no longer has) and lets Docker start; otherwise it is a failure.
set -euo pipefail
daemon_json=/etc/docker/daemon.json
runtime_toml=/etc/nvidia-container-runtime/config.toml
mapfile -t uuids < <(nvidia-smi --query-gpu=uuid --format=csv,noheader 2>/dev/null | tr -d ' ')
if [ "\${#uuids[@]}" -eq 0 ] || [ -z "\${uuids[0]}" ]; then
  echo "nvidia-smi lists no GPU" >&2
  [ "\${1:-}" = --at-engine-start ] || exit 1
  uuids=()
fi
mkdir -p "$(dirname "$daemon_json")" "$(dirname "$runtime_toml")"
python3 - "$daemon_json" "\${uuids[@]}" <<'PY'
import json, os, sys
path, uuids = sys.argv[1], sys.argv[2:]
config = json.load(open(path)) if os.path.exists(path) else {}
config["default-runtime"] = "nvidia"
config["node-generic-resources"] = ["${GPU_RESOURCE}=" + u for u in uuids]
if not uuids:
    del config["node-generic-resources"]
with open(path + ".tmp", "w") as f:
    json.dump(config, f, indent=2)
os.replace(path + ".tmp", path)
PY
# A top-level key: before the file's first table.
line='swarm-resource = "DOCKER_RESOURCE_${GPU_RESOURCE}"'
{ echo "$line"; grep -vE '^#?[[:space:]]*swarm-resource[[:space:]]*=' "$runtime_toml" 2>/dev/null || true; } > "$runtime_toml.tmp"
mv "$runtime_toml.tmp" "$runtime_toml"
`;

// The VM's identity -> an Entra ID token for the registry's audience from the
// instance metadata service -> an ACR refresh token (the registry's
// /oauth2/exchange) -> proof that it can pull: an access token for
// repository:<repo>:pull whose claims grant "pull". A new AcrPull assignment
// takes minutes to apply, and until then the exchange already succeeds.
// Python's standard library only: it is on every Ubuntu image.
const ACR_TOKEN_SCRIPT = `#!/usr/bin/env python3
"""Prints an ACR refresh token for this VM's managed identity, once it can pull REPOSITORY.

  acr-refresh-token REG.azurecr.io [REPOSITORY]
  acr-refresh-token REG.azurecr.io | docker login REG.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin

Exit status 3: the identity may not pull REPOSITORY (yet).
"""
import base64, json, sys, urllib.error, urllib.parse, urllib.request

AUDIENCE = "${ACR_AUDIENCE}"
server = sys.argv[1]
repository = sys.argv[2] if len(sys.argv) > 2 else ""


def post(path, fields):
    request = urllib.request.Request(f"https://{server}{path}", data=urllib.parse.urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    return json.load(urllib.request.urlopen(request, timeout=20))


def may_pull(refresh):
    try:
        access = post("/oauth2/token", {"grant_type": "refresh_token", "service": server,
            "scope": f"repository:{repository}:pull", "refresh_token": refresh})["access_token"]
    except urllib.error.HTTPError:
        return False
    payload = access.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return any(a.get("type") == "repository" and a.get("name") == repository and "pull" in a.get("actions", [])
               for a in claims.get("access") or [])


imds = urllib.request.Request(
    "http://${METADATA_ADDRESS}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + urllib.parse.quote(AUDIENCE, safe=""),
    headers={"Metadata": "true"})
aad = json.load(urllib.request.urlopen(imds, timeout=10))["access_token"]
refresh = post("/oauth2/exchange", {"grant_type": "access_token", "service": server, "access_token": aad})["refresh_token"]
if repository and not may_pull(refresh):
    print(f"this VM's identity may not pull {repository} from {server} yet (AcrPull takes minutes to apply)", file=sys.stderr)
    sys.exit(3)
print(refresh)
`;
