// A stand-in for GitHub's REST API, answering only the real routes for repository webhooks.
// Anything else answers 404 (GitHub's error body) and is logged, so nothing passes silently.
// Like GitHub it pings a hook when it is created, signs every delivery with the hook's secret and
// keeps each delivery with its response code ("Recent deliveries"); it delivers `push` on request.
import { createHmac, randomUUID } from "crypto";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";

export interface HookConfig {
    url: string;
    content_type: "json" | "form";
    insecure_ssl: "0" | "1";
    secret?: string;
}

export interface Hook {
    id: number;
    owner: string;
    repo: string;
    active: boolean;
    events: string[];
    config: HookConfig;
    created_at: string;
    updated_at: string;
}

export interface Delivery {
    id: number;
    guid: string;
    hookId: number;
    event: string;
    url: string;
    statusCode: number;
    durationMs: number;
    deliveredAt: string;
    responseBody: string;
    /** The exact body sent, and its X-Hub-Signature-256: what a receiver must verify. */
    body: string;
    signature256: string;
}

export interface PushOptions {
    ref?: string;
    before: string;
    after: string;
    message?: string;
}

const HookshotAgent = "GitHub-Hookshot/flux-push-sandbox";

export class GitHubApi {
    private readonly hooks = new Map<number, Hook>();
    private nextHookId = 400000001;
    private nextDeliveryId = 1;
    readonly deliveries: Delivery[] = [];
    readonly unknownRoutes: string[] = [];
    /** Every API request, as "METHOD /path status", so tests can see what a provider called. */
    readonly requests: string[] = [];
    private readonly pending = new Set<Promise<unknown>>();

    private constructor(private readonly server: http.Server, readonly url: string, private readonly token?: string) {}

    static async start(opts: { port?: number; token?: string } = {}): Promise<GitHubApi> {
        const holder: { api?: GitHubApi } = {};
        const server = http.createServer((req, res) => void holder.api?.handle(req, res));
        await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        holder.api = new GitHubApi(server, `http://127.0.0.1:${port}/`, opts.token);
        return holder.api;
    }

    listHooks(owner: string, repo: string): Hook[] {
        return [...this.hooks.values()].filter((h) => h.owner === owner && h.repo === repo);
    }

    getHook(id: number): Hook | undefined {
        return this.hooks.get(id);
    }

    /** Delivers `push` to every active hook of the repository subscribed to it, as GitHub does after a push. */
    async deliverPush(owner: string, repo: string, push: PushOptions): Promise<Delivery[]> {
        const hooks = this.listHooks(owner, repo).filter((h) => h.active && (h.events.includes("push") || h.events.includes("*")));
        return Promise.all(hooks.map((h) => this.deliver(h, "push", pushPayload(owner, repo, push))));
    }

    /** Delivers any event to one hook (used to show what a receiver does with events it does not accept). */
    deliverEvent(hookId: number, event: string, payload: unknown, signWith?: string): Promise<Delivery> {
        const hook = this.hooks.get(hookId);
        if (!hook) throw new Error(`no hook ${hookId}`);
        return this.deliver(hook, event, payload, signWith);
    }

    /** Waits for deliveries in flight (the ping GitHub sends on creation is asynchronous). */
    async idle(): Promise<void> {
        while (this.pending.size > 0) await Promise.all([...this.pending]);
    }

