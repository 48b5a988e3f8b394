import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "./components/engine";
import { PushTarget } from "./components/image";
import { Workspace } from "./components/workspace";
import { Settings } from "./config/settings";

/** What `pulumi stack output` answers: where things run and how to reach them. */
export interface Outputs {
    jupyterUrl: pulumi.Output<string>;
    jupyterLoginUrl: pulumi.Output<string>;
    jupyterToken: pulumi.Output<string>;
    jupyterContainer: pulumi.Output<string>;
    jupyterHostPort: number;
    jupyterImage: pulumi.Output<string>;
    mysqlConnectionString: pulumi.Output<string>;
    mysqlHostConnectionString?: pulumi.Output<string>;
    mysqlContainer: pulumi.Output<string>;
    mysqlHostPort?: number;
    mysqlImage: string;
    mysqlDataVolume: pulumi.Output<string>;
    network: pulumi.Output<string>;
}

/** Declares the local-engine stack from validated settings. */
export function deploy(settings: Settings): Outputs {
    const engine = new DockerEngine("engine", {
        host: settings.engine.host,
        isLocal: settings.engine.isLocal,
        registryLogins: settings.registry ? [settings.registry] : [],
    });
    const push: PushTarget | undefined = settings.registry && {
        server: settings.registry.server,
        insecure: /^(127\.|localhost[:]?)/.test(settings.registry.server),
    };

    const ws = new Workspace("workspace", {
        engine,
        namePrefix: settings.namePrefix,
        restart: settings.restartPolicy,
        mysql: settings.mysql,
        jupyter: settings.jupyter,
        push,
    });

    const publish = settings.mysql.publish;
    return {
        jupyterUrl: ws.jupyter.url,
        jupyterLoginUrl: ws.jupyter.loginUrl,
        jupyterToken: ws.jupyter.token,
        jupyterContainer: ws.jupyter.containerName,
        jupyterHostPort: ws.jupyter.hostPort,
        jupyterImage: ws.jupyter.image.ref,
        mysqlConnectionString: ws.mysql.connectionUrl,
        mysqlHostConnectionString: publish
            ? pulumi.secret(pulumi.interpolate`mysql://${ws.mysql.user}:${ws.mysql.password}@${publish.hostIp === "0.0.0.0" ? "127.0.0.1" : publish.hostIp}:${publish.hostPort}/${ws.mysql.database}`)
            : undefined,
        mysqlContainer: ws.mysql.containerName,
        mysqlHostPort: publish?.hostPort,
        mysqlImage: settings.mysql.image,
        mysqlDataVolume: ws.mysql.dataVolumeName,
        network: ws.network.name,
    };
}
