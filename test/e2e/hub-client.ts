import * as http from "http";
import { waitFor } from "./harness";

/** One HTTP answer, with the cookies it set. */
interface Answer {
    status: number;
    body: string;
    location?: string;
    cookies: Record<string, string>;
}

function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers }, res => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", chunk => (body += chunk));
            res.on("end", () => {
                const cookies = Object.fromEntries(
                    (res.headers["set-cookie"] ?? [])
                        .map(c => c.split(";")[0])
                        .map(c => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1)]),
                );
                resolve({ status: res.statusCode ?? 0, body, location: res.headers.location, cookies });
            });
        });
        req.on("error", reject);
        req.end(opts.body);
    });
}

/**
 * A person at the hub, as a browser is: the login form (with its _xsrf field
 * and cookie), the session cookies it sets, and a token of their own made with
 * that session (POST /hub/api/users/<name>/tokens), which JupyterHub's REST API
 * and their server's API then take.
 */
export class HubUserSession {
    private cookies: Record<string, string> = {};
    token?: string;

    constructor(
        readonly hubUrl: string,
        readonly name: string,
    ) {}

    private cookieHeader(): string {
        return Object.entries(this.cookies)
            .map(([k, v]) => `${k}=${v}`)
            .join("; ");
    }

    /** Logs in with the form; resolves with the login's HTTP status (302 when it succeeded). */
    async login(password: string): Promise<number> {
        const page = await request(`${this.hubUrl}hub/login`);
        Object.assign(this.cookies, page.cookies);
        const xsrf = /name="_xsrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
        const form = new URLSearchParams({ username: this.name, password, _xsrf: xsrf }).toString();
        const answer = await request(`${this.hubUrl}hub/login`, {
            method: "POST",
            headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: this.cookieHeader() },
            body: form,
        });
        Object.assign(this.cookies, answer.cookies);
        if (answer.status === 302) {
            const made = await request(`${this.hubUrl}hub/api/users/${this.name}/tokens`, {
                method: "POST",
                headers: { Cookie: this.cookieHeader(), "X-XSRFToken": this.cookies._xsrf ?? xsrf, "Content-Type": "application/json" },
                body: JSON.stringify({ note: "e2e" }),
            });
            if (made.status !== 201) throw new Error(`making ${this.name}'s token: HTTP ${made.status} ${made.body}`);
            this.token = JSON.parse(made.body).token;
        }
        return answer.status;
    }

    /** A request with their token, to the hub's API (`hub/api/...`) or a server (`user/<name>/...`). */
    api(pathAndQuery: string, method = "GET", body?: unknown): Promise<Answer> {
        return request(`${this.hubUrl}${pathAndQuery}`, {
            method,
            headers: { Authorization: `token ${this.token}`, "Content-Type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
    }

    /** Asks the hub to start their server; resolves with the hub's answer (201/202 started, or the refusal). */
    startServer(): Promise<Answer> {
        return this.api(`hub/api/users/${this.name}/server`, "POST", {});
    }

    /** Their server as the hub sees it (undefined: not running). */
    async server(): Promise<{ ready: boolean; pending: string | null; url: string } | undefined> {
        const user = JSON.parse((await this.api(`hub/api/users/${this.name}`)).body);
        return user.servers?.[""];
    }

    /** Waits until their server is ready behind the hub; its URL. */
    async ready(timeoutMs = 240_000): Promise<string> {
        const server = await waitFor(
            `${this.name}'s server to be ready`,
            async () => ((await this.server())?.ready ? await this.server() : undefined),
            timeoutMs,
            2000,
        );
        return `${this.hubUrl}${server!.url.replace(/^\//, "")}`;
    }
}
