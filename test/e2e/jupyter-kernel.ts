import * as crypto from "crypto";
import { httpRequest } from "./harness";

/**
 * Runs Python in a new kernel of the Jupyter server at `url` (its base URL,
 * ending in "/") the way JupyterLab does: the REST API starts the kernel (a
 * child of the server, with the server's environment), its websocket carries
 * an execute_request (Jupyter's messaging protocol), and what the code prints
 * comes back on the iopub channel. The kernel is shut down after. Rejects with
 * the kernel's error when the code raises.
 */
export async function runInKernel(url: string, token: string, code: string, timeoutMs = 90_000): Promise<string> {
    const headers = { Authorization: `token ${token}`, "Content-Type": "application/json" };
    const started = await httpRequest(`${url}api/kernels`, { method: "POST", headers, body: "{}" });
    if (started.status !== 201) throw new Error(`starting a kernel: HTTP ${started.status} ${started.body}`);
    const kernel = JSON.parse(started.body).id as string;
    try {
        return await execute(`${url.replace(/^http/, "ws")}api/kernels/${kernel}/channels?token=${token}`, code, timeoutMs);
    } finally {
        await httpRequest(`${url}api/kernels/${kernel}`, { method: "DELETE", headers });
    }
}

interface Message {
    header: { msg_id: string; msg_type: string };
    parent_header: { msg_id?: string };
    channel: string;
    content: Record<string, any>;
}

function execute(wsUrl: string, code: string, timeoutMs: number): Promise<string> {
    const msgId = crypto.randomUUID();
    const request = {
        header: {
            msg_id: msgId,
            username: "e2e",
            session: crypto.randomUUID(),
            date: new Date().toISOString(),
            msg_type: "execute_request",
            version: "5.3",
        },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: false, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        buffers: [],
        channel: "shell",
    };
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(wsUrl);
        let stdout = "";
        let error: string | undefined;
        const done = (fn: () => void) => {
            clearTimeout(timer);
            ws.close();
            fn();
        };
        const timer = setTimeout(
            () => done(() => reject(new Error(`no answer from the kernel in ${timeoutMs} ms (printed so far: ${JSON.stringify(stdout)})`))),
            timeoutMs,
        );
        ws.onopen = () => ws.send(JSON.stringify(request));
        ws.onerror = () => done(() => reject(new Error(`the kernel's websocket ${wsUrl.replace(/token=.*/, "token=...")} failed`)));
        ws.onmessage = event => {
            const msg = JSON.parse(String(event.data)) as Message;
            if (msg.parent_header.msg_id !== msgId || msg.channel !== "iopub") return;
            if (msg.header.msg_type === "stream" && msg.content.name === "stdout") stdout += msg.content.text;
            if (msg.header.msg_type === "error") error = `${msg.content.ename}: ${msg.content.evalue}`;
            // The kernel says it is idle once it has handled the request and sent everything it printed.
            if (msg.header.msg_type === "status" && msg.content.execution_state === "idle")
                done(() => (error ? reject(new Error(error)) : resolve(stdout)));
        };
    });
}
