// A stand-in for GitHub's REST API: repository webhooks (hooks, their configuration, pings, tests,
// deliveries and redeliveries), commit statuses and `GET /meta`. It is as strict as GitHub where
// the project depends on GitHub's behaviour: each refusal answers with GitHub's status and message
// (the source of each is named where it is made). Anything else answers 404 (GitHub's error body)
// and is logged, so nothing passes silently.
//
// The routes are served at the root (like api.github.com) and under /api/v3/ (like GitHub
// Enterprise Server, which is how go-github's WithEnterpriseURLs(base, base) and the github
// provider with a `baseUrl` other than api.github.com address a host).
//
// Sources: GitHub's OpenAPI description (github/rest-api-description, operations repos/*-webhook*,
// repos/*-commit-status*, meta/get), go-github (repos_hooks.go, repos_hooks_configuration.go,
// repos_hooks_deliveries.go, repos_statuses.go, meta.go) and GitHub's docs on webhooks and rate limits.
import { createHash, createHmac, randomUUID } from "crypto";
import * as http from "http";
import * as https from "https";
import { AddressInfo, isIP } from "net";

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
    repositoryId: number;
    active: boolean;
    events: string[];
    config: HookConfig;
    created_at: string;
    updated_at: string;
}

export interface Repository {
    readonly id: number;
    readonly owner: string;
    readonly name: string;
}

export interface Delivery {
    id: number;
    guid: string;
    hookId: number;
    repositoryId: number;
    event: string;
    action: string | null;
    /** True for a redelivery (`POST .../deliveries/{id}/attempts`): same guid, a new id. */
    redelivery: boolean;
    /** Where it was sent: the hook's URL at the time. */
    url: string;
    /** The receiver's HTTP status; 0 when GitHub got none (no connection, or no answer within the timeout). */
    statusCode: number;
    /** GitHub's status text: "OK", "Invalid HTTP Response: 400", "failed to connect to host", "Service Timeout". */
    status: string;
    durationMs: number;
    deliveredAt: string;
    requestHeaders: Record<string, string>;
    payload: unknown;
    responseHeaders: Record<string, string>;
    responseBody: string;
    /** The exact body sent, and its X-Hub-Signature-256: what a receiver must verify. */
    body: string;
    signature256: string;
}

export interface CommitStatus {
    id: number;
    state: "pending" | "success" | "error" | "failure";
    description: string | null;
    target_url: string | null;
    context: string;
    created_at: string;
    updated_at: string;
}

export interface PushOptions {
    ref?: string;
    before: string;
    after: string;
    message?: string;
}

/** A repository permission as a fine-grained personal access token names it. */
export type Access = "read" | "write";

/**
 * What a token may do. GitHub answers a fine-grained personal access token that lacks a permission
 * with 403 "Resource not accessible by personal access token", and a classic token whose user has no
 * admin rights on the repository with 404 on the hook routes (they exist only for admins).
 */
export interface TokenGrant {
    readonly type: "fine-grained" | "classic";
    /** "Webhooks" (fine-grained); for a classic token, whether its user is an admin of the repositories. */
    readonly webhooks?: Access;
    /** "Commit statuses" (fine-grained); for a classic token, whether it may write statuses. */
    readonly statuses?: Access;
}

/** How the next requests are refused, as GitHub refuses a client over its primary or secondary rate limit. */
export interface RateLimitRefusal {
    readonly limit: "primary" | "secondary";
    /** GitHub answers either 403 or 429 (REST docs, "Rate limits for the REST API"). */
    readonly status: 403 | 429;
    /** Secondary limit: the `retry-after` header, in seconds. */
    readonly retryAfter?: number;
    /** Primary limit: seconds until `x-ratelimit-reset`. */
    readonly resetIn?: number;
}

export interface GitHubApiOptions {
    port?: number;
    /** The token with every permission (a repository admin's). Without any token, requests are not authenticated. */
    token?: string;
    /** The repositories that exist; every other owner/name answers 404 as on GitHub. */
    repositories?: readonly { owner: string; name: string; id?: number }[];
    /** How long a delivery waits for the receiver's answer: GitHub waits 10 s. Tests shorten it. */
    deliveryTimeoutMs?: number;
}

// GitHub's webhook User-Agent is "GitHub-Hookshot/" and a short hex version.
const HookshotAgent = "GitHub-Hookshot/5a4d1f0";
const DocsRoot = "https://docs.github.com/rest";
const HookDocs = `${DocsRoot}/repos/webhooks`;
const StatusDocs = `${DocsRoot}/commits/statuses`;
const RateLimitDocs = `${DocsRoot}/overview/rate-limits-for-the-rest-api`;
/** GitHub's limit: at most 20 webhooks per event per repository ("About webhooks"). */
export const MaxHooksPerEvent = 20;
/** GitHub's limit on statuses per SHA and context (create-a-commit-status). */
const MaxStatusesPerContext = 1000;
const PrimaryLimit = 5000;

type Json = unknown;
export interface Reply { status: number; body?: Json; headers?: Record<string, string>; rateLimited?: boolean }

/**
 * Extension point (issue 17): routes served by other modules through this server, after its own
 * (same authentication, rate limits and headers), with the caller's token and grant.
 */
export interface ExtensionRequest {
    readonly method: string;
    /** Without the /api/v3 prefix. */
    readonly path: string;
    readonly query: URLSearchParams;
    readonly input: Record<string, unknown>;
    readonly prefix: string;
    readonly token?: string;
    readonly grant: TokenGrant;
}
export type ExtensionRoute = (req: ExtensionRequest) => Reply | undefined | Promise<Reply | undefined>;
/** A service on the same host outside the REST API (GHES serves /_services/... there): gets the raw request. */
export type HostService = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void | Promise<void>;
interface HookRoute {
    /** The anchor of the operation in GitHub's docs (for documentation_url). */
    readonly doc: string;
    readonly write: boolean;
    handle(ctx: RequestContext, repo: Repository, hook: Hook | undefined): Reply;
}
interface RequestContext {
    method: string;
    path: string;
    query: URLSearchParams;
    input: Record<string, unknown>;
    prefix: string;
    grant: TokenGrant;
}

