import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { MySqlAccess, MySqlAccount, mysqlUrl } from "./mysql-access";
import { mysqlEntrypoint } from "./mysql-entrypoint";
import { Placement, Runtime, RunningWorkload } from "./runtime";
import { volumeMount } from "./volume";

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
    /** Names besides "mysql" on the network (e.g. myjupyterdb, the name `--link mydb:myjupyterdb` gave it). */
    extraAliases?: string[];
    /** Publish 3306 on the host; off by default, and on 127.0.0.1 unless hostIp says otherwise. */
    publish?: { hostPort: number; hostIp?: string };
    /** Keep the data volume on `pulumi destroy` (default true). */
    keepDataOnDestroy?: boolean;
    /**
     * Besides `database` and `user`: a database and an account of its own for
     * each key (a notebook user's name), each with a generated password and ALL
     * on that database only. Made on every start, so that one added later is
     * made on a kept or running database; one left out later stays (its data
     * with it) until dropped by hand.
     */
    accounts?: Record<string, { database: string; user: string }>;
}

/**
 * A MySQL server with generated passwords and its data on a named volume, so
 * that replacing the container (a new image, a new setting) keeps the database.
 * The passwords are made here and never leave as plain values.
 */
export class MySql extends pulumi.ComponentResource implements MySqlAccess {
    /** Host name on the workspace network. */
    readonly host: string = MYSQL_ALIAS;
    readonly port: number = MYSQL_PORT;
    readonly database: string;
    readonly user: string;
    readonly password: pulumi.Output<string>;
    readonly rootPassword: pulumi.Output<string>;
    /** The databases and accounts of `accounts`, by key. */
    readonly accounts: Record<string, MySqlAccess>;
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
        const accounts = Object.entries(args.accounts ?? {}).map(([key, a]) => {
            const password = new random.RandomPassword(`${name}-account-${key}-password`, { length: 32, special: false }, child);
            return { key, ...a, password: pulumi.secret(password.result) };
        });
        this.accounts = Object.fromEntries(
            accounts.map(a => [a.key, new MySqlAccount(this.host, this.port, a.database, a.user, a.password)]),
        );

        const data = args.runtime.volume(
            this,
            `${name}-data`,
            { volumeName: `${args.namePrefix}-mysql-data`, keepOnDestroy: args.keepDataOnDestroy ?? true },
            MYSQL_PLACEMENT,
        );
        const image = args.runtime.image(this, `${name}-image`, { pull: args.image });

        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-mysql`,
                image: image.ref,
                env: {
                    MYSQL_DATABASE: args.database,
                    MYSQL_USER: args.user,
                    // The entrypoint's list of accounts to make: "<database>:<user> ...", pair i's password in DSENV_ACCOUNT_<i>_PASSWORD.
                    ...(accounts.length > 0 && { DSENV_ACCOUNTS: accounts.map(a => `${a.database}:${a.user}`).join(" ") }),
                },
                // The official image reads each from VAR or VAR_FILE (a swarm's secret files); the entrypoint reads the accounts' the same way.
                fileSecrets: {
                    MYSQL_ROOT_PASSWORD: this.rootPassword,
                    MYSQL_PASSWORD: this.password,
                    ...Object.fromEntries(accounts.map((a, i) => [`DSENV_ACCOUNT_${i}_PASSWORD`, a.password])),
                },
                mounts: [volumeMount(data, "/var/lib/mysql")],
                entrypoint: ["/bin/sh", "-c", mysqlEntrypoint(accounts.length > 0), "dsenv-mysql"],
                command: ["mysqld"],
                ports: args.publish ? [{ containerPort: MYSQL_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }] : [],
                aliases: [MYSQL_ALIAS, ...(args.extraAliases ?? [])],
                // Answers only once the real server listens on TCP: the image's first-start
                // initialisation runs a server without networking, which this does not count.
                healthcheck: {
                    test: ["CMD-SHELL", "mysqladmin ping -h 127.0.0.1 --silent"],
                    interval: "5s",
                    timeout: "5s",
                    retries: 30,
                    startPeriod: "30s",
                },
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

    /** A secret URL to the workspace's database (MySqlAccess.url). */
    url(scheme = "mysql", host: string = this.host, port: number = this.port): pulumi.Output<string> {
        return mysqlUrl(this, scheme, host, port);
    }
}