    async close(): Promise<void> {
        await this.idle();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const body = await readBody(req);
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        const reply = (status: number, json?: unknown) => {
            this.requests.push(`${method} ${url.pathname} ${status}`);
            res.writeHead(status, json === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" });
            res.end(json === undefined ? undefined : JSON.stringify(json));
        };
        const auth = req.headers.authorization ?? "";
        if (this.token !== undefined && auth !== `Bearer ${this.token}` && auth !== `token ${this.token}`) {
            return reply(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" });
        }
        const m = /^\/repos\/([^/]+)\/([^/]+)\/hooks(?:\/(\d+)(?:\/(pings|deliveries))?)?\/?$/.exec(url.pathname);
        if (!m) return this.notFound(method, url.pathname, reply);
        const [, owner, repo, idText, sub] = m;
        const id = idText === undefined ? undefined : Number(idText);
        const hook = id === undefined ? undefined : this.hooks.get(id);
        if (id !== undefined && (!hook || hook.owner !== owner || hook.repo !== repo)) {
            return reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest/repos/webhooks", status: "404" });
        }
        let input: Record<string, unknown> = {};
        if (body.length > 0) {
            try {
                input = JSON.parse(body.toString()) as Record<string, unknown>;
            } catch {
                return reply(400, { message: "Problems parsing JSON", status: "400" });
            }
        }
        if (id === undefined && method === "GET") return reply(200, this.listHooks(owner, repo).map((h) => this.view(h)));
        if (id === undefined && method === "POST") {
            const problem = validateHookInput(input, true);
            if (problem) return reply(422, { message: "Validation Failed", errors: [{ resource: "Hook", code: "custom", message: problem }], status: "422" });
            const now = new Date().toISOString();
            const created: Hook = {
                id: this.nextHookId++,
                owner,
                repo,
                active: input.active === undefined ? true : Boolean(input.active),
                events: (input.events as string[] | undefined) ?? ["push"],
                config: normalizeConfig(input.config as Record<string, unknown>),
                created_at: now,
                updated_at: now,
            };
            this.hooks.set(created.id, created);
            reply(201, this.view(created));
            // GitHub pings a new hook right after creating it.
            void this.deliver(created, "ping", this.pingPayload(created));
            return;
        }
        if (hook && sub === undefined && method === "GET") return reply(200, this.view(hook));
        if (hook && sub === undefined && method === "PATCH") {
            const problem = validateHookInput(input, false);
            if (problem) return reply(422, { message: "Validation Failed", errors: [{ resource: "Hook", code: "custom", message: problem }], status: "422" });
            if (input.config !== undefined) {
                const next = normalizeConfig({ ...hook.config, ...(input.config as Record<string, unknown>) });
                // GitHub keeps the old secret unless a new one is sent.
                hook.config = { ...next, secret: (input.config as { secret?: string }).secret ?? hook.config.secret };
            }
            if (input.events !== undefined) hook.events = input.events as string[];
            if (input.active !== undefined) hook.active = Boolean(input.active);
            hook.updated_at = new Date().toISOString();
            return reply(200, this.view(hook));
        }
        if (hook && sub === undefined && method === "DELETE") {
            this.hooks.delete(hook.id);
            return reply(204);
        }
        if (hook && sub === "pings" && method === "POST") {
            void this.deliver(hook, "ping", this.pingPayload(hook));
            return reply(204);
        }
        if (hook && sub === "deliveries" && method === "GET") {
            return reply(200, this.deliveries.filter((d) => d.hookId === hook.id).reverse().map((d) => ({
                id: d.id, guid: d.guid, delivered_at: d.deliveredAt, redelivery: false, duration: d.durationMs / 1000,
                status: d.statusCode >= 200 && d.statusCode < 300 ? "OK" : `Invalid HTTP Response: ${d.statusCode}`,
                status_code: d.statusCode, event: d.event, action: null, installation_id: null, repository_id: null,
            })));
        }
        return this.notFound(method, url.pathname, reply);
    }

    private notFound(method: string, path: string, reply: (s: number, j?: unknown) => void): void {
        this.unknownRoutes.push(`${method} ${path}`);
        console.error(`[github-api stand-in] no such route: ${method} ${path} (404)`);
        reply(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" });
    }

    /** The hook as GitHub shows it: the secret is never returned. */
    private view(h: Hook): Record<string, unknown> {
        const api = `${this.url}repos/${h.owner}/${h.repo}/hooks/${h.id}`;
        const last = [...this.deliveries].reverse().find((d) => d.hookId === h.id);
        return {
            type: "Repository", id: h.id, name: "web", active: h.active, events: h.events,
            config: { url: h.config.url, content_type: h.config.content_type, insecure_ssl: h.config.insecure_ssl, ...(h.config.secret ? { secret: "********" } : {}) },
            updated_at: h.updated_at, created_at: h.created_at,
            url: api, test_url: `${api}/test`, ping_url: `${api}/pings`, deliveries_url: `${api}/deliveries`,
            last_response: last ? { code: last.statusCode, status: last.statusCode < 300 ? "active" : "failed", message: null } : { code: null, status: "unused", message: null },
        };
    }

    private pingPayload(h: Hook): unknown {
        return {
            zen: "Design for failure.",
            hook_id: h.id,
            hook: { type: "Repository", id: h.id, name: "web", active: h.active, events: h.events, config: { url: h.config.url, content_type: h.config.content_type, insecure_ssl: h.config.insecure_ssl } },
            repository: repositoryPayload(h.owner, h.repo),
            sender: { login: h.owner, type: "User" },
        };
    }

    private deliver(h: Hook, event: string, payload: unknown, signWith?: string): Promise<Delivery> {
        const p = this.send(h, event, payload, signWith);
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
        return p;
    }

    private async send(h: Hook, event: string, payload: unknown, signWith?: string): Promise<Delivery> {
        const json = JSON.stringify(payload);
        const body = h.config.content_type === "form" ? `payload=${encodeURIComponent(json)}` : json;
        const secret = signWith ?? h.config.secret;
        const signature256 = secret ? `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` : "";
        const headers: Record<string, string> = {
            "User-Agent": HookshotAgent,
            "Content-Type": h.config.content_type === "form" ? "application/x-www-form-urlencoded" : "application/json",
            "Content-Length": String(Buffer.byteLength(body)),
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": randomUUID(),
            "X-GitHub-Hook-ID": String(h.id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": "1",
            ...(secret ? { "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`, "X-Hub-Signature-256": signature256 } : {}),
        };
        const started = Date.now();
        const { status, text } = await post(h.config.url, headers, body, h.config.insecure_ssl === "1");
        const d: Delivery = {
            id: this.nextDeliveryId++, guid: headers["X-GitHub-Delivery"], hookId: h.id, event, url: h.config.url,
            statusCode: status, durationMs: Date.now() - started, deliveredAt: new Date(started).toISOString(),
            responseBody: text, body, signature256,
        };
        this.deliveries.push(d);
        return d;
    }
}

function validateHookInput(input: Record<string, unknown>, creating: boolean): string | undefined {
    const config = input.config as Record<string, unknown> | undefined;
    if (creating && (config === undefined || typeof config.url !== "string")) return "config.url is required";
    if (config?.url !== undefined && !/^https?:\/\//.test(String(config.url))) return "config.url must be an http(s) URL";
    if (config?.content_type !== undefined && !["json", "form"].includes(String(config.content_type))) return "content_type must be json or form";
    if (input.events !== undefined && (!Array.isArray(input.events) || input.events.length === 0)) return "events must be a non-empty list";
    return undefined;
}

function normalizeConfig(c: Record<string, unknown>): HookConfig {
    const insecure = c.insecure_ssl;
    return {
        url: String(c.url),
        content_type: c.content_type === "json" ? "json" : "form", // GitHub's default is form
        insecure_ssl: insecure === "1" || insecure === 1 || insecure === true ? "1" : "0",
        ...(typeof c.secret === "string" && c.secret !== "" ? { secret: c.secret } : {}),
    };
}

function repositoryPayload(owner: string, repo: string): Record<string, unknown> {
    return {
        id: 1, name: repo, full_name: `${owner}/${repo}`, private: false,
        owner: { login: owner, name: owner, type: "Organization" },
        html_url: `https://github.com/${owner}/${repo}`, clone_url: `https://github.com/${owner}/${repo}.git`,
        ssh_url: `git@github.com:${owner}/${repo}.git`, default_branch: "main", master_branch: "main",
    };
}

export function pushPayload(owner: string, repo: string, p: PushOptions): Record<string, unknown> {
    const ref = p.ref ?? "refs/heads/main";
    const commit = {
        id: p.after, tree_id: p.after, distinct: true, message: p.message ?? "update", timestamp: new Date().toISOString(),
        url: `https://github.com/${owner}/${repo}/commit/${p.after}`,
        author: { name: "sandbox", email: "sandbox@example.com", username: "sandbox" },
        committer: { name: "sandbox", email: "sandbox@example.com", username: "sandbox" },
        added: [], removed: [], modified: [],
    };
    return {
        ref, before: p.before, after: p.after, created: false, deleted: false, forced: false, base_ref: null,
        compare: `https://github.com/${owner}/${repo}/compare/${p.before.slice(0, 12)}...${p.after.slice(0, 12)}`,
        commits: [commit], head_commit: commit,
        repository: repositoryPayload(owner, repo),
        pusher: { name: "sandbox", email: "sandbox@example.com" },
        sender: { login: "sandbox", type: "User" },
    };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

function post(target: string, headers: Record<string, string>, body: string, insecure: boolean): Promise<{ status: number; text: string }> {
    return new Promise((resolve) => {
        const url = new URL(target);
        const lib = url.protocol === "https:" ? https : http;
        const req = lib.request(url, { method: "POST", headers, timeout: 10000, ...(url.protocol === "https:" ? { rejectUnauthorized: !insecure } : {}) }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString().slice(0, 2000) }));
        });
        // GitHub records a failed connection as a delivery without a response code.
        req.on("error", (err) => resolve({ status: 0, text: `connection failed: ${err.message}` }));
        req.on("timeout", () => req.destroy(new Error("timed out")));
        req.end(body);
    });
}