function ghError(status: number, message: string, documentationUrl = DocsRoot, extra: Record<string, unknown> = {}): Reply {
    return { status, body: { message, ...extra, documentation_url: documentationUrl, status: String(status) } };
}

/** GitHub's 422 for a failed validation: `{"message":"Validation Failed","errors":[...]}`. */
function validationFailed(errors: Record<string, unknown>[], documentationUrl: string): Reply {
    return ghError(422, "Validation Failed", documentationUrl, { errors });
}

function hookError(message: string): Record<string, unknown> {
    return { resource: "Hook", code: "custom", message };
}

const notFound = (documentationUrl = DocsRoot) => ghError(404, "Not Found", documentationUrl);

export class GitHubApi {
    private readonly repositories = new Map<string, Repository>();
    private readonly hooks = new Map<number, Hook>();
    private readonly grants = new Map<string, TokenGrant>();
    private readonly statuses = new Map<string, CommitStatus[]>();
    private readonly commits = new Map<number, Set<string>>();
    private readonly branches = new Map<number, Map<string, string>>();
    private readonly lastPush = new Map<number, Record<string, unknown>>();
    private readonly refusals: RateLimitRefusal[] = [];
    private hookRanges: string[] = ["127.0.0.0/8", "::1/128"];
    private nextRepositoryId = 700000001;
    private nextHookId = 400000001;
    private nextDeliveryId = 1;
    private nextStatusId = 9000000001;
    private rate = { used: 0, reset: Math.floor(Date.now() / 1000) + 3600 };
    readonly deliveries: Delivery[] = [];
    readonly unknownRoutes: string[] = [];
    /** Every API request, as "METHOD /path status", so tests can see what a client called. */
    readonly requests: string[] = [];
    private readonly pending = new Set<Promise<unknown>>();
    private readonly extensions: ExtensionRoute[] = [];
    private readonly services: { prefix: string; serve: HostService }[] = [];
    private readonly pushListeners: ((owner: string, repo: string, push: PushOptions) => void)[] = [];
    private readonly deliveryTimeoutMs: number;

    private constructor(private readonly server: http.Server, readonly url: string, token: string | undefined, opts: GitHubApiOptions) {
        this.deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 10000;
        if (token !== undefined) this.grants.set(token, { type: "classic", webhooks: "write", statuses: "write" });
        for (const r of opts.repositories ?? []) this.addRepository(r.owner, r.name, r.id);
    }

    static async start(opts: GitHubApiOptions = {}): Promise<GitHubApi> {
        const holder: { api?: GitHubApi } = {};
        const server = http.createServer((req, res) => void holder.api?.handle(req, res));
        await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
        const { port } = server.address() as AddressInfo;
        holder.api = new GitHubApi(server, `http://127.0.0.1:${port}/`, opts.token, opts);
        return holder.api;
    }

    /** Serves more REST routes (consulted after this stand-in's own). */
    addRoutes(route: ExtensionRoute): void {
        this.extensions.push(route);
    }

    /** Serves another service on this host under `prefix` (e.g. "/_services/token/"), before authentication. */
    addHostService(prefix: string, serve: HostService): void {
        this.services.push({ prefix, serve });
    }

    /** Called for every push GitHub learns of (deliverPush), after the hooks are sent. */
    onPush(listener: (owner: string, repo: string, push: PushOptions) => void): void {
        this.pushListeners.push(listener);
    }

    /** Makes a repository exist (GitHub answers 404 for any other); returns it with its numeric id. */
    addRepository(owner: string, name: string, id?: number): Repository {
        const existing = this.repository(owner, name);
        if (existing) return existing;
        const repo: Repository = { id: id ?? this.nextRepositoryId++, owner, name };
        this.repositories.set(repoKey(owner, name), repo);
        this.commits.set(repo.id, new Set());
        this.branches.set(repo.id, new Map());
        return repo;
    }

    repository(owner: string, name: string): Repository | undefined {
        return this.repositories.get(repoKey(owner, name));
    }

    /** Adds a token with limited rights (see TokenGrant). */
    addToken(token: string, grant: TokenGrant): void {
        this.grants.set(token, grant);
    }

