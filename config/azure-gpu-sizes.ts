// The GPU sizes the azure target supports, one row each, with how their
// NVIDIA driver gets onto the VM. A GPU size that is not here is refused at
// preview with this table (config/azure-rules.ts, docs/azure.md): every size
// here has a driver path that works the same way on every boot.

/** Ubuntu's NVIDIA server driver: the precompiled kernel modules signed by Canonical, so they load with Secure Boot on. */
export interface UbuntuSignedDriver {
    kind: "ubuntu-signed";
    /** The driver branch: packages linux-modules-nvidia-<branch>-server-<kernel> and nvidia-driver-<branch>-server. */
    branch: string;
}

export interface GpuSize {
    size: string;
    gpu: string;
    gpus: number;
    driver: UbuntuSignedDriver;
    /** Trusted Launch (Secure Boot + vTPM) is offered for the size; the signed modules load under it. */
    trustedLaunch: boolean;
}

/** R580: NVIDIA's long-term support branch, with T4, A100 and H100 NVL support. */
const DRIVER: UbuntuSignedDriver = { kind: "ubuntu-signed", branch: "580" };

export const GPU_SIZES: readonly GpuSize[] = [
    { size: "Standard_NC4as_T4_v3", gpu: "T4 16 GB", gpus: 1, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC8as_T4_v3", gpu: "T4 16 GB", gpus: 1, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC16as_T4_v3", gpu: "T4 16 GB", gpus: 1, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC64as_T4_v3", gpu: "T4 16 GB", gpus: 4, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC24ads_A100_v4", gpu: "A100 80 GB", gpus: 1, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC48ads_A100_v4", gpu: "A100 80 GB", gpus: 2, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC96ads_A100_v4", gpu: "A100 80 GB", gpus: 4, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC40ads_H100_v5", gpu: "H100 NVL 94 GB", gpus: 1, driver: DRIVER, trustedLaunch: true },
    { size: "Standard_NC80adis_H100_v5", gpu: "H100 NVL 94 GB", gpus: 2, driver: DRIVER, trustedLaunch: true },
];

export function gpuSize(size: string): GpuSize | undefined {
    return GPU_SIZES.find(s => s.size === size);
}

/** Every N-series size is a GPU (or FPGA) size: one not in GPU_SIZES has no driver path here. */
export function isGpuFamily(size: string): boolean {
    return /^Standard_N[A-Z]/.test(size);
}

/** The table as one line a message can carry. */
export function gpuSizeList(): string {
    return GPU_SIZES.map(s => `${s.size} (${s.gpus}x ${s.gpu})`).join(", ");
}
