// The defaults of every stack config key. Pulumi.yaml declares the same values
// (test/unit/config-schema.test.ts keeps the two in step): the CLI applies
// those, this file applies them where the program runs without the CLI (mocks,
// another program importing the components).
export const DEFAULTS = {
    dockerHost: "",
    namePrefix: "",
    restartPolicy: "unless-stopped",
    registryServer: "",
    registryUsername: "",
    mysqlImage: "mysql:8.4.3",
    mysqlDatabase: "analytics",
    mysqlUser: "analyst",
    mysqlAliases: ["myjupyterdb"],
    mysqlHostPort: 0,
    mysqlHostIp: "127.0.0.1",
    mysqlKeepData: true,
    jupyterBaseImage: "jupyter/datascience-notebook:2023-10-20",
    jupyterHostPort: 8888,
    jupyterHostIp: "127.0.0.1",
    jupyterWorkDir: "",
    jupyterKeepWork: true,
};

export type ConfigKey = keyof typeof DEFAULTS;
