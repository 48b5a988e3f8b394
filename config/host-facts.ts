import * as path from "path";
import { checkoutCommit } from "../components/build-context";
import { DockerRunner, runDockerCli } from "./gpu-check";
import { HostCommandRunner, runHostCommand } from "./host-command";

/** What reading the config needs from the machine running Pulumi; tests pass fakes. */
export interface HostFacts {
    runDocker: DockerRunner;
    /** A command on an engine's machine (its GPU driver, the NVIDIA hook); absent: such questions go unanswered. */
    runHost?: HostCommandRunner;
    /** uid and gid of the user running pulumi; undefined where the OS has none. */
    user?: { uid: number; gid: number };
    /** The commit of this project's checkout ("-dirty" with changes); undefined outside git. Not given: THIS_HOST's. */
    projectCommit?: () => string | undefined;
}

export const THIS_HOST: HostFacts = {
    runDocker: runDockerCli,
    runHost: runHostCommand,
    user: process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined,
    projectCommit: () => checkoutCommit(path.join(__dirname, "..")),
};
