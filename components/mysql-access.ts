import * as pulumi from "@pulumi/pulumi";
import { urlHost } from "./host-address";

/**
 * What a client needs to use one database on the workspace's MySQL server as
 * one account: the server's workspace (MySql) or a user's own (MySqlAccount).
 */
export interface MySqlAccess {
    /** Host name on the workspace network. */
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    /** Secret. */
    readonly password: pulumi.Output<string>;
    /**
     * A secret URL to this database: `scheme` for the client (mysql, or
     * mysql+pymysql for SQLAlchemy), `host`/`port` as the client sees the server
     * (by default from the workspace network).
     */
    url(scheme?: string, host?: string, port?: number): pulumi.Output<string>;
}

/** A secret mysql URL for `access`, from `host`:`port`. */
export function mysqlUrl(
    access: Pick<MySqlAccess, "user" | "password" | "database">,
    scheme: string,
    host: string,
    port: number,
): pulumi.Output<string> {
    return pulumi.secret(
        pulumi.interpolate`${scheme}://${encodeURIComponent(access.user)}:${access.password.apply(encodeURIComponent)}@${urlHost(host)}:${port}/${access.database}`,
    );
}

/** A database of its own and the one account that may use it, on a server made elsewhere (MySql's `accounts`). */
export class MySqlAccount implements MySqlAccess {
    constructor(
        readonly host: string,
        readonly port: number,
        readonly database: string,
        readonly user: string,
        readonly password: pulumi.Output<string>,
    ) {}

    url(scheme = "mysql", host: string = this.host, port: number = this.port): pulumi.Output<string> {
        return mysqlUrl(this, scheme, host, port);
    }
}
