// Generated from Pulumi.yaml by scripts/config-schema.ts (npm run generate): edit Pulumi.yaml, not this file.
// The CLI applies Pulumi.yaml's defaults; these apply them where the program runs
// without the CLI (Pulumi mocks, another program importing it).

/** Each section of Pulumi.yaml's config: its keys and their defaults. */
export const SECTION_DEFAULTS = {
    /** Every target: where it runs, names, registry */
    engine: {
        /** Where the stack runs - local (the Docker engine at dockerHost), swarm (several engines as one Docker Swarm), kubernetes (a cluster named by a kubeconfig context), azure (a GPU VM with a registry) or ci-push (build and push images only). */
        target: "local",
        /** Docker engine to run on: unix:///..., tcp://host:port or ssh://user@host. Empty means DOCKER_HOST, else the local socket. */
        dockerHost: "",
        /** Docker engine images are built on, when not dockerHost (build on your machine, run on a GPU box over ssh://). Needs registryServer: images are pushed there and pulled by digest. Empty means dockerHost. */
        buildDockerHost: "",
        /** Options for ssh to an ssh:// engine, e.g. ["-i", "/home/me/.ssh/gpu_box", "-o", "StrictHostKeyChecking=accept-new"] (your ~/.ssh/config applies too). Only with an ssh:// engine. */
        dockerSshOpts: [] as string[],
        /** Prefix of every container, volume and network name: 1 to 40 lower-case letters, digits, _, ., - (on azure only letters, digits and -: the VM's host name is made from it). Empty means dsenv-<stack>, checked the same way. */
        namePrefix: "",
        /** Restart policy of every container: no, on-failure, always or unless-stopped. */
        restartPolicy: "unless-stopped",
        /** Registry that built images are pushed to, then run from by digest: host[:port], spoken to over HTTPS; http://host[:port] for a plain-HTTP registry, which the engine must allow (it does for 127.0.0.0/8, elsewhere only with insecure-registries). A registry with a private CA must be trusted by this machine (system store or SSL_CERT_FILE) and by the engine (/etc/docker/certs.d/<host:port>/ca.crt). Empty means build and run locally, no push. */
        registryServer: "",
        /** User name for registryServer; its password is the secret key registryPassword. Empty means the registry wants no login (no Docker config file is read). */
        registryUsername: "",
        /** Password of registryUsername; set it with pulumi config set --secret (a plain-text value is refused). Empty means none. */
        registryPassword: "",
    },
    /** The database (MySQL) */
    mysql: {
        /** MySQL server image: any image with the official image's environment contract. */
        mysqlImage: "mysql:8.4.3",
        /** Database created on first start: 1 to 64 letters, digits, _; not a MySQL system schema (mysql, information_schema, performance_schema, sys, in any case). */
        mysqlDatabase: "analytics",
        /** Application user created on first start (its password is generated): 1 to 32 letters, digits, _; not root in any case. */
        mysqlUser: "analyst",
        /** Network names the database answers to besides "mysql" (myjupyterdb by default, the name `docker run --link mydb:myjupyterdb` gave it): DNS labels (1 to 63 letters, digits, inner hyphens, no dots); repeats, in any case, and mysql itself are dropped. */
        mysqlAliases: ["myjupyterdb"] as string[],
        /** Publish MySQL on this host port; 0 keeps it reachable only from the workspace network. */
        mysqlHostPort: 0,
        /** Host address the MySQL port is published on (only with mysqlHostPort): a plain IPv4 or IPv6 address. */
        mysqlHostIp: "127.0.0.1",
        /** Keep the MySQL data volume on pulumi destroy. */
        mysqlKeepData: true,
    },
    /** The notebooks (Jupyter) */
    jupyter: {
        /** Base image of the Jupyter image built from images/jupyter; empty means quay.io/jupyter/pytorch-notebook at the date pinned in config/notebook-images.ts (its CUDA variant when the notebook has GPUs). */
        jupyterBaseImage: "",
        /** A pip requirements.txt (path relative to the project directory, absolute or ~/...) installed into the notebook image; empty means none. */
        jupyterRequirements: "",
        /** A conda environment.yml (path relative to the project directory, absolute or ~/...) installed into the notebook image's base environment, before jupyterRequirements; empty means none. */
        jupyterEnvironment: "",
        /** Host port of the Jupyter server. */
        jupyterHostPort: 8888,
        /** Host address the Jupyter port is published on (0.0.0.0 makes it reachable from other machines). */
        jupyterHostIp: "127.0.0.1",
        /** Host directory (absolute or ~/..., must exist and be a directory) mounted at /home/jovyan/work; empty means a named volume. The official image runs as uid 1000: the directory must be writable by it. */
        jupyterWorkDir: "",
        /** Keep the Jupyter work volume on pulumi destroy (only without jupyterWorkDir). */
        jupyterKeepWork: true,
        /** One notebook per person instead of the workspace's one, each "<name>[:<uid>[:<gid>]][@<node>][=<port>]" (e.g. "alice:1001:1001@2=8901") with its own token and work volume; @<node> places it on a swarm node; its port is =<port>, else one picked from the name among the 1000 after jupyterHostPort (others added or removed move no one); two notebooks on one port are refused. */
        jupyterUsers: [] as string[],
        /** GPUs for every notebook (the workspace's and each user's): auto (GPUs where the engine can give them, none elsewhere; the stack output jupyterGpus says which), "" (none), "all", a number, or "device=0,2" (the forms of docker run --gpus; on a swarm, a number per notebook). */
        jupyterGpus: "auto",
        /** Size of each notebook's /dev/shm in MiB (64-1048576); PyTorch data loaders with workers need more than Docker's 64. */
        jupyterShmSizeMb: 2048,
        /** With jupyterUsers, shared (every notebook uses the workspace's database mysqlDatabase as mysqlUser) or own (each user also gets a database <mysqlDatabase>_<name> and an account <mysqlUser>_<name> of their own, with '-' in names as '_', a generated password and rights on that database only; a removed user's database stays). A name whose account would pass MySQL's 32 characters, or whose database its 64, is refused; own without jupyterUsers is refused. */
        jupyterUserDatabases: "shared",
        /** Environment variables of every notebook, NAME -> value (pulumi config set --path 'dsenv:jupyterEnv.NAME' value); not names dsenv sets, nor *_FILE. */
        jupyterEnv: {} as Record<string, unknown>,
        /** Secret environment variables of every notebook, kept secret in state (Docker secrets on a swarm); set each with pulumi config set --secret --path 'dsenv:jupyterSecretEnv.NAME' value. */
        jupyterSecretEnv: {} as Record<string, unknown>,
        /** With jupyterUsers, a user's own variables over jupyterEnv, user -> NAME -> value (pulumi config set --path 'dsenv:jupyterUserEnv.alice.NAME' value). */
        jupyterUserEnv: {} as Record<string, unknown>,
        /** With jupyterUsers, a user's own secret variables over jupyterSecretEnv (pulumi config set --secret --path 'dsenv:jupyterUserSecretEnv.alice.NAME' value). */
        jupyterUserSecretEnv: {} as Record<string, unknown>,
    },
    /** The lab hub (JupyterHub) */
    hub: {
        /** With jupyterUsers, one JupyterHub at jupyterHostPort where each user logs in and gets their own notebook server on demand (stopped when idle, files kept), instead of an always-on notebook each (docs/hub.md). */
        jupyterHub: false,
        /** Base image of the hub image built from images/hub (JupyterHub and configurable-http-proxy; the spawners, the idle culler and the authenticators are added at pinned versions). */
        jupyterHubBaseImage: "quay.io/jupyterhub/jupyterhub:5.5.4",
        /** With jupyterHub, the users (names from jupyterUsers) who administer the hub (see and stop everyone's servers). */
        jupyterHubAdmins: [] as string[],
        /** With jupyterHub, minutes without activity after which a user's server is stopped (its files and volume kept, its GPUs free again); 0 never stops one. */
        jupyterHubIdleMinutes: 60,
        /** With jupyterHub, how users log in: password (a password generated for each user, the secret stack output jupyterHubPasswords; they can change it), github or entra (OAuth through GitHub or Microsoft Entra ID: jupyterHubOAuthClientId, jupyterHubOAuthClientSecret, jupyterHubOAuthCallbackUrl, and for entra jupyterHubOAuthTenant). */
        jupyterHubAuth: "password",
        /** With jupyterHubAuth github or entra, the OAuth app's client id. */
        jupyterHubOAuthClientId: "",
        /** With jupyterHubAuth github or entra, the OAuth app's client secret; set it with pulumi config set --secret. */
        jupyterHubOAuthClientSecret: "",
        /** With jupyterHubAuth entra, the Microsoft Entra tenant id (a GUID). */
        jupyterHubOAuthTenant: "",
        /** With jupyterHubAuth github or entra, the callback URL registered with the OAuth app, the hub's address followed by /hub/oauth_callback (e.g. https://lab.example.org/hub/oauth_callback). */
        jupyterHubOAuthCallbackUrl: "",
        /** With jupyterHubAuth github or entra, the provider's user name -> the user's name in jupyterUsers, for names that differ (pulumi config set --path 'dsenv:jupyterHubLogins["alice@contoso.com"]' alice). */
        jupyterHubLogins: {} as Record<string, unknown>,
        /** With jupyterHub, a host folder per user bound at /home/jovyan/storage in their server, {username} in the path (a lab's network storage, e.g. /mnt/nas/{username}); it must exist on every machine their server may run on. Empty means none. */
        jupyterHubUserFolder: "",
    },
    /** Target swarm */
    swarm: {
        /** The swarm target's machines, the first the manager, each "<engine> <advertise-ip> [<label>=<value> ...]" (e.g. "ssh://lab@gpu1 192.168.10.11 gpu=a100"). */
        swarmNodes: [] as string[],
        /** How many of the first swarm nodes (swarmNodes, or an azure stack's VMs) are managers (1, 3 or 5). */
        swarmManagers: 1,
        /** The swarm node (swarmNodes entry, or an azure stack's VM, numbered 1, 2, ...) whose machine keeps the data (MySQL, the notebook, work volumes). */
        swarmDataNode: 1,
        /** How services publish ports on a swarm - host (on the node that runs the task, the default) or ingress (on every node, needs IPVS). */
        swarmPublishMode: "host",
    },
    /** Target kubernetes */
    kubernetes: {
        /** The kubeconfig file of the cluster (absolute or ~/...); empty means $KUBECONFIG, else ~/.kube/config. */
        kubeconfig: "",
        /** The kubeconfig context to use; empty means the file's current context. */
        kubeContext: "",
        /** The namespace the stack makes and runs in (a DNS label: 1 to 63 lower-case letters, digits and inner hyphens); empty means namePrefix with '_' and '.' as '-'. Kept on destroy with the PersistentVolumeClaims it holds, and taken over again by the next up. */
        kubeNamespace: "",
        /** StorageClass of the PersistentVolumeClaims (data volumes); empty means the cluster's default class. */
        kubeStorageClass: "",
        /** How published ports are reached - ClusterIP (kubectl port-forward to 127.0.0.1:<hostPort>; the stack output kubePortForward says the command), NodePort (a node's address and the port Kubernetes assigns) or LoadBalancer (the cluster's load balancer address, at hostPort). */
        kubeServiceType: "ClusterIP",
        /** Size each PersistentVolumeClaim requests, a Kubernetes quantity (e.g. 10Gi, 500Mi); a kept claim keeps the size it was made with unless its class allows expansion. */
        kubeVolumeSize: "10Gi",
    },
    /** Workload: RStudio Server */
    rstudio: {
        /** Declare RStudio Server on a GPU R image (docs/workloads.md). */
        rstudioEnabled: false,
        /** R image RStudio Server is installed on (Debian/Ubuntu with bash; images/rstudio BASE_IMAGE). */
        rstudioBaseImage: "gcr.io/kaggle-gpu-images/rstats:v59",
        /** Pinned RStudio Server release; the build fails if the .deb installs another. */
        rstudioVersion: "2024.12.1-563",
        /** http(s) URL (no user or password) of the rstudio-server-<rstudioVersion>-amd64.deb for the base's Ubuntu release (the Kaggle images are Ubuntu 22.04, jammy), from Posit's download page or your own mirror; required when rstudioEnabled. */
        rstudioDownloadUrl: "",
        /** Host directory mounted at /home/rstudio/rproject (a directory, not a file); empty means a named volume <prefix>-rstudio-project kept on destroy. */
        rstudioProjectDir: "",
        /** Host port of RStudio Server. */
        rstudioHostPort: 8787,
        /** Host address the RStudio port is published on. */
        rstudioHostIp: "127.0.0.1",
        /** GPUs for RStudio: auto (every GPU where the engine can give them, none elsewhere; one GPU on a swarm), "" (none), "all", a number, or "device=0,2" (the forms of docker run --gpus). */
        rstudioGpus: "auto",
    },
    /** Workload: PyTorch GPU workspace */
    pytorch: {
        /** Declare the PyTorch GPU workspace (docs/workloads.md). */
        pytorchEnabled: false,
        /** PyTorch image, pulled. */
        pytorchImage: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel",
        /** GPUs for PyTorch: auto (every GPU where the engine can give them, none elsewhere; one GPU on a swarm), "" (none), "all", a number, or "device=0,2" (the forms of docker run --gpus). */
        pytorchGpus: "auto",
        /** Size of /dev/shm in MiB (64-1048576); DataLoader workers need more than Docker's 64. */
        pytorchShmSizeMb: 2048,
        /** Host directory mounted at /home; empty means a named volume <prefix>-pytorch-home kept on destroy. */
        pytorchHomeDir: "",
        /** Command of the PyTorch container, not empty (idle by default; work through docker exec). */
        pytorchCommand: ["sleep","infinity"] as string[],
    },
    /** Workload: shared-lab GPU environment */
    lab: {
        /** Declare the shared-lab GPU environment: Jupyter on 8080 as the host user's uid/gid (docs/workloads.md). */
        labEnabled: false,
        /** Base image of images/lab (python3 on PATH). */
        labBaseImage: "tensorflow/tensorflow:2.18.0-gpu",
        /** uid of the lab user; -1 means the uid of the user running pulumi (refused when that is root, and on a remote engine: give the ids that own labWorkspaceDir there). */
        labUid: -1,
        /** gid of the lab user; -1 means the gid of the user running pulumi (refused when that is root, and on a remote engine). */
        labGid: -1,
        /** Host (NAS) directory mounted at /workspace; empty means a named volume <prefix>-lab-workspace kept on destroy. */
        labWorkspaceDir: "",
        /** Host port of the lab's Jupyter server. */
        labHostPort: 8080,
        /** Host address the lab port is published on. */
        labHostIp: "127.0.0.1",
        /** GPUs for the lab: auto (every GPU where the engine can give them, none elsewhere; one GPU on a swarm), "" (none), "all", a number, or "device=0,2" (the forms of docker run --gpus). */
        labGpus: "auto",
        /** HTTP proxy for building the lab image (build arg only): an http(s) URL without a user or password (it would be kept in the state). */
        labHttpProxy: "",
        /** HTTPS proxy for building the lab image (build arg only): an http(s) URL without a user or password. */
        labHttpsProxy: "",
        /** Proxy for pip while building the lab image (build arg only; shows in docker history): an http(s) URL without a user or password. */
        labPipProxy: "",
        /** Also set the lab proxies in the running container (only with a proxy set). */
        labProxyAtRuntime: false,
        /** Debian packages added to the lab image (vim, git=1:2.39...). */
        labAptPackages: [] as string[],
        /** pip requirements added to the lab image (pandas==2.2.3). */
        labPipPackages: [] as string[],
    },
    /** Workload: static web server */
    site: {
        /** Declare the static web server (Apache httpd; docs/workloads.md). */
        siteEnabled: false,
        /** bind (serve siteDir read-only) or image (build images/site with its labels). */
        siteSource: "bind",
        /** Directory served read-only: required with siteSource=bind, unset with image; must be a directory on a local engine. */
        siteDir: "",
        /** httpd image served from, or the base of images/site (httpd:2.4-alpine also works). */
        siteImage: "httpd:2.4",
        /** Host port of the web server. */
        siteHostPort: 9999,
        /** Host address the web server is published on. */
        siteHostIp: "127.0.0.1",
        /** maintainer label of the site image (siteSource=image only; refused with bind). */
        siteMaintainer: "",
        /** version label of the site image (siteSource=image only; refused with bind). */
        siteVersion: "1.0.0",
        /** description label of the site image (siteSource=image only; refused with bind). */
        siteDescription: "A static site served by Apache httpd",
    },
    /** Workload: app with state */
    app: {
        /** Declare the feedback app: a small Node app with a named, a bind and an anonymous volume (docs/workloads.md). */
        appEnabled: false,
        /** Node image images/feedback-app is built on. */
        appBaseImage: "node:22.12.0-bookworm-slim",
        /** App source bound read-only at /app (needs feedback/ and node_modules/ in it); empty means the shipped images/feedback-app (local engine only). */
        appSourceDir: "",
        /** A .env file in docker run --env-file's format (docs/workloads.md): absolute, ~/..., or relative to the project, passed to the app as environment; empty means none. */
        appEnvFile: "",
        /** Keys of appEnvFile passed as secrets (names with PASSWORD, SECRET, TOKEN, API_KEY... are secret anyway). */
        appSecretEnvKeys: [] as string[],
        /** Host port of the app (container port 8000). */
        appHostPort: 3000,
        /** Host address the app port is published on. */
        appHostIp: "127.0.0.1",
        /** Keep the app's feedback volume on pulumi destroy. */
        appKeepFeedback: true,
    },
    /** Targets azure and ci-push */
    azure: {
        /** Azure region of every resource (lower case, e.g. eastus, westeurope). */
        azureLocation: "eastus",
        /** What the azure target runs the workloads on - vms (GPU VMs with Docker) or aks (an AKS cluster the stack makes, a system pool and a GPU pool of azureVmSize that scales to zero; docs/azure.md#aks-a-kubernetes-cluster-instead-of-vms). */
        azureRunsOn: "vms",
        /** VM size of the AKS system pool's one node, which runs the cluster's own pods, MySQL and the notebooks without GPUs (a size without GPUs). Only with azureRunsOn aks. */
        azureAksSystemVmSize: "Standard_D4s_v5",
        /** Most nodes of the AKS GPU pool (1 to 100); it scales between 0 and this as GPU pods come and go. Only with azureRunsOn aks. */
        azureAksGpuNodesMax: 1,
        /** Image of NVIDIA's Kubernetes device plugin (k8s-device-plugin, registry/repository:tag or @sha256:...), run on the AKS GPU nodes so that they advertise nvidia.com/gpu; required with azureRunsOn aks when GPU workloads are enabled, none is built in. */
        azureAksDevicePluginImage: "",
        /** How the AKS cluster's kubeconfig gets its Entra ID token through kubelogin - azurecli (your az login), workloadidentity (CI with OIDC), spn, msi, azd, devicecode or interactive. Only with azureRunsOn aks. */
        azureAksKubeloginMode: "azurecli",
        /** Resource group name; empty means <namePrefix>-rg, created by the stack. */
        azureResourceGroup: "",
        /** Use azureResourceGroup as it is instead of creating it. */
        azureUseExistingResourceGroup: false,
        /** VM size (T4 Standard_NC4as_T4_v3, A100 Standard_NC24ads_A100_v4, H100 Standard_NC40ads_H100_v5); GPU workloads need an N-series size. */
        azureVmSize: "Standard_NC4as_T4_v3",
        /** Linux admin user of the VM (the ssh:// Docker engine logs in as it). */
        azureAdminUser: "dsenv",
        /** The SSH public key (one line) allowed to log in; required for target azure, password login is disabled. */
        azureSshPublicKey: "",
        /** Private key Pulumi's ssh client uses for the VM (readiness check, Docker over ssh). */
        azureSshPrivateKeyPath: "~/.ssh/id_ed25519",
        /** IPv4 networks (CIDR) allowed to reach SSH and azureAppPorts; required unless azureOpenToInternet is true. */
        azureAllowedCidrs: [] as string[],
        /** Allow SSH and azureAppPorts from the whole internet instead of azureAllowedCidrs. */
        azureOpenToInternet: false,
        /** Ports besides SSH opened to the allowed networks; none by default (Jupyter is reached through an SSH tunnel). */
        azureAppPorts: [] as string[],
        /** OS disk size in GiB (30 to 4095). */
        azureOsDiskGb: 128,
        /** How many GPU VMs the azure target makes (1 to 10). More than one are made one Docker swarm in one VNet (docs/swarm.md); swarmManagers, swarmDataNode and swarmPublishMode apply. */
        azureVmCount: 1,
        /** Data disk size in GiB; Docker's data root (volumes, images) lives on it. */
        azureDataDiskGb: 256,
        /** Keep the data disk (and so its resource group) on pulumi destroy. */
        azureKeepDataDisk: true,
        /** Daily auto-shutdown (deallocation) time HH:MM; empty for none. */
        azureShutdownTime: "19:00",
        /** Windows time zone id of azureShutdownTime (e.g. W. Europe Standard Time). */
        azureShutdownTimeZone: "UTC",
        /** Run the VM as Spot (cheaper; evicted by deallocation when Azure needs capacity). */
        azureSpot: false,
        /** Let containers reach Azure's instance metadata service (169.254.169.254), and with it the VM identity's tokens; blocked unless true. */
        azureContainersReachMetadata: false,
        /** Spot price cap in USD per hour ("0.35"), or -1 for up to the on-demand price. */
        azureSpotMaxPrice: "-1",
        /** Azure Container Registry name, globally unique, 5 to 50 lower-case letters and digits; required for targets azure and ci-push. */
        azureRegistryName: "",
        /** Registry SKU (Basic, Standard, Premium). */
        azureRegistrySku: "Basic",
        /** Enable the registry's shared admin user and push with it (off - identity-based logins are used). */
        azureRegistryAdmin: false,
        /** Tag of images pushed by target ci-push; empty means the git commit. */
        azureImageTag: "",
        /** Regions, VM sizes or time zone ids Azure has that dsenv does not know yet (azureLocation, azureVmSize, azureShutdownTimeZone are checked against known lists otherwise). */
        azureAllowUnlisted: [] as string[],
    },
};

/** Every key the program reads, with its default. */
export const DEFAULTS = {
    ...SECTION_DEFAULTS.engine,
    ...SECTION_DEFAULTS.mysql,
    ...SECTION_DEFAULTS.jupyter,
    ...SECTION_DEFAULTS.hub,
    ...SECTION_DEFAULTS.swarm,
    ...SECTION_DEFAULTS.kubernetes,
    ...SECTION_DEFAULTS.rstudio,
    ...SECTION_DEFAULTS.pytorch,
    ...SECTION_DEFAULTS.lab,
    ...SECTION_DEFAULTS.site,
    ...SECTION_DEFAULTS.app,
    ...SECTION_DEFAULTS.azure,
};

export type ConfigKey = keyof typeof DEFAULTS;
