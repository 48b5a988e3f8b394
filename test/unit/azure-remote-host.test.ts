import { exchangeForAcrRefreshToken } from "../../components/azure/registry-login";
import { fetchPullToken, ProbeResult, waitUntilReady } from "../../components/azure/remote-host";

/** A probe that answers from a script, and a clock that advances only when waited on. */
function scripted(answers: ProbeResult[]) {
    let t = 0;
    let calls = 0;
    return {
        probe: async () => answers[Math.min(calls++, answers.length - 1)],
        now: () => t,
        sleep: async (ms: number) => void (t += ms),
        calls: () => calls,
    };
}
const down: ProbeResult = { connected: false, lines: [], error: "ssh: connect to host 20.61.7.9 port 22: Connection refused\n" };
const up = (...lines: string[]): ProbeResult => ({ connected: true, lines, error: "" });
const REQUIRED = ["cloud-init-finished", "setup-done", "docker-answers", "nvidia-runtime"];

describe("waiting for the VM", () => {
    test("keeps probing through refused connections and a half-done set-up, then passes", async () => {
        const s = scripted([down, down, up("docker-answers"), up("cloud-init-finished", "setup-done", "docker-answers", "nvidia-runtime")]);
        const lines = await waitUntilReady(s.probe, {
            required: REQUIRED,
            fatal: "setup-failed",
            timeoutMs: 600_000,
            pollMs: 10_000,
            now: s.now,
            sleep: s.sleep,
        });
        expect(lines).toEqual(REQUIRED);
        expect(s.calls()).toBe(4);
    });

    test("gives up at the deadline and says what was missing", async () => {
        const s = scripted([up("cloud-init-finished", "setup-done", "docker-answers")]);
        await expect(
            waitUntilReady(s.probe, { required: REQUIRED, timeoutMs: 60_000, pollMs: 10_000, now: s.now, sleep: s.sleep }),
        ).rejects.toThrow("the VM was not ready after 60 s (still missing: nvidia-runtime)");
        expect(s.calls()).toBe(7);
    });

    test("reports ssh's own error when the VM never answered", async () => {
        const s = scripted([down]);
        await expect(
            waitUntilReady(s.probe, { required: REQUIRED, timeoutMs: 20_000, pollMs: 10_000, now: s.now, sleep: s.sleep }),
        ).rejects.toThrow("the VM was not ready after 20 s (ssh failed: ssh: connect to host 20.61.7.9 port 22: Connection refused)");
    });

    test("stops at once when the set-up failed, with cloud-init's log", async () => {
        const s = scripted([up("cloud-init-finished", "setup-failed", "E: Unable to locate package nvidia-container-toolkit")]);
        await expect(
            waitUntilReady(s.probe, {
                required: REQUIRED,
                fatal: "setup-failed",
                timeoutMs: 600_000,
                pollMs: 10_000,
                now: s.now,
                sleep: s.sleep,
            }),
        ).rejects.toThrow("the VM reports setup-failed:\ncloud-init-finished\nE: Unable to locate package nvidia-container-toolkit");
        expect(s.calls()).toBe(1);
    });
});

describe("the registry token exchange", () => {
    test("posts the Entra ID token to the registry's /oauth2/exchange and returns the refresh token", async () => {
        const seen: [string, RequestInit | undefined][] = [];
        const fake = (async (url: string, init?: RequestInit) => {
            seen.push([url, init]);
            return new Response(JSON.stringify({ refresh_token: "acr-refresh" }), { status: 200 });
        }) as unknown as typeof fetch;
        expect(await exchangeForAcrRefreshToken("myacr12.azurecr.io", "aad.jwt", "tenant-1", fake)).toBe("acr-refresh");
        expect(seen).toEqual([
            [
                "https://myacr12.azurecr.io/oauth2/exchange",
                {
                    method: "POST",
                    headers: { "Content-Type": "application/x-www-form-urlencoded" },
                    body: "grant_type=access_token&service=myacr12.azurecr.io&access_token=aad.jwt&tenant=tenant-1",
                },
            ],
        ]);
    });

    test("a refusal names the registry and the missing role, never the token", async () => {
        const fake = (async () => new Response("unauthorized", { status: 401 })) as unknown as typeof fetch;
        const error = await exchangeForAcrRefreshToken("myacr12.azurecr.io", "aad.jwt.secret", undefined, fake).catch(e => e as Error);
        expect((error as Error).message).toBe(
            "myacr12.azurecr.io refused the Azure token (HTTP 401): does the identity running Pulumi have AcrPush (or Contributor) on the registry?",
        );
        expect((error as Error).message).not.toContain("aad.jwt");
    });
});

describe("the VM's pull token", () => {
    const target = { host: "20.61.7.9", user: "dsenv", privateKeyPath: "/k", knownHostsPath: "/kh", hostKeyAlias: "dsenv-unit-vm" };
    const answers = (results: ProbeResult[]) => {
        const s = scripted(results);
        return { s, opts: { run: s.probe, now: s.now, sleep: s.sleep, timeoutMs: 60_000, pollMs: 10_000 } };
    };
    const notYet: ProbeResult = {
        connected: true,
        status: 3,
        lines: [],
        error: "this VM's identity may not pull dsenv/jupyter from r.azurecr.io yet (AcrPull takes minutes to apply)\n",
    };

    test("waits while the identity may not pull yet, then returns the token", async () => {
        const { s, opts } = answers([notYet, notYet, { connected: true, status: 0, lines: ["token-1"], error: "" }]);
        expect(await fetchPullToken(target, "acr-refresh-token r.azurecr.io dsenv/jupyter", opts)).toBe("token-1");
        expect(s.calls()).toBe(3);
    });

    test("gives up at the deadline with the VM's reason", async () => {
        const { opts } = answers([notYet]);
        await expect(fetchPullToken(target, "acr-refresh-token r.azurecr.io dsenv/jupyter", opts)).rejects.toThrow(
            "the VM's managed identity could not pull from the registry after 1 minutes: this VM's identity may not pull dsenv/jupyter from r.azurecr.io yet (AcrPull takes minutes to apply)",
        );
    });

    test("a VM that does not answer (deallocated) fails fast, saying what to do", async () => {
        const { s, opts } = answers([down]);
        await expect(fetchPullToken(target, "acr-refresh-token r.azurecr.io", opts)).rejects.toThrow(
            "the VM 20.61.7.9 does not answer over ssh (ssh: connect to host 20.61.7.9 port 22: Connection refused): if it is deallocated, start it",
        );
        expect(s.calls()).toBe(3);
    });
});
