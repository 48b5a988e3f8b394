import { DockerRunner, runDockerCli } from "./gpu-check";

/** What reading the config needs from the machine running Pulumi; tests pass fakes. */
export interface HostFacts {
    runDocker: DockerRunner;
    /** uid and gid of the user running pulumi; undefined where the OS has none. */
    user?: { uid: number; gid: number };
}

export const THIS_HOST: HostFacts = {
    runDocker: runDockerCli,
    user: process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined,
};
