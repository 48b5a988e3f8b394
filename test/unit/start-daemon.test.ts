import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// scripts/toolchain/lib.sh start_daemon: how the toolchain starts dockerd and the
// test registries. The caller (scripts/test.sh) reads the toolchain's output
// through $(...) and may hold a flock: the daemon must leave both behind, or the
// caller waits as long as the daemon lives (a fresh machine's CI hung there).

const REPO = path.join(__dirname, "..", "..");

/** Starts a `sleep` daemon through start_daemon inside $(...) while holding a lock; what it left open. */
function startFromCommandSubstitution(how: "program" | "function"): {
    status: number | null;
    said: string;
    pid: number;
    files: string[];
    log: string;
} {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-start-daemon-"));
    // The daemon records its pid, says something (to its log) and stays.
    const daemon = `sh -c 'echo $$ >"$0/pid"; echo started; exec sleep 300' "${dir}"`;
    const command = how === "function" ? `as_root ${daemon}` : `setsid ${daemon}`;
    const script = `
        set -euo pipefail
        source scripts/toolchain/lib.sh
        exec 9>"${dir}/lock"
        said=$(start_daemon "${dir}/daemon.log" ${command})
        echo "said:$said"`;
    const r = spawnSync("bash", ["-c", script], {
        cwd: REPO,
        env: { ...process.env, DSENV_CACHE: dir },
        encoding: "utf8",
        timeout: 20_000,
    });
    // Read once the daemon has said its line (its pid is written just before).
    const read = (file: string) => (fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file), "utf8") : "");
    for (let i = 0; i < 50 && !read("daemon.log"); i++) spawnSync("sleep", ["0.1"]);
    const pid = Number(read("pid"));
    const log = read("daemon.log");
    const fdDir = `/proc/${pid}/fd`;
    const files = pid && fs.existsSync(fdDir) ? fs.readdirSync(fdDir).map(fd => fs.readlinkSync(path.join(fdDir, fd))) : [];
    if (pid) spawnSync("kill", [String(pid)]);
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, said: r.stdout.trim(), pid, files, log };
}

describe("start_daemon: a daemon that keeps none of its caller's files", () => {
    for (const how of ["program", "function"] as const) {
        test(`started as a ${how} from inside $(...): the caller goes on, the daemon runs with only its log and /dev/null`, () => {
            const r = startFromCommandSubstitution(how);
            // status null = killed by the 20 s timeout: $(...) waited for the daemon.
            expect(r.status).toBe(0);
            expect(r.said).toBe("said:");
            expect(r.pid).toBeGreaterThan(0);
            expect(r.log).toBe("started\n");
            expect(r.files.length).toBeGreaterThan(0);
            for (const file of r.files) expect(file).toMatch(/^(\/dev\/null|.*\/daemon\.log)$/);
        });
    }
});