    /** Makes a commit known (GitHub refuses statuses for a SHA it does not have); `branch` moves that branch to it. */
    addCommit(owner: string, name: string, sha: string, branch?: string): void {
        const repo = this.requireRepository(owner, name);
        this.commits.get(repo.id)?.add(sha.toLowerCase());
        if (branch) this.branches.get(repo.id)?.set(branch.replace(/^refs\/heads\//, ""), sha.toLowerCase());
    }

    /** The `hooks` CIDR ranges `GET /meta` lists (where deliveries come from). */
    setHookRanges(cidrs: readonly string[]): void {
        for (const c of cidrs) if (!isCidr(c)) throw new Error(`not a CIDR range: ${c}`);
        this.hookRanges = [...cidrs];
    }

    /** The next `count` requests are refused as GitHub refuses a client over a rate limit. */
    refuseNext(count: number, refusal: RateLimitRefusal): void {
        for (let i = 0; i < count; i++) this.refusals.push(refusal);
    }

    listHooks(owner: string, repo: string): Hook[] {
        const r = this.repository(owner, repo);
        return r ? [...this.hooks.values()].filter((h) => h.repositoryId === r.id) : [];
    }

    getHook(id: number): Hook | undefined {
        return this.hooks.get(id);
    }

    /** Commit statuses of a SHA, newest first, as GitHub lists them. */
    listStatuses(owner: string, repo: string, sha: string): CommitStatus[] {
        const r = this.repository(owner, repo);
        return r ? [...(this.statuses.get(`${r.id}:${sha.toLowerCase()}`) ?? [])] : [];
    }

    /**
     * What GitHub does after a push: the commits become known, the branch moves, and `push` is
     * delivered to every active hook of the repository subscribed to it.
     */
    async deliverPush(owner: string, repo: string, push: PushOptions): Promise<Delivery[]> {
        const r = this.requireRepository(owner, repo);
        const ref = push.ref ?? "refs/heads/main";
        this.addCommit(owner, repo, push.after, ref.startsWith("refs/heads/") ? ref : undefined);
        const payload = pushPayload(r.owner, r.name, push, r.id);
        this.lastPush.set(r.id, payload);
        const hooks = this.listHooks(owner, repo).filter((h) => h.active && subscribed(h, "push"));
        const deliveries = hooks.map((h) => this.deliver(h, "push", payload));
        for (const l of this.pushListeners) l(r.owner, r.name, { ...push, ref });
        return Promise.all(deliveries);
    }

    /** Delivers any event to one hook, subscribed or not (to show what a receiver does with events it does not accept). */
    deliverEvent(hookId: number, event: string, payload: unknown, signWith?: string): Promise<Delivery> {
        const hook = this.hooks.get(hookId);
        if (!hook) throw new Error(`no hook ${hookId}`);
        return this.deliver(hook, event, payload, { signWith });
    }

    /** Waits for deliveries in flight (the ping GitHub sends on creation is asynchronous). */
    async idle(): Promise<void> {
        while (this.pending.size > 0) await Promise.all([...this.pending]);
    }

    async close(): Promise<void> {
        await this.idle();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    private requireRepository(owner: string, name: string): Repository {
        const r = this.repository(owner, name);
        if (!r) throw new Error(`the GitHub stand-in has no repository ${owner}/${name} (addRepository first)`);
        return r;
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
        const body = await readBody(req);
        const url = new URL(req.url ?? "/", "http://localhost");
        const service = this.services.find((s) => url.pathname.startsWith(s.prefix));
        if (service) return void (await service.serve(req, res, body));
        const method = req.method ?? "GET";
        // GitHub Enterprise Server serves the REST API under /api/v3/.
        const prefix = url.pathname.startsWith("/api/v3/") ? "/api/v3" : "";
        const path = url.pathname.slice(prefix.length).replace(/\/+$/, "") || "/";
        const send = (r: Reply) => this.send(req, res, method, url.pathname, r);

        const auth = req.headers.authorization ?? "";
        const presented = /^(?:bearer|token)\s+(.+)$/i.exec(auth)?.[1];
        let grant: TokenGrant = { type: "classic", webhooks: "write", statuses: "write" };
        if (this.grants.size > 0) {
            const known = presented === undefined ? undefined : this.grants.get(presented);
            if (presented !== undefined && !known) return send(ghError(401, "Bad credentials", DocsRoot));
            // Unauthenticated: GitHub hides what needs rights behind 404; /meta is public.
            grant = known ?? { type: "classic" };
        }

        const refusal = this.refusals.shift();
        if (refusal) return send(this.rateLimited(refusal));
        if (this.rate.used >= PrimaryLimit) return send(this.rateLimited({ limit: "primary", status: 403 }));

        let input: Record<string, unknown> = {};
        if (body.length > 0) {
            try {
                input = JSON.parse(body.toString()) as Record<string, unknown>;
            } catch {
                return send(ghError(400, "Problems parsing JSON", DocsRoot));
            }
            if (typeof input !== "object" || input === null || Array.isArray(input)) return send(ghError(400, "Problems parsing JSON", DocsRoot));
        }
        const ctx: RequestContext = { method, path, query: url.searchParams, input, prefix, grant };
        let reply = this.route(ctx);
        for (const extension of this.extensions) reply ??= await extension({ ...ctx, token: presented });
        if (!reply) {
            this.unknownRoutes.push(`${method} ${url.pathname}`);
            console.error(`[github-api stand-in] no such route: ${method} ${url.pathname} (404)`);
            return send(notFound());
        }
        return send(reply);
    }

    private rateLimited(r: RateLimitRefusal): Reply {
        const status = r.status;
        if (r.limit === "secondary") {
            // GitHub's words for a secondary rate limit (REST docs; knplabs/php-github-api#1070).
            const reply = ghError(status, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", RateLimitDocs);
            return { ...reply, rateLimited: true, headers: { "Retry-After": String(r.retryAfter ?? 60) } };
        }
        const reset = Math.floor(Date.now() / 1000) + (r.resetIn ?? 60);
        const reply = ghError(status, "API rate limit exceeded for user ID 1.", RateLimitDocs);
        return { ...reply, rateLimited: true, headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset) } };
    }

    /** Writes the reply with GitHub's headers: rate limits, an ETag, and 304 for a matching If-None-Match. */
    private send(req: http.IncomingMessage, res: http.ServerResponse, method: string, pathname: string, r: Reply): void {
        const now = Math.floor(Date.now() / 1000);
        if (now >= this.rate.reset) this.rate = { used: 0, reset: now + 3600 };
        const text = r.body === undefined ? undefined : JSON.stringify(r.body);
        const etag = text === undefined ? undefined : `W/"${createHash("sha256").update(text).digest("hex").slice(0, 40)}"`;
        const notModified = method === "GET" && r.status === 200 && etag !== undefined && matchesEtag(req.headers["if-none-match"], etag);
        // A 304 does not count against the primary rate limit (GitHub's REST docs), nor does a refusal for the limit.
        if (!notModified && !r.rateLimited) this.rate.used++;
        const status = notModified ? 304 : r.status;
        this.requests.push(`${method} ${pathname} ${status}`);
        const headers: Record<string, string> = {
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": randomUUID().toUpperCase().slice(0, 23),
            "X-RateLimit-Limit": String(PrimaryLimit),
            "X-RateLimit-Remaining": String(Math.max(0, PrimaryLimit - this.rate.used)),
            "X-RateLimit-Reset": String(this.rate.reset),
            "X-RateLimit-Used": String(this.rate.used),
            "X-RateLimit-Resource": "core",
            ...(etag ? { ETag: etag } : {}),
            ...(text !== undefined && !notModified ? { "Content-Type": "application/json; charset=utf-8" } : {}),
            ...r.headers,
        };
        res.writeHead(status, headers);
        res.end(notModified ? undefined : text);
    }

    private route(ctx: RequestContext): Reply | undefined {
        const { method, path } = ctx;
        if (path === "/meta" && method === "GET") return { status: 200, body: this.meta() };
        if (path === "/rate_limit" && method === "GET") return { status: 200, body: this.rateLimitBody() };

        const hooks = /^\/repos\/([^/]+)\/([^/]+)\/hooks(?:\/(\d+)(?:\/(config|pings|tests|deliveries)(?:\/(\d+)(?:\/(attempts))?)?)?)?$/.exec(path);
        if (hooks) {
            const [, owner, name, idText, sub, deliveryText, attempts] = hooks;
            const route = this.hookRoute(method, idText, sub, deliveryText, attempts);
            if (!route) return undefined;
            const repo = this.repository(decodeURIComponent(owner), decodeURIComponent(name));
            if (!repo) return notFound(`${HookDocs}#${route.doc}`);
            const denied = this.deny(ctx.grant, "webhooks", route.write, `${HookDocs}#${route.doc}`);
            if (denied) return denied;
            const hook = idText === undefined ? undefined : this.hooks.get(Number(idText));
            if (idText !== undefined && (!hook || hook.repositoryId !== repo.id)) return notFound(`${HookDocs}#${route.doc}`);
            return route.handle(ctx, repo, hook);
        }

        const listStatuses = /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)\/statuses$/.exec(path);
        const createStatus = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(path);
        if ((listStatuses && method === "GET") || (createStatus && method === "POST")) {
            const [, owner, name, ref] = (listStatuses ?? createStatus) as RegExpExecArray;
            const doc = listStatuses ? `${StatusDocs}#list-commit-statuses-for-a-reference` : `${StatusDocs}#create-a-commit-status`;
            const repo = this.repository(decodeURIComponent(owner), decodeURIComponent(name));
            if (!repo) return notFound(doc);
            const denied = this.deny(ctx.grant, "statuses", Boolean(createStatus), doc);
            if (denied) return denied;
            return listStatuses ? this.listStatusesRoute(ctx, repo, decodeURIComponent(ref)) : this.createStatusRoute(ctx, repo, decodeURIComponent(ref));
        }
        return undefined;
    }

    /** The hook routes GitHub has, by method and path shape; undefined for anything else. */
    private hookRoute(method: string, id: string | undefined, sub: string | undefined, delivery: string | undefined, attempts: string | undefined): HookRoute | undefined {
        if (id === undefined) {
            if (method === "GET") return { doc: "list-repository-webhooks", write: false, handle: (ctx, repo) => this.listHooksRoute(ctx, repo) };
            if (method === "POST") return { doc: "create-a-repository-webhook", write: true, handle: (ctx, repo) => this.createHookRoute(ctx, repo) };
            return undefined;
        }
        if (sub === undefined) {
            if (method === "GET") return { doc: "get-a-repository-webhook", write: false, handle: (ctx, _r, hook) => ({ status: 200, body: this.view(hook as Hook, ctx.prefix) }) };
            if (method === "PATCH") return { doc: "update-a-repository-webhook", write: true, handle: (ctx, repo, hook) => this.updateHookRoute(ctx, repo, hook as Hook) };
            if (method === "DELETE") return { doc: "delete-a-repository-webhook", write: true, handle: (_c, _r, hook) => this.deleteHookRoute(hook as Hook) };
            return undefined;
        }
        if (sub === "config" && delivery === undefined) {
            if (method === "GET") return { doc: "get-a-webhook-configuration-for-a-repository", write: false, handle: (_c, _r, hook) => ({ status: 200, body: configView((hook as Hook).config) }) };
            if (method === "PATCH") return { doc: "update-a-webhook-configuration-for-a-repository", write: true, handle: (ctx, repo, hook) => this.updateHookConfigRoute(ctx, repo, hook as Hook) };
            return undefined;
        }
        if (sub === "pings" && delivery === undefined && method === "POST") return { doc: "ping-a-repository-webhook", write: true, handle: (ctx, _r, hook) => this.pingRoute(ctx, hook as Hook) };
        if (sub === "tests" && delivery === undefined && method === "POST") return { doc: "test-the-push-repository-webhook", write: true, handle: (_c, _r, hook) => this.testRoute(hook as Hook) };
        if (sub === "deliveries") {
            if (delivery === undefined && method === "GET") return { doc: "list-deliveries-for-a-repository-webhook", write: false, handle: (ctx, _r, hook) => this.listDeliveriesRoute(ctx, hook as Hook) };
            if (delivery !== undefined && attempts === undefined && method === "GET") return { doc: "get-a-delivery-for-a-repository-webhook", write: false, handle: (_c, _r, hook) => this.getDeliveryRoute(hook as Hook, Number(delivery)) };
            if (delivery !== undefined && attempts !== undefined && method === "POST") return { doc: "redeliver-a-delivery-for-a-repository-webhook", write: true, handle: (_c, _r, hook) => this.redeliverRoute(hook as Hook, Number(delivery)) };
        }
        return undefined;
    }

    /** GitHub's answer to a token without the permission, or undefined when it has it. */
    private deny(grant: TokenGrant, permission: "webhooks" | "statuses", write: boolean, doc: string): Reply | undefined {
        const has = grant[permission];
        if (has === "write" || (has === "read" && !write)) return undefined;
        if (grant.type === "fine-grained") return ghError(403, "Resource not accessible by personal access token", doc);
        return notFound(doc);
    }

    // ---- hooks -------------------------------------------------------------------------------

    private listHooksRoute(ctx: RequestContext, repo: Repository): Reply {
        const all = [...this.hooks.values()].filter((h) => h.repositoryId === repo.id);
        return { status: 200, body: paginate(all, ctx.query).map((h) => this.view(h, ctx.prefix)) };
    }

    private createHookRoute(ctx: RequestContext, repo: Repository): Reply {
        const doc = `${HookDocs}#create-a-repository-webhook`;
        const input = ctx.input;
        // The only hook name the API takes is "web" (422 with field "name", code "invalid": hashicorp/terraform#18907).
        if (input.name !== undefined && input.name !== "web") return validationFailed([{ resource: "Hook", code: "invalid", field: "name" }], doc);
        const shape = schemaProblem(input, ["events"], ["active"]);
        if (shape) return ghError(422, shape, doc);
        const config = input.config as Record<string, unknown> | undefined;
        const configProblem = checkConfig(config, true, doc);
        if (configProblem) return configProblem;
        const events = (input.events as string[] | undefined) ?? ["push"];
        const cfg = replacedConfig(config as Record<string, unknown>);
        const conflict = this.conflicts(repo, undefined, cfg.url, events, doc);
        if (conflict) return conflict;
        const now = new Date().toISOString();
        const created: Hook = {
            id: this.nextHookId++, owner: repo.owner, repo: repo.name, repositoryId: repo.id,
            active: input.active === undefined ? true : input.active === true,
            events: [...new Set(events)], config: cfg, created_at: now, updated_at: now,
        };
        this.hooks.set(created.id, created);
        const view = this.view(created, ctx.prefix);
        // GitHub pings a new hook right after creating it, unless it is inactive.
        if (created.active) void this.deliver(created, "ping", this.pingPayload(created, ctx.prefix));
        return { status: 201, body: view, headers: { Location: String(view.url) } };
    }

    private updateHookRoute(ctx: RequestContext, repo: Repository, hook: Hook): Reply {
        const doc = `${HookDocs}#update-a-repository-webhook`;
        const input = ctx.input;
        const shape = schemaProblem(input, ["events", "add_events", "remove_events"], ["active"]);
        if (shape) return ghError(422, shape, doc);
        let config = hook.config;
        if (input.config !== undefined) {
            const problem = checkConfig(input.config as Record<string, unknown>, true, doc);
            if (problem) return problem;
            // `config` replaces the whole configuration: GitHub's docs say a secret not sent again is
            // removed, and content_type / insecure_ssl fall back to their documented defaults.
            config = replacedConfig(input.config as Record<string, unknown>);
        }
        let events = (input.events as string[] | undefined) ?? hook.events;
        events = [...new Set([...events, ...((input.add_events as string[] | undefined) ?? [])])];
        const remove = new Set((input.remove_events as string[] | undefined) ?? []);
        events = events.filter((e) => !remove.has(e));
        const conflict = this.conflicts(repo, hook.id, config.url, events, doc);
        if (conflict) return conflict;
        hook.config = config;
        hook.events = events;
        if (input.active !== undefined) hook.active = input.active === true;
        hook.updated_at = new Date().toISOString();
        return { status: 200, body: this.view(hook, ctx.prefix) };
    }


    /** `PATCH .../hooks/{id}/config` changes only the fields sent; the rest (the secret too) is kept. */
    private updateHookConfigRoute(ctx: RequestContext, repo: Repository, hook: Hook): Reply {
        const doc = `${HookDocs}#update-a-webhook-configuration-for-a-repository`;
        const problem = checkConfig(ctx.input, false, doc);
        if (problem) return problem;
        const merged = { ...hook.config, ...ctx.input };
        const next = replacedConfig(merged);
        if (ctx.input.secret === undefined && hook.config.secret !== undefined) next.secret = hook.config.secret;
        const conflict = this.conflicts(repo, hook.id, next.url, hook.events, doc);
        if (conflict) return conflict;
        hook.config = next;
        hook.updated_at = new Date().toISOString();
        return { status: 200, body: configView(hook.config) };
    }

    private deleteHookRoute(hook: Hook): Reply {
        this.hooks.delete(hook.id);
        return { status: 204 };
    }

    private pingRoute(ctx: RequestContext, hook: Hook): Reply {
        if (hook.active) void this.deliver(hook, "ping", this.pingPayload(hook, ctx.prefix));
        return { status: 204 };
    }

    /** "Test the push repository webhook": the latest push again, if the hook is subscribed to push; 204 either way. */
    private testRoute(hook: Hook): Reply {
        const latest = this.lastPush.get(hook.repositoryId);
        if (latest && hook.active && subscribed(hook, "push")) void this.deliver(hook, "push", latest);
        return { status: 204 };
    }

    private listDeliveriesRoute(ctx: RequestContext, hook: Hook): Reply {
        let list = this.deliveries.filter((d) => d.hookId === hook.id).reverse();
        const status = ctx.query.get("status");
        if (status === "success") list = list.filter((d) => d.status === "OK");
        else if (status === "failure") list = list.filter((d) => d.status !== "OK");
        // GitHub pages deliveries with an opaque cursor (Link: rel="next"); here it is the last id seen.
        const cursor = ctx.query.get("cursor");
        if (cursor) list = list.filter((d) => d.id < Number(cursor));
        const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
        const page = list.slice(0, perPage);
        const headers: Record<string, string> = {};
        if (list.length > perPage) {
            const next = `${this.url.replace(/\/$/, "")}${ctx.prefix}/repos/${hook.owner}/${hook.repo}/hooks/${hook.id}/deliveries?per_page=${perPage}&cursor=${page[page.length - 1].id}`;
            headers.Link = `<${next}>; rel="next"`;
        }
        return { status: 200, body: page.map(deliveryItem), headers };
    }

    private getDeliveryRoute(hook: Hook, deliveryId: number): Reply {
        const d = this.deliveries.find((x) => x.id === deliveryId && x.hookId === hook.id);
        if (!d) return notFound(`${HookDocs}#get-a-delivery-for-a-repository-webhook`);
        return {
            status: 200,
            body: {
                ...deliveryItem(d),
                url: d.url,
                request: { headers: d.requestHeaders, payload: d.payload },
                response: { headers: d.responseHeaders, payload: d.responseBody },
            },
        };
    }

    /**
     * A redelivery is a new delivery (new id, `redelivery: true`) with the same guid (X-GitHub-Delivery,
     * GitHub's docs, "Best practices for using webhooks") and payload, sent with the hook's current
     * configuration (URL, content type, secret), as GitHub's "Redeliver" does.
     */
    private redeliverRoute(hook: Hook, deliveryId: number): Reply {
        const d = this.deliveries.find((x) => x.id === deliveryId && x.hookId === hook.id);
        if (!d) return notFound(`${HookDocs}#redeliver-a-delivery-for-a-repository-webhook`);
        void this.deliver(hook, d.event, d.payload, { guid: d.guid, redelivery: true });
        return { status: 202, body: {} };
    }

    /**
     * "Each webhook should have a unique config. Multiple webhooks can share the same config as long
     * as those webhooks do not have any events that overlap" (create-a-repository-webhook), refused
     * with "Hook already exists on this repository" (OnToology/OnToology#68, square/kochiku#20, an
     * update). And at most 20 hooks per event: 'The "push" event cannot have more than 20 hooks',
     * one error per event (the text GitHub returned in grafana/grafana#127638 and #129007).
     */
    private conflicts(repo: Repository, selfId: number | undefined, url: string, events: readonly string[], doc: string): Reply | undefined {
        const others = [...this.hooks.values()].filter((h) => h.repositoryId === repo.id && h.id !== selfId);
        if (others.some((h) => h.config.url === url && h.events.some((e) => events.includes(e)))) {
            return validationFailed([hookError("Hook already exists on this repository")], doc);
        }
        const full = events.filter((e) => others.filter((h) => h.events.includes(e)).length >= MaxHooksPerEvent);
        if (full.length > 0) return validationFailed(full.map((e) => hookError(`The "${e}" event cannot have more than ${MaxHooksPerEvent} hooks`)), doc);
        return undefined;
    }

    // ---- commit statuses ---------------------------------------------------------------------

    private listStatusesRoute(ctx: RequestContext, repo: Repository, ref: string): Reply {
        const sha = this.resolveRef(repo, ref);
        const list = sha ? this.statuses.get(`${repo.id}:${sha}`) ?? [] : [];
        return { status: 200, body: paginate(list, ctx.query).map((s) => this.statusView(repo, s)) };
    }

    private createStatusRoute(ctx: RequestContext, repo: Repository, sha: string): Reply {
        const doc = `${StatusDocs}#create-a-commit-status`;
        const input = ctx.input;
        const state = input.state;
        const errors: Record<string, unknown>[] = [];
        // GitHub's words: virt-s1/rhel-edge#163 (state), zalando/zappr#378 (description).
        if (typeof state !== "string" || !["pending", "success", "error", "failure"].includes(state)) {
            errors.push({ resource: "Status", code: "custom", field: "state", message: "state is not included in the list" });
        }
        if (typeof input.description === "string" && [...input.description].length > 140) {
            errors.push({ resource: "Status", code: "custom", field: "description", message: "description is too long (maximum is 140 characters)" });
        }
        if (errors.length > 0) return validationFailed(errors, doc);
        const known = this.resolveRef(repo, sha);
        // "No commit found for SHA: <sha>" (rust-lang/homu#141).
        if (!known) return ghError(422, `No commit found for SHA: ${sha}`, doc);
        const context = typeof input.context === "string" && input.context !== "" ? input.context : "default";
        const key = `${repo.id}:${known}`;
        const list = this.statuses.get(key) ?? [];
        if (list.filter((s) => s.context === context).length >= MaxStatusesPerContext) {
            return ghError(422, "This SHA and context has reached the maximum number of statuses.", doc);
        }
        const now = new Date().toISOString();
        const created: CommitStatus = {
            id: this.nextStatusId++, state: state as CommitStatus["state"],
            description: typeof input.description === "string" ? input.description : null,
            target_url: typeof input.target_url === "string" ? input.target_url : null,
            context, created_at: now, updated_at: now,
        };
        // GitHub lists a reference's statuses in reverse chronological order.
        this.statuses.set(key, [created, ...list]);
        return { status: 201, body: this.statusView(repo, created) };
    }

    /** A full SHA, a branch name or refs/heads/<branch>, as GitHub resolves a reference. */
    private resolveRef(repo: Repository, ref: string): string | undefined {
        const lower = ref.toLowerCase();
        if (this.commits.get(repo.id)?.has(lower)) return lower;
        return this.branches.get(repo.id)?.get(ref.replace(/^refs\/heads\//, "").replace(/^heads\//, ""));
    }

    private statusView(repo: Repository, s: CommitStatus): Record<string, unknown> {
        return {
            url: `${this.url}repos/${repo.owner}/${repo.name}/statuses/${s.id}`,
            avatar_url: null, id: s.id, node_id: `SC_${s.id}`, state: s.state, description: s.description,
            target_url: s.target_url, context: s.context, created_at: s.created_at, updated_at: s.updated_at,
            creator: { login: "sandbox", id: 1, type: "User" },
        };
    }

    // ---- meta --------------------------------------------------------------------------------

    /** GitHub's `GET /meta` shape; every range here is the sandbox's (loopback), `hooks` set by setHookRanges. */
    private meta(): Record<string, unknown> {
        const loopback = ["127.0.0.1/32", "::1/128"];
        return {
            verifiable_password_authentication: true,
            ssh_key_fingerprints: {
                SHA256_ECDSA: "p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
                SHA256_ED25519: "+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU",
                SHA256_RSA: "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
            },
            ssh_keys: [],
            hooks: [...this.hookRanges],
            web: loopback, api: loopback, git: loopback, github_enterprise_importer: loopback,
            packages: loopback, pages: loopback, importer: loopback, actions: loopback, actions_macos: loopback,
            codespaces: loopback, dependabot: loopback, copilot: loopback,
            domains: { website: ["127.0.0.1"], codespaces: [], copilot: [], packages: [], actions: [], actions_inbound: { full_domains: [], wildcard_domains: [] }, artifact_attestations: { trust_domain: "", services: [] } },
        };
    }

    private rateLimitBody(): Record<string, unknown> {
        const core = { limit: PrimaryLimit, used: this.rate.used, remaining: Math.max(0, PrimaryLimit - this.rate.used), reset: this.rate.reset };
        return { resources: { core }, rate: core };
    }

    // ---- views and deliveries ----------------------------------------------------------------

    /** The hook as GitHub shows it: the secret is never returned. */
    private view(h: Hook, prefix: string): Record<string, unknown> {
        const api = `${this.url.replace(/\/$/, "")}${prefix}/repos/${h.owner}/${h.repo}/hooks/${h.id}`;
        const last = [...this.deliveries].reverse().find((d) => d.hookId === h.id);
        return {
            type: "Repository", id: h.id, name: "web", active: h.active, events: h.events,
            config: configView(h.config),
            updated_at: h.updated_at, created_at: h.created_at,
            url: api, test_url: `${api}/test`, ping_url: `${api}/pings`, deliveries_url: `${api}/deliveries`,
            last_response: last
                ? { code: last.statusCode, status: last.status === "OK" ? "active" : "failed", message: last.status === "OK" ? "OK" : last.status }
                : { code: null, status: "unused", message: null },
        };
    }

    private pingPayload(h: Hook, prefix: string): Record<string, unknown> {
        const repo = this.repositories.get(repoKey(h.owner, h.repo)) as Repository;
        return {
            zen: "Design for failure.",
            hook_id: h.id,
            hook: this.view(h, prefix),
            repository: repositoryPayload(h.owner, h.repo, repo.id),
            sender: { login: h.owner, type: "User" },
        };
    }

    private deliver(h: Hook, event: string, payload: unknown, opts: { signWith?: string; guid?: string; redelivery?: boolean } = {}): Promise<Delivery> {
        const p = this.sendDelivery(h, event, payload, opts);
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
        return p;
    }

    private async sendDelivery(h: Hook, event: string, payload: unknown, opts: { signWith?: string; guid?: string; redelivery?: boolean }): Promise<Delivery> {
        const json = JSON.stringify(payload);
        const body = h.config.content_type === "form" ? `payload=${encodeURIComponent(json)}` : json;
        const secret = opts.signWith ?? h.config.secret;
        const signature256 = secret ? `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` : "";
        const guid = opts.guid ?? randomUUID();
        const headers: Record<string, string> = {
            Accept: "*/*",
            "User-Agent": HookshotAgent,
            "Content-Type": h.config.content_type === "form" ? "application/x-www-form-urlencoded" : "application/json",
            "Content-Length": String(Buffer.byteLength(body)),
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": String(h.id),
            "X-GitHub-Hook-Installation-Target-Type": "repository",
            "X-GitHub-Hook-Installation-Target-ID": String(h.repositoryId),
            ...(secret ? { "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`, "X-Hub-Signature-256": signature256 } : {}),
        };
        const started = Date.now();
        const result = await post(h.config.url, headers, body, h.config.insecure_ssl === "1", this.deliveryTimeoutMs);
        const action = typeof (payload as { action?: unknown } | null)?.action === "string" ? (payload as { action: string }).action : null;
        const d: Delivery = {
            id: this.nextDeliveryId++, guid, hookId: h.id, repositoryId: h.repositoryId, event, action,
            redelivery: opts.redelivery ?? false, url: h.config.url,
            statusCode: result.status, status: result.statusText, durationMs: Date.now() - started,
            deliveredAt: new Date(started).toISOString(), requestHeaders: headers, payload,
            responseHeaders: result.headers, responseBody: result.text, body, signature256,
        };
        this.deliveries.push(d);
        return d;
    }
}

/** A delivery as "List deliveries for a repository webhook" shows it (go-github HookDelivery). */
function deliveryItem(d: Delivery): Record<string, unknown> {
    return {
        id: d.id, guid: d.guid, delivered_at: d.deliveredAt, redelivery: d.redelivery, duration: d.durationMs / 1000,
        status: d.status, status_code: d.statusCode, event: d.event, action: d.action,
        installation_id: null, repository_id: d.repositoryId, throttled_at: null,
    };
}

function configView(c: HookConfig): Record<string, unknown> {
    return { content_type: c.content_type, insecure_ssl: c.insecure_ssl, url: c.url, ...(c.secret ? { secret: "********" } : {}) };
}

function repoKey(owner: string, name: string): string {
    // "The name is not case sensitive" (owner and repo path parameters).
    return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}

function subscribed(h: Hook, event: string): boolean {
    return h.events.includes(event) || h.events.includes("*");
}

function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
    const strip = (t: string) => t.trim().replace(/^W\//, "");
    return String(header ?? "").split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

function paginate<T>(list: readonly T[], query: URLSearchParams): T[] {
    const perPage = Math.min(100, Math.max(1, Number(query.get("per_page") ?? 30) || 30));
    const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
    return list.slice((page - 1) * perPage, page * perPage);
}

/**
 * GitHub's schema validation answer (422 "Invalid request.\n\nFor 'properties/events', ... is not an
 * array.", as in CenterForOpenScience/osf.io#4974), or undefined.
 */
function schemaProblem(input: Record<string, unknown>, arrays: readonly string[], booleans: readonly string[]): string | undefined {
    for (const k of arrays) {
        const v = input[k];
        if (v !== undefined && (!Array.isArray(v) || v.some((e) => typeof e !== "string"))) return `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(v)} is not an array.`;
    }
    for (const k of booleans) {
        const v = input[k];
        if (v !== undefined && typeof v !== "boolean") return `Invalid request.\n\nFor 'properties/${k}', ${JSON.stringify(v)} is not a boolean.`;
    }
    if (input.config !== undefined && (typeof input.config !== "object" || input.config === null || Array.isArray(input.config))) {
        return `Invalid request.\n\nFor 'properties/config', ${JSON.stringify(input.config)} is not an object.`;
    }
    return undefined;
}

/** The 422 GitHub gives a hook configuration it refuses, or undefined. */
function checkConfig(config: Record<string, unknown> | undefined, urlRequired: boolean, doc: string): Reply | undefined {
    if (config === undefined || config.url === undefined || config.url === "") {
        if (!urlRequired) return undefined;
        return validationFailed([hookError("Missing required keys from config: url")], doc);
    }
    let parsed: URL;
    try {
        parsed = new URL(String(config.url));
        if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
    } catch {
        // GitHub's words for a URL it cannot use (tektoncd/experimental#387).
        return validationFailed([hookError("The URL you've entered is not valid. Please make sure that you encode all special characters first")], doc);
    }
    const host = parsed.hostname.toLowerCase();
    if (host === "localhost" || host.endsWith(".localhost")) {
        // GitHub's body (ubccpsc/classy#327). Private and loopback IP addresses are accepted: github.com
        // takes them and never delivers; the sandbox is all loopback, so this stand-in delivers to them.
        return validationFailed([hookError(`Sorry, the URL host ${host} is not supported because it isn't reachable over the public Internet`)], doc);
    }
    if (config.content_type !== undefined && config.content_type !== "json" && config.content_type !== "form") {
        return validationFailed([{ resource: "Hook", code: "invalid", field: "content_type" }], doc);
    }
    const insecure = config.insecure_ssl;
    if (insecure !== undefined && !["0", "1", 0, 1].includes(insecure as string | number)) {
        return validationFailed([{ resource: "Hook", code: "invalid", field: "insecure_ssl" }], doc);
    }
    if (config.secret !== undefined && typeof config.secret !== "string") return validationFailed([{ resource: "Hook", code: "invalid", field: "secret" }], doc);
    return undefined;
}

/** A whole configuration from what was sent, with GitHub's documented defaults (form, "0", no secret). */
function replacedConfig(c: Record<string, unknown>): HookConfig {
    const insecure = c.insecure_ssl;
    return {
        url: String(c.url),
        content_type: c.content_type === "json" ? "json" : "form",
        insecure_ssl: insecure === "1" || insecure === 1 ? "1" : "0",
        ...(typeof c.secret === "string" && c.secret !== "" ? { secret: c.secret } : {}),
    };
}

function isCidr(c: string): boolean {
    const [addr, bits, ...rest] = c.split("/");
    const v = isIP(addr);
    const n = Number(bits);
    return rest.length === 0 && v !== 0 && /^\d+$/.test(bits ?? "") && n <= (v === 4 ? 32 : 128);
}

function repositoryPayload(owner: string, repo: string, id: number): Record<string, unknown> {
    return {
        id, name: repo, full_name: `${owner}/${repo}`, private: false,
        owner: { login: owner, name: owner, type: "Organization" },
        html_url: `https://github.com/${owner}/${repo}`, clone_url: `https://github.com/${owner}/${repo}.git`,
        ssh_url: `git@github.com:${owner}/${repo}.git`, default_branch: "main", master_branch: "main",
    };
}

export function pushPayload(owner: string, repo: string, p: PushOptions, repositoryId = 1): Record<string, unknown> {
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
        repository: repositoryPayload(owner, repo, repositoryId),
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

interface PostResult { status: number; statusText: string; text: string; headers: Record<string, string> }

/**
 * POSTs a delivery. GitHub records a delivery without an HTTP answer with status_code 0 and says
 * why: "failed to connect to host" (composer/packagist#1664, leg100/otf#331) or "Service Timeout"
 * after 10 s without an answer (cla-assistant/cla-assistant#490; "Handling failed webhook deliveries").
 */
function post(target: string, headers: Record<string, string>, body: string, insecure: boolean, timeoutMs: number): Promise<PostResult> {
    return new Promise((resolve) => {
        const url = new URL(target);
        const lib = url.protocol === "https:" ? https : http;
        let settled = false;
        const done = (r: PostResult) => {
            if (!settled) {
                settled = true;
                clearTimeout(timer);
                resolve(r);
            }
        };
        const req = lib.request(url, { method: "POST", headers, ...(url.protocol === "https:" ? { rejectUnauthorized: !insecure } : {}) }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const status = res.statusCode ?? 0;
                const responseHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));
                done({ status, statusText: status >= 200 && status < 300 ? "OK" : `Invalid HTTP Response: ${status}`, text: Buffer.concat(chunks).toString().slice(0, 2000), headers: responseHeaders });
            });
            res.on("error", () => done({ status: 0, statusText: "failed to connect to host", text: "", headers: {} }));
        });
        // The whole exchange must finish in time, as on GitHub (not just the socket's idle time).
        const timer = setTimeout(() => {
            done({ status: 0, statusText: "Service Timeout", text: "", headers: {} });
            req.destroy();
        }, timeoutMs);
        req.on("error", () => done({ status: 0, statusText: "failed to connect to host", text: "", headers: {} }));
        req.end(body);
    });
}
