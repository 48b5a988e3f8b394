import { Settings } from "../../settings";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { configProblem, runWithMocks } from "./harness";

// dsenv:jupyterUsers' ports are bound to names, not to places in the list:
// an entry's own `=<port>`, else one picked from the name after
// jupyterHostPort. Two notebooks on one port, or a notebook on another
// service's port, are refused before anything is declared.

async function ports(users: string[], config: Record<string, string> = {}): Promise<Record<string, number>> {
    const r = await runWithMocks({ jupyterUsers: JSON.stringify(users), ...config }, () => loadSettings(undefined, {}));
    expect(r.error).toBeUndefined();
    return Object.fromEntries((r.result as Settings).jupyter.users.map(u => [u.name, u.hostPort]));
}

async function rejected(config: Record<string, string>): Promise<string> {
    const run = await runWithMocks(config, () => deploy(loadSettings(undefined, {})));
    expect(run.declared).toEqual([]);
    expect(run.error?.name).toBe("ConfigError");
    return run.error!.message;
}

test("a user's port comes from their name: adding or removing others, in the middle too, moves no one", async () => {
    const three = await ports(["alice", "bob", "carol"]);
    // Pinned: a change of how ports are picked would move every user's notebook.
    expect(three).toEqual({ alice: 9368, bob: 9133, carol: 9051 });
    expect(await ports(["alice", "carol"])).toEqual({ alice: 9368, carol: 9051 });
    expect(await ports(["dave", "carol", "alice"])).toMatchObject({ alice: 9368, carol: 9051 });
    // It follows jupyterHostPort, the one setting it depends on.
    expect(await ports(["alice"], { jupyterHostPort: "18888" })).toEqual({ alice: 19368 });
});

test("an entry's own port wins, with the other parts of the grammar or alone", async () => {
    expect(await ports(["alice:1001:1001=8901", "bob=20000", "carol"])).toEqual({ alice: 8901, bob: 20000, carol: 9051 });
    // No port follows jupyterHostPort 65535: explicit ports still fit.
    expect(await ports(["alice=9000"], { jupyterHostPort: "65535" })).toEqual({ alice: 9000 });
});

describe("a port clash is refused at preview, naming the key, the value, what is accepted and the way out", () => {
    const GRAMMAR =
        '"<name>[:<uid>[:<gid>]][@<node>][=<port>]" with a lowercase name (letters, digits, dashes), e.g. "alice:1001:1001@2=8901"';
    test.each<[string, Record<string, string>, string]>([
        [
            "two users given one port",
            { jupyterUsers: '["alice=8901", "bob:1002=8901", "carol=8902"]' },
            'dsenv:jupyterUsers: got "bob", expected a port of its own ("alice" has 8901 too): end "bob"\'s entry in dsenv:jupyterUsers with =<port> (e.g. =8903; without one, its port is picked from the name)',
        ],
        // u35 and u48 are two names whose picked ports are the same.
        [
            "two names whose picked ports are the same",
            { jupyterUsers: '["u35", "u48"]' },
            'dsenv:jupyterUsers: got "u48", expected a port of its own ("u35" has 9709 too): end "u48"\'s entry in dsenv:jupyterUsers with =<port> (e.g. =9710; without one, its port is picked from the name)',
        ],
        [
            "a user on the MySQL port",
            { jupyterUsers: '["alice"]', mysqlHostPort: "9368" },
            'dsenv:jupyterUsers: got "alice", expected a port not already published by dsenv:mysqlHostPort (9368): end "alice"\'s entry in dsenv:jupyterUsers with =<port> (e.g. =9369; without one, its port is picked from the name), or set dsenv:mysqlHostPort to another',
        ],
        [
            "a workload on a user's port",
            {
                jupyterUsers: '["bob"]',
                rstudioEnabled: "true",
                rstudioDownloadUrl: "https://downloads.example.com/rstudio-server-2024.12.1-563-amd64.deb",
                rstudioGpus: "",
                rstudioHostPort: "9133",
            },
            'dsenv:rstudioHostPort: got 9133, expected a host port not already published by dsenv:jupyterUsers (the notebook of "bob"): another, or end "bob"\'s entry in dsenv:jupyterUsers with =<port> (e.g. =9134; without one, its port is picked from the name)',
        ],
        [
            "one name twice, reported once",
            { jupyterUsers: '["alice", "alice:1002"]' },
            'dsenv:jupyterUsers: got ["alice","alice:1002"], expected each name once ("alice" is listed twice)',
        ],
        [
            "a port out of range",
            { jupyterUsers: '["alice=70000"]' },
            `dsenv:jupyterUsers: got "alice=70000", expected ${GRAMMAR}, with a port from 1 to 65535`,
        ],
        [
            "no port to pick after jupyterHostPort",
            { jupyterUsers: '["alice"]', jupyterHostPort: "65535" },
            `dsenv:jupyterUsers: got "alice", expected ${GRAMMAR} with a port: no port follows dsenv:jupyterHostPort (65535) to pick one from`,
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });
});

test("with the hub, the users' notebooks publish no port of their own: their picked ports may meet", async () => {
    const r = await runWithMocks({ jupyterUsers: '["u35", "u48"]', jupyterHub: "true", jupyterHubAdmins: '["u35"]' }, () =>
        loadSettings(undefined, {}),
    );
    expect(r.error).toBeUndefined();
});
