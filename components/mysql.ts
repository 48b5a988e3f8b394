import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { urlHost } from "./host-address";
import { Placement, Runtime, RunningWorkload } from "./runtime";
import { volumeMount } from "./volume";

/**
 * Wraps the image's entrypoint. The official image applies MYSQL_* only when it
 * initialises an empty data dir; on a kept volume (after `pulumi destroy` and a
 * new `up`, which generates new passwords) the old credentials would stay. So on
 * an initialised data dir the server starts with an --init-file that sets the
 * passwords, database and grants from the environment it was given now (each
 * password from VAR, or from the file VAR_FILE names, as the official image reads them).
 * Names are validated to [A-Za-z0-9_] and passwords are alphanumeric: nothing to escape.
 */
const CREDENTIALS_ENTRYPOINT = `set -eu
if [ -d /var/lib/mysql/mysql ]; then
  [ -z "\${MYSQL_ROOT_PASSWORD_FILE:-}" ] || MYSQL_ROOT_PASSWORD=$(cat "$MYSQL_ROOT_PASSWORD_FILE")
  [ -z "\${MYSQL_PASSWORD_FILE:-}" ] || MYSQL_PASSWORD=$(cat "$MYSQL_PASSWORD_FILE")
  f=/tmp/dsenv-credentials.sql
  umask 077
  cat >"$f" <<SQL
ALTER USER 'root'@'localhost' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY '$MYSQL_ROOT_PASSWORD';
CREATE DATABASE IF NOT EXISTS \\\`$MYSQL_DATABASE\\\`;
CREATE USER IF NOT EXISTS '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
ALTER USER '$MYSQL_USER'@'%' IDENTIFIED BY '$MYSQL_PASSWORD';
GRANT ALL ON \\\`$MYSQL_DATABASE\\\`.* TO '$MYSQL_USER'@'%';
SQL
  chown mysql "$f" 2>/dev/null || true
  set -- "$@" --init-file="$f"
fi
exec docker-entrypoint.sh "$@"`;

/** The name every container on the workspace network reaches the database by. */
export const MYSQL_ALIAS = "mysql";
export const MYSQL_PORT = 3306;

/** Where the database and its data live on a runtime of several machines. */
export const MYSQL_PLACEMENT: Placement = { pinned: "data" };

export interface MySqlArgs {
    runtime: Runtime;
    /** Container, volume and image names start with this. */
    namePrefix: string;
    /** An image with the official mysql image's environment contract. */
    image: string;
    database: string;
    user: string;
    /** Names besides "mysql" on the network (the seed's `--link mydb:myjupyterdb`). */
    extraAliases?: string[];
    /** Publish 3306 on the host; off by default, and on 127.0.0.1 unless hostIp says otherwise. */
    publish?: { hostPort: number; hostIp?: string };
    /** Keep the data volume on `pulumi destroy` (default true). */
    keepDataOnDestroy?: boolean;
}

/**
 * A MySQL server with generated passwords and its data on a named volume, so
 * that replacing the container (a new image, a new setting) keeps the database.
 * The passwords are made here and never leave as plain values.
 */
export class MySql extends pulumi.ComponentResource {
    /** Host name on the workspace network. */
    readonly host: string = MYSQL_ALIAS;
    readonly port: number = MYSQL_PORT;
    readonly database: string;
    readonly user: string;
    readonly password: pulumi.Output<string>;
    readonly rootPassword: pulumi.Output<string>;
    /** mysql://user:password@mysql:3306/database, secret. */
    readonly connectionUrl: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly dataVolumeName: pulumi.Output<string>;
    readonly hostPort?: number;
    readonly service: RunningWorkload;

    constructor(name: string, args: MySqlArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:MySql", name, {}, opts);
        const child = { parent: this };

        // Letters and digits only: the password travels in URLs and shell-free env, nothing needs escaping.
        const root = new random.RandomPassword(`${name}-root-password`, { length: 32, special: false }, child);
        const app = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, child);
        this.rootPassword = pulumi.secret(root.result);
        this.password = pulumi.secret(app.result);
        this.database = args.database;
        this.user = args.user;

        const data = args.runtime.volume(this, `${name}-data`, { volumeName: `${args.namePrefix}-mysql-data`, keepOnDestroy: args.keepDataOnDestroy ?? true }, MYSQL_PLACEMENT);
        const image = args.runtime.image(this, `${name}-image`, { pull: args.image });

        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-mysql`,
                image: image.ref,
                env: { MYSQL_DATABASE: args.database, MYSQL_USER: args.user },
                // The official image reads each from VAR or VAR_FILE (a swarm's secret files).
                fileSecrets: { MYSQL_ROOT_PASSWORD: this.rootPassword, MYSQL_PASSWORD: this.password },
                mounts: [volumeMount(data, "/var/lib/mysql")],
                entrypoint: ["/bin/sh", "-c", CREDENTIALS_ENTRYPOINT, "dsenv-mysql"],
                command: ["mysqld"],
                ports: args.publish ? [{ containerPort: MYSQL_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }] : [],
                aliases: [MYSQL_ALIAS, ...(args.extraAliases ?? [])],
                // Answers only once the real server listens on TCP: the image's first-start
                // initialisation runs a server without networking, which this does not count.
                healthcheck: { test: ["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"], interval: "5s", timeout: "5s", retries: 30, startPeriod: "30s" },
            },
            MYSQL_PLACEMENT,
        );

        this.containerName = this.service.name;
        this.dataVolumeName = data.name;
        this.hostPort = args.publish?.hostPort;
        this.connectionUrl = this.url();
        this.registerOutputs({
            containerName: this.containerName,
            dataVolumeName: this.dataVolumeName,
            connectionUrl: this.connectionUrl,
        });
    }

    /**
     * A secret URL to this database: `scheme` for the client (mysql, or
     * mysql+pymysql for SQLAlchemy), `host`/`port` as the client sees the server
     * (by default from the workspace network).
     */
    url(scheme = "mysql", host: string = this.host, port: number = this.port): pulumi.Output<string> {
        return pulumi.secret(pulumi.interpolate`${scheme}://${encodeURIComponent(this.user)}:${this.password.apply(encodeURIComponent)}@${urlHost(host)}:${port}/${this.database}`);
    }
}
