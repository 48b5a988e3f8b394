// The defaults of the workload keys (W1, W3, W5, W6, W7 of the seeds). Pure data:
// config/defaults.ts spreads it into DEFAULTS, and Pulumi.yaml declares the same
// values. Every workload is off until its `...Enabled` key says otherwise.
export const WORKLOAD_DEFAULTS = {
    // W1: RStudio Server on the Kaggle GPU R image.
    rstudioEnabled: false,
    rstudioBaseImage: "gcr.io/kaggle-gpu-images/rstats:v59",
    rstudioVersion: "2024.12.1-563",
    rstudioDownloadUrl: "",
    rstudioProjectDir: "",
    rstudioHostPort: 8787,
    rstudioHostIp: "127.0.0.1",
    rstudioGpus: "auto",

    // W3: PyTorch GPU workspace.
    pytorchEnabled: false,
    pytorchImage: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel",
    pytorchGpus: "auto",
    pytorchShmSizeMb: 2048,
    pytorchHomeDir: "",
    pytorchCommand: ["sleep", "infinity"],

    // W6: shared-lab GPU environment.
    labEnabled: false,
    labBaseImage: "tensorflow/tensorflow:2.18.0-gpu",
    labUid: -1,
    labGid: -1,
    labWorkspaceDir: "",
    labHostPort: 8080,
    labHostIp: "127.0.0.1",
    labGpus: "auto",
    labHttpProxy: "",
    labHttpsProxy: "",
    labPipProxy: "",
    labProxyAtRuntime: false,
    labAptPackages: [] as string[],
    labPipPackages: [] as string[],

    // W7: static web server.
    siteEnabled: false,
    siteSource: "bind",
    siteDir: "",
    siteImage: "httpd:2.4",
    siteHostPort: 9999,
    siteHostIp: "127.0.0.1",
    siteMaintainer: "",
    siteVersion: "1.0.0",
    siteDescription: "A static site served by Apache httpd",

    // W5: app with state (the seed's feedback app).
    appEnabled: false,
    appBaseImage: "node:22.12.0-bookworm-slim",
    appSourceDir: "",
    appEnvFile: "",
    appSecretEnvKeys: [] as string[],
    appHostPort: 3000,
    appHostIp: "127.0.0.1",
    appKeepFeedback: true,
};

export type WorkloadConfigKey = keyof typeof WORKLOAD_DEFAULTS;
