// Which NVIDIA driver a CUDA version needs, from NVIDIA's CUDA Toolkit release
// notes, Table 3 "CUDA Toolkit and Corresponding Driver Versions" (Linux x86_64,
// the GA release of each minor version; an Update may want a later driver of
// the same branch), and the CUDA Compatibility guide's "Minor Version
// Compatibility" table (docs.nvidia.com/deploy/cuda-compatibility/
// minor-version-compatibility.html): from CUDA 11 on, a CUDA X.y application
// runs, with a limited feature set (no PTX JIT of newer code), on any driver of
// at least the minimum of its major release X.

/** Minimum Linux x86_64 driver of each CUDA minor release, its GA row of Table 3. */
export const CUDA_TOOLKIT_DRIVERS: Readonly<Record<string, string>> = {
    "11.0": "450.51.05",
    "11.1": "455.23",
    "11.2": "460.27.03",
    "11.3": "465.19.01",
    "11.4": "470.42.01",
    "11.5": "495.29.05",
    "11.6": "510.39.01",
    "11.7": "515.43.04",
    "11.8": "520.61.05",
    "12.0": "525.60.13",
    "12.1": "530.30.02",
    "12.2": "535.54.03",
    "12.3": "545.23.06",
    "12.4": "550.54.14",
    "12.5": "555.42.02",
    "12.6": "560.28.03",
    "12.8": "570.26",
    "12.9": "575.51.03",
    "13.0": "580.65.06",
};

/** The least driver of each major release that runs any of its minor releases (minor version compatibility). */
export const CUDA_MAJOR_DRIVERS: Readonly<Record<string, string>> = {
    "11": "450.80.02",
    "12": "525.60.13",
    "13": "580",
};

/** A driver version's numbers ("535.129.03" -> [535, 129, 3]); undefined when it is not one. */
export function driverNumbers(version: string): number[] | undefined {
    return /^\d+(\.\d+){0,2}$/.test(version) ? version.split(".").map(Number) : undefined;
}

/** a >= b, number by number; a branch alone ("580", what the azure target installs) stands for its newest release, so "580" >= "580.65.06". */
export function driverAtLeast(a: string, b: string): boolean {
    const [x, y] = [driverNumbers(a) ?? [], driverNumbers(b) ?? []];
    if (x.length === 1) return x[0] >= (y[0] ?? 0);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    }
    return true;
}

/** "12.4.1" -> "12.4"; undefined when it is not a CUDA version. */
export function cudaMinor(version: string): string | undefined {
    const m = /^(\d+)\.(\d+)/.exec(version.trim());
    return m ? `${Number(m[1])}.${Number(m[2])}` : undefined;
}

export type CudaFit =
    /** The driver has everything this CUDA release needs. */
    | { kind: "fits" }
    /** It runs by minor version compatibility: CUDA works, JIT of newer PTX does not. */
    | { kind: "minor-compatible"; full: string }
    /** It does not run: `needs` is the least driver that runs it. */
    | { kind: "too-old"; needs: string }
    /** A CUDA release this table does not know (before 11, or a newer major). */
    | { kind: "unknown" };

/**
 * Whether an image built for `cuda` runs on `driver`. `strict`: the image's
 * NVIDIA_REQUIRE_CUDA makes the NVIDIA hook refuse a driver older than the
 * release's own (nvidia/cuda base images set it), so minor version
 * compatibility does not help.
 */
export function cudaFitsDriver(cuda: string, driver: string, strict = false): CudaFit {
    const minor = cudaMinor(cuda);
    if (!minor) return { kind: "unknown" };
    const major = minor.split(".")[0];
    const full = CUDA_TOOLKIT_DRIVERS[minor];
    const least = CUDA_MAJOR_DRIVERS[major];
    if (!least) return { kind: "unknown" };
    if (full && driverAtLeast(driver, full)) return { kind: "fits" };
    // A minor release newer than the table's rows: its major's minimum is all that is known.
    if (!full) return driverAtLeast(driver, least) ? { kind: "fits" } : { kind: "too-old", needs: least };
    if (strict) return { kind: "too-old", needs: full };
    return driverAtLeast(driver, least) ? { kind: "minor-compatible", full } : { kind: "too-old", needs: least };
}

/** The newest CUDA minor release (of the table) that runs fully on `driver`, e.g. "12.2" for 535.129.03. */
export function newestCudaFor(driver: string): string | undefined {
    const fitting = Object.entries(CUDA_TOOLKIT_DRIVERS)
        .filter(([, d]) => driverAtLeast(driver, d))
        .map(([c]) => c);
    return fitting[fitting.length - 1];
}
