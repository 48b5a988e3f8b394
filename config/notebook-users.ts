import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { MySqlSettings, NotebookUserSettings } from "./settings";
import { ownDatabase, ownDatabaseProblem, readUserDatabases } from "./user-databases";

/** `<name>[:<uid>[:<gid>]][@<node>][=<port>]`: a DNS-label name (it names a container or service), ids, a swarm node's number, a host port. */
const USER = /^([a-z][a-z0-9-]{0,30}[a-z0-9]|[a-z])(?::([0-9]+)(?::([0-9]+))?)?(?:@([0-9]+))?(?:=([0-9]+))?$/;
const GRAMMAR = '"<name>[:<uid>[:<gid>]][@<node>][=<port>]" with a lowercase name (letters, digits, dashes), e.g. "alice:1001:1001@2=8901"';
/** The official image's user and group when none are given. */
const DEFAULT_UID = 1000;
const DEFAULT_GID = 100;
/** How many ports after dsenv:jupyterHostPort the users' default ports are spread over. */
const USER_PORT_SPAN = 1000;

/**
 * A user's port when their entry gives none: one of the USER_PORT_SPAN ports
 * after `basePort`, picked by their name alone (FNV-1a), so it stays when
 * others are added or removed; undefined where no port follows `basePort`.
 */
export function defaultUserPort(name: string, basePort: number): number | undefined {
    const span = Math.min(USER_PORT_SPAN, 65535 - basePort);
    if (span <= 0) return undefined;
    let hash = 0x811c9dc5;
    for (const c of Buffer.from(name, "utf8")) hash = Math.imul(hash ^ c, 0x01000193) >>> 0;
    return basePort + 1 + (hash % span);
}

/** A swarm's machines, as the users' `@<node>` numbers them: how many, and in which order (said in messages). */
export interface NodeNumbering {
    count: number;
    order: string;
}

/**
 * dsenv:jupyterUsers: one notebook each, on the port its entry gives, else on
 * its name's port after jupyterHostPort (defaultUserPort; a clash is refused
 * with the other published ports, settings/load.ts). On a swarm each lives on
 * the node given (else round-robin over the nodes). With
 * dsenv:jupyterUserDatabases own, each with a database and a MySQL account of
 * their own on the workspace's server.
 */
export function readNotebookUsers(
    read: ConfigReader,
    basePort: number,
    mysql: MySqlSettings,
    swarm?: NodeNumbering,
): NotebookUserSettings[] {
    const nodeCount = swarm?.count ?? 0;
    const own = readUserDatabases(read) === "own";
    // Only the names of a valid dsenv:mysqlDatabase and dsenv:mysqlUser (each reported by its own rule) say how long a user's may be.
    const ownChecked = own && !rules.mysqlDatabase(mysql.database) && !rules.mysqlUser(mysql.user);
    const entries = read.strings("jupyterUsers", v => {
        const m = USER.exec(v);
        if (!m) return GRAMMAR;
        const [uid, gid] = [m[2], m[3]].map(Number);
        if ((m[2] && !(uid >= 1 && uid <= 2147483647)) || (m[3] && !(gid >= 1 && gid <= 2147483647)))
            return `${GRAMMAR}, with ids from 1 to 2147483647 (0 is root)`;
        if (m[4] !== undefined && !swarm) return `${GRAMMAR} without @<node>: only a swarm stack has nodes to place notebooks on`;
        if (m[4] !== undefined && !(Number(m[4]) >= 1 && Number(m[4]) <= nodeCount))
            return `${GRAMMAR}, with a node from 1 to ${nodeCount} (${swarm!.order})`;
        if (m[5] !== undefined && rules.port(Number(m[5]))) return `${GRAMMAR}, with a port from 1 to 65535`;
        if (m[5] === undefined && defaultUserPort(m[1], basePort) === undefined)
            return `${GRAMMAR} with a port: no port follows dsenv:jupyterHostPort (${basePort}) to pick one from`;
        return ownChecked ? ownDatabaseProblem(mysql, m[1]) : undefined;
    });
    const users = entries.flatMap((entry, i) => {
        const m = USER.exec(entry);
        if (!m) return [];
        return [
            {
                name: m[1],
                uid: m[2] ? Number(m[2]) : DEFAULT_UID,
                gid: m[3] ? Number(m[3]) : DEFAULT_GID,
                node: swarm ? (m[4] ? Number(m[4]) - 1 : i % Math.max(nodeCount, 1)) : undefined,
                hostPort: m[5] !== undefined ? Number(m[5]) : defaultUserPort(m[1], basePort)!,
                ...(own && { ownDatabase: ownDatabase(mysql, m[1]) }),
            },
        ];
    });
    if (own && users.length === 0)
        read.rejectOrphan("jupyterUserDatabases", "dsenv:jupyterUsers is empty: the workspace's one notebook has the workspace's database");
    const names = users.map(u => u.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) read.reject("jupyterUsers", entries, `each name once (${JSON.stringify(twice)} is listed twice)`);
    return users;
}
