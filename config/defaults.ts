// The defaults of every stack config key. Pulumi.yaml declares the same values
// (test/unit/config-schema.test.ts keeps the two in step): the CLI applies
// those, this file applies them where the program runs without the CLI (mocks,
// another program importing the components). The workload and Azure keys are
// kept beside their readers and spread in here.
import { AZURE_DEFAULTS } from "./azure-defaults";
import { WORKLOAD_DEFAULTS } from "./workload-defaults";

export const DEFAULTS = {
    target: "local",
    dockerHost: "",
    buildDockerHost: "",
    dockerSshOpts: [] as string[],
    namePrefix: "",
    restartPolicy: "unless-stopped",
    registryServer: "",
    registryUsername: "",
    /** Read only as a secret (ConfigReader.secret): "" is none. */
    registryPassword: "",
    mysqlImage: "mysql:8.4.3",
    mysqlDatabase: "analytics",
    mysqlUser: "analyst",
    mysqlAliases: ["myjupyterdb"],
    mysqlHostPort: 0,
    mysqlHostIp: "127.0.0.1",
    mysqlKeepData: true,
    /** "": the pinned default of config/notebook-images.ts (its CUDA variant with GPUs). */
    jupyterBaseImage: "",
    jupyterRequirements: "",
    jupyterEnvironment: "",
    jupyterHostPort: 8888,
    jupyterHostIp: "127.0.0.1",
    jupyterWorkDir: "",
    jupyterKeepWork: true,
    jupyterUsers: [] as string[],
    jupyterUserDatabases: "shared",
    jupyterGpus: "auto",
    jupyterShmSizeMb: 2048,
    /** NAME -> value; the secret ones are read as secrets (config/notebook-variables.ts). */
    jupyterEnv: {} as Record<string, unknown>,
    jupyterSecretEnv: {} as Record<string, unknown>,
    jupyterUserEnv: {} as Record<string, unknown>,
    jupyterUserSecretEnv: {} as Record<string, unknown>,
    jupyterHub: false,
    jupyterHubBaseImage: "quay.io/jupyterhub/jupyterhub:5.5.4",
    jupyterHubAdmins: [] as string[],
    jupyterHubIdleMinutes: 60,
    jupyterHubAuth: "password",
    jupyterHubOAuthClientId: "",
    /** Read only as a secret (ConfigReader.secret): "" is none. */
    jupyterHubOAuthClientSecret: "",
    jupyterHubOAuthTenant: "",
    jupyterHubOAuthCallbackUrl: "",
    /** The provider's user name -> the user's name in jupyterUsers. */
    jupyterHubLogins: {} as Record<string, unknown>,
    jupyterHubUserFolder: "",
    swarmNodes: [] as string[],
    swarmManagers: 1,
    swarmDataNode: 1,
    swarmPublishMode: "host",
    ...WORKLOAD_DEFAULTS,
    ...AZURE_DEFAULTS,
};

export type ConfigKey = keyof typeof DEFAULTS;
