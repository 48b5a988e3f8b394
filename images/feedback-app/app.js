// The feedback app, with no dependencies: a form, and each feedback
// saved as /app/feedback/<title>.txt. The feedback directory is a named volume,
// so what is saved survives the container; the rest of /app may be read-only.
const fs = require("fs");
const http = require("http");
const path = require("path");

const FEEDBACK_DIR = path.join(__dirname, "feedback");
const PORT = Number(process.env.PORT || 80);
// Optional, from the .env file as a secret: guards the list of all feedback.
const ADMIN_TOKEN = process.env.ADMIN_TOKEN || "";

const FORM = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Feedback</title></head><body>
<h1>Your feedback</h1>
<form method="POST" action="/create">
<p><label>Title <input name="title" required></label></p>
<p><label>Text <textarea name="text" required></textarea></label></p>
<p><button>Save</button></p>
</form></body></html>`;

/** A file name from a title: letters, digits, dash and underscore only. */
function fileName(title) {
    const safe = String(title)
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, "-")
        .replace(/^-+|-+$/g, "");
    return safe ? `${safe}.txt` : undefined;
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        let body = "";
        req.on("data", chunk => {
            body += chunk;
            if (body.length > 100_000) reject(new Error("too large"));
        });
        req.on("end", () => resolve(body));
        req.on("error", reject);
    });
}

function send(res, status, type, body) {
    res.writeHead(status, { "Content-Type": type });
    res.end(body);
}

async function handle(req, res) {
    const url = new URL(req.url, "http://localhost");
    if (req.method === "GET" && url.pathname === "/health") return send(res, 200, "text/plain", "ok\n");
    if (req.method === "GET" && url.pathname === "/") return send(res, 200, "text/html", FORM);
    if (req.method === "POST" && url.pathname === "/create") {
        const form = new URLSearchParams(await readBody(req));
        const name = fileName(form.get("title") || "");
        if (!name) return send(res, 400, "text/plain", "a title with letters or digits is needed\n");
        const target = path.join(FEEDBACK_DIR, name);
        if (fs.existsSync(target)) return send(res, 409, "text/plain", `feedback ${name} exists already\n`);
        // Written beside the target and renamed: a reader never sees half a file.
        const temp = path.join(FEEDBACK_DIR, `.${name}.${process.pid}.tmp`);
        fs.writeFileSync(temp, form.get("text") || "");
        fs.renameSync(temp, target);
        return send(res, 201, "text/plain", `saved ${name}\n`);
    }
    if (req.method === "GET" && url.pathname.startsWith("/feedback/")) {
        const name = fileName(path.basename(url.pathname, ".txt"));
        const file = name && path.join(FEEDBACK_DIR, name);
        if (!file || !fs.existsSync(file)) return send(res, 404, "text/plain", "no such feedback\n");
        return send(res, 200, "text/plain", fs.readFileSync(file));
    }
    if (req.method === "GET" && url.pathname === "/feedback") {
        if (!ADMIN_TOKEN || req.headers.authorization !== `Bearer ${ADMIN_TOKEN}`)
            return send(res, 401, "text/plain", "needs the admin token\n");
        const names = fs.readdirSync(FEEDBACK_DIR).filter(n => n.endsWith(".txt"));
        return send(res, 200, "application/json", JSON.stringify(names));
    }
    send(res, 404, "text/plain", "not found\n");
}

fs.mkdirSync(FEEDBACK_DIR, { recursive: true });
const server = http.createServer((req, res) => handle(req, res).catch(e => send(res, 500, "text/plain", `${e.message}\n`)));
server.listen(PORT, () => console.log(`feedback app listening on ${PORT}`));
// docker stop sends SIGTERM to PID 1, which node does not handle by default.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
