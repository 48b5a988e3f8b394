import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { MySqlSettings } from "./settings";

/** dsenv:jupyterUserDatabases: every user's notebook on the workspace's database, or each on one of their own. */
export const USER_DATABASES = ["shared", "own"] as const;
export type UserDatabases = (typeof USER_DATABASES)[number];

/** MySQL's longest account and database names. */
const MAX_ACCOUNT = 32;
const MAX_DATABASE = 64;

export function readUserDatabases(read: ConfigReader): UserDatabases {
    return read.string("jupyterUserDatabases", rules.oneOf(USER_DATABASES)) as UserDatabases;
}

/**
 * A user's own database and account: the workspace's names, "_", and the
 * user's name with "-" as "_" (MySQL names here are letters, digits and "_").
 * Two users never get the same: names have no "_" (notebook-users.ts), so the
 * mapping is one-to-one, and the names are longer than the workspace's own.
 */
export function ownDatabase(mysql: Pick<MySqlSettings, "database" | "user">, name: string): { database: string; user: string } {
    const suffix = name.replace(/-/g, "_");
    return { database: `${mysql.database}_${suffix}`, user: `${mysql.user}_${suffix}` };
}

/** What a user's name must be for their own database's names to fit MySQL's limits; undefined when they do. */
export function ownDatabaseProblem(mysql: Pick<MySqlSettings, "database" | "user">, name: string): string | undefined {
    const own = ownDatabase(mysql, name);
    if (own.user.length <= MAX_ACCOUNT && own.database.length <= MAX_DATABASE) return undefined;
    const longest = Math.min(MAX_ACCOUNT - mysql.user.length, MAX_DATABASE - mysql.database.length) - 1;
    const made = `with dsenv:jupyterUserDatabases own it makes the MySQL account ${JSON.stringify(own.user)} (${own.user.length} characters, MySQL allows ${MAX_ACCOUNT}) and the database ${JSON.stringify(own.database)} (${own.database.length}, MySQL allows ${MAX_DATABASE})`;
    return longest >= 1 ? `a name of at most ${longest} characters: ${made}` : `a shorter dsenv:mysqlUser or dsenv:mysqlDatabase: ${made}`;
}
