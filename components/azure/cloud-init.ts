// The set-up of the GPU VM, as cloud-init user data. One script does the work
// in a fixed order (data disk, Docker, NVIDIA runtime, marker) so that the
// readiness check has a single thing to wait for. It runs on every boot until
// it has succeeded once: the NVIDIA driver extension may reboot the VM in the
// middle of the first run, and installs packages at the same time (hence the
// dpkg lock timeout).

/** Written last: its presence means every step before it succeeded. */
export const READY_MARKER = "/var/lib/dsenv/ready";
/** Where the managed data disk is mounted; Docker's data root (images, volumes) lives under it. */
export const DATA_MOUNT = "/data";
/** cloud-init runs the scripts in this directory on every boot, the first one included. */
export const SETUP_SCRIPT = "/var/lib/cloud/scripts/per-boot/dsenv-setup";
/** Prints an ACR refresh token for the VM's managed identity: `acr-refresh-token <registry>.azurecr.io`. */
export const ACR_TOKEN_COMMAND = "/usr/local/bin/acr-refresh-token";

export interface CloudInitArgs {
    adminUser: string;
    /** LUN the data disk is attached at. */
    dataDiskLun: number;
}

/** The cloud-config document (customData is its base64). */
export function cloudInit(args: CloudInitArgs): string {
    return [
        "#cloud-config",
        "write_files:",
        file(SETUP_SCRIPT, "0755", setupScript(args)),
        file(ACR_TOKEN_COMMAND, "0755", ACR_TOKEN_SCRIPT),
        "",
    ].join("\n");
}

function file(path: string, permissions: string, content: string): string {
    const body = content.split("\n").map(line => (line === "" ? "" : `      ${line}`)).join("\n");
    return `  - path: ${path}\n    permissions: "${permissions}"\n    owner: root:root\n    content: |\n${body}`;
}

function setupScript({ adminUser, dataDiskLun }: CloudInitArgs): string {
    return `#!/bin/bash
set -euxo pipefail
[ -f ${READY_MARKER} ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt_get() { apt-get -o DPkg::Lock::Timeout=900 "$@"; }
# A run cut short by a reboot may have left dpkg half-way.
dpkg --configure -a || true

# 1. The data disk, found by its LUN. Formatted only when it has no file system:
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
grep -q "$uuid" /etc/fstab || echo "UUID=$uuid ${DATA_MOUNT} ext4 defaults,nofail,discard 0 2" >> /etc/fstab
mountpoint -q ${DATA_MOUNT} || mount ${DATA_MOUNT}

# 2. Docker keeps images and volumes on the data disk, so they outlive the VM.
mkdir -p /etc/docker ${DATA_MOUNT}/docker
[ -f /etc/docker/daemon.json ] || echo '{"data-root": "${DATA_MOUNT}/docker"}' > /etc/docker/daemon.json

# 3. Docker Engine from Docker's apt repository.
apt_get update
apt_get install -y ca-certificates curl gnupg
install -m 0755 -d /etc/apt/keyrings
curl -fsSL https://download.docker.com/linux/ubuntu/gpg -o /etc/apt/keyrings/docker.asc
chmod a+r /etc/apt/keyrings/docker.asc
echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu $(. /etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/docker.list

# 4. The NVIDIA container toolkit (the driver comes from the NvidiaGpuDriverLinux extension).
curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --batch --yes --dearmor -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg
curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list \\
  | sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' \\
  > /etc/apt/sources.list.d/nvidia-container-toolkit.list
apt_get update
apt_get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin nvidia-container-toolkit

# 5. Register the nvidia runtime with Docker (merged into daemon.json), then restart it.
nvidia-ctk runtime configure --runtime=docker
systemctl enable docker
systemctl restart docker

# 6. The admin user runs docker without sudo (Pulumi's ssh:// engine logs in as this user).
usermod -aG docker ${adminUser}

# 7. Ready: the readiness check waits for this file.
mkdir -p "$(dirname ${READY_MARKER})"
date -u +%Y-%m-%dT%H:%M:%SZ > ${READY_MARKER}
`;
}

// The VM's identity -> an AAD token from the instance metadata service -> an ACR
// refresh token (the registry's /oauth2/exchange). Python's standard library
// only: it is on every Ubuntu image, nothing to install.
const ACR_TOKEN_SCRIPT = `#!/usr/bin/env python3
"""Prints an ACR refresh token for this VM's managed identity.

Log the docker CLI in:  acr-refresh-token REG.azurecr.io | docker login REG.azurecr.io -u 00000000-0000-0000-0000-000000000000 --password-stdin
"""
import json, sys, urllib.parse, urllib.request

server = sys.argv[1]
imds = urllib.request.Request(
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F",
    headers={"Metadata": "true"})
aad = json.load(urllib.request.urlopen(imds, timeout=10))["access_token"]
form = urllib.parse.urlencode({"grant_type": "access_token", "service": server, "access_token": aad}).encode()
exchange = urllib.request.Request(f"https://{server}/oauth2/exchange", data=form,
    headers={"Content-Type": "application/x-www-form-urlencoded"})
print(json.load(urllib.request.urlopen(exchange, timeout=20))["refresh_token"])
`;
