// The notebook's default base images, pinned: the one place that names them.
//
// The Jupyter project's docker-stacks images moved from Docker Hub (last push
// jupyter/*:2023-10-20) to quay.io/jupyter. Each build is tagged with its date
// (YYYY-MM-DD, UTC); the CUDA variants of the same build carry a prefix
// (`cuda12-`, `cuda13-` for pytorch-notebook, `cuda-` for tensorflow-notebook).
//
// pytorch-notebook is the default because it is the stack with both a CPU image
// and CUDA images of the same build: the same stack config gives the same
// notebook (scipy-notebook's pandas, scikit-learn, matplotlib, SQLAlchemy, plus
// PyTorch) on a laptop and, with GPUs, its CUDA variant on a GPU host.
// datascience-notebook (the old default, with R and Julia) has no CUDA variant.
//
// Why 2026-07-28 exists (checked 2026-12-06): docker-stacks' own README and docs
// at commit 82093869 (2026-08-08) name quay.io/jupyter/{scipy,datascience,
// r}-notebook:2026-07-28 and pin base-notebook:2026-07-28 by digest
// (binder/Dockerfile, examples/); every build pushes every image and variant
// with the same date tag (.github/workflows/docker.yml, tagging/taggers/date.py),
// and public Dockerfiles and docs name pytorch-notebook:cuda12-2026-07-28 and
// cuda13-2026-07-28. CUDA versions: images/pytorch-notebook/cuda12/Dockerfile
// installs torch from download.pytorch.org/whl/cu128 (CUDA 12.8, since
// docker-stacks #2288, 2025-04), cuda13/ from whl/cu130 (CUDA 13.0, #2391,
// 2025-12, which replaced cuda11).

/** A CUDA variant of the pinned build. */
export interface CudaNotebookImage {
    image: string;
    /** The CUDA version its PyTorch wheels are built for (the runtime the host's driver must run). */
    cudaVersion: string;
}

export interface NotebookImageRelease {
    /** The docker-stacks build, by its date tag. */
    date: string;
    stack: string;
    /** The image without GPUs. */
    cpu: string;
    /** The image with GPUs: the CUDA variant that needs the older driver. */
    cuda: CudaNotebookImage;
    /** Every CUDA variant of the build, oldest CUDA first (for "the image that fits your driver"). */
    cudaVariants: CudaNotebookImage[];
}

const REGISTRY = "quay.io/jupyter";
const STACK = "pytorch-notebook";
const DATE = "2026-07-28";
const variant = (prefix: string, cudaVersion: string): CudaNotebookImage => ({
    image: `${REGISTRY}/${STACK}:${prefix}-${DATE}`,
    cudaVersion,
});
const CUDA_VARIANTS = [variant("cuda12", "12.8"), variant("cuda13", "13.0")];

export const NOTEBOOK_IMAGES: NotebookImageRelease = {
    date: DATE,
    stack: `${REGISTRY}/${STACK}`,
    cpu: `${REGISTRY}/${STACK}:${DATE}`,
    cuda: CUDA_VARIANTS[0],
    cudaVariants: CUDA_VARIANTS,
};

/** The CUDA version a pinned CUDA image is built for; undefined for any other image. */
export function pinnedCudaVersion(image: string): string | undefined {
    return NOTEBOOK_IMAGES.cudaVariants.find(v => v.image === image)?.cudaVersion;
}

/** The base image a notebook gets when dsenv:jupyterBaseImage is empty: the CUDA variant when it is given GPUs. */
export function defaultNotebookBaseImage(gpus: boolean): string {
    return gpus ? NOTEBOOK_IMAGES.cuda.image : NOTEBOOK_IMAGES.cpu;
}
