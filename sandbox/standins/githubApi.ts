// A stand-in for GitHub's REST API: repository webhooks (hooks, their configuration, pings, tests,
// deliveries and redeliveries), commit statuses, `GET /meta` and `GET /rate_limit`. It is as strict
// as GitHub where the project depends on GitHub's behaviour, and no stricter: each refusal answers
// with GitHub's status and message (the source of each is named where it is made), and every body
// it serves or delivers validates against GitHub's own descriptions (@octokit/openapi 23.0.2,
// @octokit/openapi-webhooks 12.1.0: sandbox/tests/githubConformance.test.ts). Anything else answers
// 404 (GitHub's error body) and is logged, so nothing passes silently.
//
// Two flavors, chosen per test (`GitHubApi.start({ flavor })`), differ where GitHub does:
// - "github.com": REST at the root, like api.github.com (a path under /api/v3/ is just a route
//   api.github.com does not have: 404); 20 hooks per event; 10 s delivery timeout; refuses
//   payload URLs on localhost and 127.0.0.1; rate limits always on.
// - "ghes" (GitHub Enterprise Server 3.19): REST only under /api/v3/ (ghes-3.19.json `servers`);
//   every other path is the web UI (a redirect to /login, which answers 200 HTML); 250 hooks per
//   event; 30 s delivery timeout; private and loopback payload URLs accepted (a server on the same
//   private network); rate limiting off unless the site admin turned it on (`rateLimiting: true`).
//
// Sources: GitHub's OpenAPI description (github/rest-api-description), GitHub's docs ("Troubleshooting
// webhooks", "Rate limits for the REST API", the fine-grained token permission table), go-github
// (repos_hooks*.go, repos_statuses.go, meta.go), and the error bodies quoted where they are made.
import { createHash, createHmac, randomBytes, randomUUID } from "crypto";
import * as http from "http";
import * as https from "https";
import { AddressInfo, isIP } from "net";
import { App, GitHubApps, Installation, InstallationToken, looksLikeJwt, permits } from "./githubApps";
import * as tls from "tls";
import { Account, CommitFacts, githubTime, Hosts, nodeId, organizationSimple, pushCommit, repositoryPush, RepositoryFacts, repositoryWebhooks, simpleUser } from "./githubPayloads";

export type Flavor = "github.com" | "ghes";

/** What differs between GitHub.com and GitHub Enterprise Server on the routes the project uses. */
export interface FlavorRules {
    /** Where REST is served on the host: api.github.com at the root, GHES under /api/v3 (ghes-3.19.json `servers`). */
    readonly restPrefix: "" | "/api/v3";
    /** "You can create up to 250 (GHES) / 20 webhooks … for each event type" (Troubleshooting webhooks). */
    readonly maxHooksPerEvent: number;
    /** "did not receive a response from your server within 10 (GitHub.com) / 30 (GHES) seconds" (same page). */
    readonly deliveryTimeoutMs: number;
    /** Payload URL hosts refused with 422: "You cannot use localhost or 127.0.0.1 as a webhook URL" (same page). */
    readonly refusedHosts: (host: string) => boolean;
    /** GitHub.com always limits; GHES only when its site admin enables rate limits ("Configuring rate limits"). */
    readonly rateLimitedByDefault: boolean;
    /** The docs root GitHub names in error bodies. */
    readonly docs: string;
}

const isLocalhostName = (host: string) => host === "localhost" || host.endsWith(".localhost");
/** The GHES release this flavor stands for (ghes-3.19.json). */
export const GhesVersion = "3.19.0";

export const Flavors: Readonly<Record<Flavor, FlavorRules>> = {
    "github.com": {
        restPrefix: "", maxHooksPerEvent: 20, deliveryTimeoutMs: 10000, rateLimitedByDefault: true,
        refusedHosts: (h) => isLocalhostName(h) || h === "127.0.0.1",
        docs: "https://docs.github.com/rest",
    },
    ghes: {
        restPrefix: "/api/v3", maxHooksPerEvent: 250, deliveryTimeoutMs: 30000, rateLimitedByDefault: false,
        // A server on the users' network delivers to private and loopback addresses (the sandbox's
        // receiver is loopback); the `localhost` name is refused as on GitHub.com (ubccpsc/classy#327).
        refusedHosts: isLocalhostName,
        docs: "https://docs.github.com/enterprise-server@3.19/rest",
    },
};

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
    /** GitHub's status text: "OK", "Invalid HTTP Response: 400", "failed to connect to network", "timed out", … */
    status: string;
    durationMs: number;
    /** GitHub's delivered_at (to the second). */
    deliveredAt: string;
    /** When the stand-in began sending it (ms since the epoch): the log's lag counts from here. */
    startedAtMs: number;
    /** When GitHub throttled it (throttleNextDeliveries), else null. */
    throttledAt: string | null;
    requestHeaders: Record<string, string>;
    payload: unknown;
    responseHeaders: Record<string, string>;
    responseBody: string;
    /** The exact body sent, and its X-Hub-Signature-256: what a receiver must verify. */
    body: string;
    signature256: string;
}

export interface CommitStatus {
    /** Who created it: the admin token's user, or an App's bot (`<slug>[bot]`) for an installation token. */
    creator: Account;
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
/** The user every personal token of the stand-in belongs to (GET /user): a person, not one of the organizations. */
export const SandboxUser = { login: "sandbox-user", id: 9000001 } as const;

export interface PersonalTokenGrant {
    readonly type: "fine-grained" | "classic";
    /** "Webhooks" (fine-grained); for a classic token, whether its user is an admin of the repositories. */
    readonly webhooks?: Access;
    /** "Commit statuses" (fine-grained); for a classic token, whether it may write statuses. */
    readonly statuses?: Access;
}

/**
 * A GitHub App's installation token (githubApps.ts): the installation's repositories and
 * permissions. GitHub answers a repository outside the installation with 404, and a permission it
 * lacks with 403 "Resource not accessible by integration" and the permission it would need in
 * `X-Accepted-GitHub-Permissions`.
 */
export interface InstallationGrant {
    readonly type: "installation";
    readonly app: App;
    readonly installation: Installation;
    readonly token: InstallationToken;
}

export type TokenGrant = PersonalTokenGrant | InstallationGrant;

/** The App permission each route family needs (GitHub's `permissions` names). */
export const AppPermissionOf = { webhooks: "repository_hooks", statuses: "statuses", contents: "contents", workflows: "workflows", actions: "actions", metadata: "metadata" } as const;

/**
 * GitHub's answer to an installation token for a repository route: 404 when the installation does
 * not include the repository, 403 (with the permission it needs) when it lacks the permission;
 * undefined when the token may.
 */
export function installationRefusal(grant: InstallationGrant, repo: Repository, permission: keyof typeof AppPermissionOf, access: Access, doc: string): Reply | undefined {
    const repos = grant.token.repositories;
    const visible = repo.owner.toLowerCase() === grant.installation.accountLogin.toLowerCase() && (repos === "all" || repos.has(repo.id));
    if (!visible) return ghError(404, "Not Found", doc);
    const name = AppPermissionOf[permission];
    if (permits(grant.token.permissions[name], access)) return undefined;
    return { ...ghError(403, "Resource not accessible by integration", doc), headers: { "X-Accepted-GitHub-Permissions": `${name}=${access}` } };
}

/** How the next requests are refused, as GitHub refuses a client over its primary or secondary rate limit. */
export type RateLimitRefusal =
    | {
        readonly limit: "primary";
        /** GitHub answers either 403 or 429 ("Rate limits for the REST API"). */
        readonly status: 403 | 429;
        /** Seconds until `x-ratelimit-reset` (default 60); `x-ratelimit-remaining` is 0. */
        readonly resetIn?: number;
    }
    | {
        readonly limit: "secondary";
        readonly status: 403 | 429;
        /**
         * The `retry-after` header, in seconds. Absent: no `retry-after` at all (GitHub's rule for
         * that case: "wait for at least one minute before retrying").
         */
        readonly retryAfter?: number;
    };

export interface GitHubApiOptions {
    /** Which GitHub this is; choose per test (default "github.com", GitHub's own default API). */
    readonly flavor?: Flavor;
    readonly port?: number;
    /** The token with every permission (a repository admin's). Without any token, requests are not authenticated. */
    readonly token?: string;
    /** The repositories that exist; every other owner/name answers 404 as on GitHub. */
    readonly repositories?: readonly { owner: string; name: string; id?: number }[];
    /** How long a delivery waits for the receiver's answer (default: the flavor's, 10 s or 30 s). Tests shorten it. */
    readonly deliveryTimeoutMs?: number;
    /** GHES only: the site admin enabled rate limits (GitHub.com always has them). */
    readonly rateLimiting?: boolean;
    /**
     * Certificate authorities (PEM) an https delivery trusts besides node's own public roots: the
     * sandbox's CA, standing for a public CA GitHub trusts. Default: node's roots alone.
     */
    readonly trustedCas?: readonly string[];
}

/** One API answer as served, for tests that judge every body (the conformance test). */
export interface Exchange {
    readonly method: string;
    /** The path as requested, prefix included. */
    readonly path: string;
    /** The REST root the request was addressed under (the listener's). */
    readonly apiBase: string;
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    /** The JSON body, undefined when there is none (204, 304). */
    readonly body: unknown;
    /** What the request presented: nothing, a token (personal or the admin's), an App's JWT, or an installation token the stand-in issued. */
    readonly auth?: "none" | "token" | "jwt" | "installation";
    readonly userAgent?: string;
}

/**
 * How a listener presents the API. The main listener presents the flavor's; an extra one can
 * present the same server under another address form (serveDataResidencyHost).
 */
interface Front {
    /** The REST root clients address, ending in "/". */
    readonly apiBase: string;
    /** The web root (html_url, clone_url), ending in "/". */
    readonly webBase: string;
    /** The path prefix REST is served under on this listener. */
    readonly restPrefix: string;
    /** Whether paths outside REST are GHES's web UI (else they are REST paths GitHub does not have). */
    readonly webUi: boolean;
}

// GitHub's webhook User-Agent is "GitHub-Hookshot/" and a short hex version.
const HookshotAgent = "GitHub-Hookshot/5a4d1f0";
/** The user behind the admin token: the sender of pings and pushes, the creator of statuses. */
const ActingUser: Account = { login: "sandbox", id: 1, type: "User" };
/** GitHub's limit on statuses per SHA and context (create-a-commit-status). */
const MaxStatusesPerContext = 1000;
const PrimaryLimit = 5000;
/** "Resource protected by organization SAML enforcement" (403), with GitHub's docs link. */
const SamlMessage = "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.";
const SamlDocs = "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/";

type Json = unknown;
export interface Reply { status: number; body?: Json; headers?: Record<string, string>; counted?: boolean }

/**
 * Extension point (issue 17): REST routes served by other modules through this server, after its
 * own (same authentication, rate limits and headers), with the caller's token and grant.
 */
export interface ExtensionRequest {
    readonly method: string;
    /** Without the REST prefix (/api/v3 on GHES). */
    readonly path: string;
    readonly query: URLSearchParams;
    readonly input: Record<string, unknown>;
    /** The REST root and the web root this request came through, each ending in "/". */
    readonly apiBase: string;
    readonly webBase: string;
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
    front: Front;
    grant: TokenGrant;
    token: string | undefined;
    requestId: string;
}

function ghError(status: number, message: string, documentationUrl: string, extra: Record<string, unknown> = {}): Reply {
    return { status, body: { message, ...extra, documentation_url: documentationUrl, status: String(status) } };
}

function hookError(message: string): Record<string, unknown> {
    return { resource: "Hook", code: "custom", message };
}

export class GitHubApi {
    readonly flavor: Flavor;
    readonly rules: FlavorRules;
    /** The host root (`http://127.0.0.1:PORT/`): what `github:baseUrl` is set to, the documented provider form. */
    readonly url: string;
    /** The REST root: the host root for github.com, `<host root>api/v3/` for GHES. */
    readonly apiUrl: string;
    /** Whether rate limits apply (always on github.com; on GHES only with `rateLimiting`). */
    readonly rateLimiting: boolean;
    readonly deliveryTimeoutMs: number;
    readonly deliveries: Delivery[] = [];
    readonly unknownRoutes: string[] = [];
    /** Every request, as "METHOD /path status", so tests can see what a client called (web UI pages too). */
    readonly requests: string[] = [];
    /** Every API answer with its body, for the conformance test. */
    readonly exchanges: Exchange[] = [];
    /** GitHub Apps: their keys, installations and installation tokens (githubApps.ts). */
    readonly apps = new GitHubApps();
    private readonly repositories = new Map<string, Repository>();
    private readonly repositoryFacts = new Map<number, { createdAt: Date; pushedAt?: Date }>();
    private readonly owners = new Map<string, Account>();
    private readonly hooks = new Map<number, Hook>();
    private readonly grants = new Map<string, TokenGrant>();
    private readonly statuses = new Map<string, CommitStatus[]>();
    private readonly commits = new Map<number, Set<string>>();
    private readonly branches = new Map<number, Map<string, string>>();
    private readonly lastPush = new Map<number, Record<string, unknown>>();
    private readonly refusals: RateLimitRefusal[] = [];
    private readonly saml = new Map<string, Set<string>>();
    private readonly extraServers: http.Server[] = [];
    private readonly pending = new Set<Promise<unknown>>();
    private readonly extensions: ExtensionRoute[] = [];
    private readonly services: { prefix: string; serve: HostService }[] = [];
    private readonly pushListeners: ((owner: string, repo: string, push: PushOptions) => void)[] = [];
    private readonly front: Front;
    private hookRanges: string[] | undefined;
    private trustedCas: readonly string[] | undefined;
    private deliveryLogLagMs = 0;
    private throttles: number[] = [];
    private nextOwnerId = 9000001;
    private nextRepositoryId = 700000001;
    private nextHookId = 400000001;
    private nextDeliveryId = 1;
    private nextStatusId = 9000000001;
    private rate = { used: 0, reset: Math.floor(Date.now() / 1000) + 3600 };

    private constructor(private readonly server: http.Server, port: number, opts: GitHubApiOptions) {
        this.flavor = opts.flavor ?? "github.com";
        this.rules = Flavors[this.flavor];
        if (opts.rateLimiting !== undefined && this.flavor === "github.com") throw new Error("rateLimiting is a GHES setting: GitHub.com always limits");
        this.rateLimiting = opts.rateLimiting ?? this.rules.rateLimitedByDefault;
        this.url = `http://127.0.0.1:${port}/`;
        this.apiUrl = `${this.url}${this.rules.restPrefix.replace(/^\//, "")}${this.rules.restPrefix ? "/" : ""}`;
        this.deliveryTimeoutMs = opts.deliveryTimeoutMs ?? this.rules.deliveryTimeoutMs;
        this.trustedCas = opts.trustedCas;
        this.front = this.flavor === "ghes"
            ? { apiBase: this.apiUrl, webBase: this.url, restPrefix: "/api/v3", webUi: true }
            : { apiBase: this.apiUrl, webBase: "https://github.com/", restPrefix: "", webUi: false };
        if (opts.token !== undefined) this.grants.set(opts.token, { type: "classic", webhooks: "write", statuses: "write" });
        for (const r of opts.repositories ?? []) this.addRepository(r.owner, r.name, r.id);
    }

    static async start(opts: GitHubApiOptions = {}): Promise<GitHubApi> {
        if (opts.flavor !== undefined && !(opts.flavor in Flavors)) throw new Error(`GitHubApi.start: flavor must be "github.com" or "ghes", not ${JSON.stringify(opts.flavor)}`);
        const holder: { api?: GitHubApi } = {};
        const server = http.createServer((req, res) => void holder.api?.handle(req, res, holder.api.front));
        await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
        holder.api = new GitHubApi(server, (server.address() as AddressInfo).port, opts);
        return holder.api;
    }

    /** The maximum number of hooks per event and repository in this flavor. */
    get maxHooksPerEvent(): number {
        return this.rules.maxHooksPerEvent;
    }

    /**
     * Also serves this API over HTTPS as `https://<apiHost>/`, REST at the root: the address form of
     * GitHub Enterprise Cloud with data residency (`https://<x>.ghe.com/` → `https://api.<x>.ghe.com/`).
     * The name and port 443 reach this listener only through the sandbox's host map (hostMap.ts);
     * the flavor's rules (limits, timeouts, payload URLs) stay those of this server.
     * Returns the listener's own URL (`https://<apiHost>:<port>/`).
     */
    async serveDataResidencyHost(apiHost: string, credentials: { key: string; cert: string }): Promise<{ url: string; port: number }> {
        if (!/^api\.[a-z0-9-]+\.ghe\.com$/i.test(apiHost)) throw new Error(`serveDataResidencyHost: ${apiHost} is not api.<subdomain>.ghe.com`);
        const front: Front = { apiBase: `https://${apiHost}/`, webBase: `https://${apiHost.replace(/^api\./, "")}/`, restPrefix: "", webUi: false };
        const server = https.createServer(credentials, (req, res) => void this.handle(req, res, front));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        this.extraServers.push(server);
        const { port } = server.address() as AddressInfo;
        return { url: `https://${apiHost}:${port}/`, port };
    }

    /** Serves more REST routes (consulted after this stand-in's own). */
    addRoutes(route: ExtensionRoute): void {
        this.extensions.push(route);
    }

    /** Serves another service on this host under `prefix` (e.g. "/_services/token/"), before authentication and the web UI. */
    addHostService(prefix: string, serve: HostService): void {
        this.services.push({ prefix, serve });
    }

    /** The CAs https deliveries trust besides node's public roots (see GitHubApiOptions.trustedCas). */
    setTrustedCas(cas: readonly string[] | undefined): void {
        this.trustedCas = cas;
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
        this.repositoryFacts.set(repo.id, { createdAt: new Date() });
        this.commits.set(repo.id, new Set());
        this.branches.set(repo.id, new Map());
        this.account(owner);
        return repo;
    }

    repository(owner: string, name: string): Repository | undefined {
        return this.repositories.get(repoKey(owner, name));
    }

    /** Adds a token with limited rights (see TokenGrant). */
    addToken(token: string, grant: TokenGrant): void {
        this.grants.set(token, grant);
    }

    /**
     * Revokes a token, as deleting it (or its expiry) does: GitHub answers it 401 "Bad credentials"
     * from then on, like any token it does not know.
     */
    revokeToken(token: string): void {
        if (!this.grants.delete(token)) throw new Error(`revokeToken: the stand-in holds no token ${token.slice(0, 4)}…`);
    }

    /** Makes a commit known (GitHub refuses statuses for a SHA it does not have); `branch` moves that branch to it. */
    addCommit(owner: string, name: string, sha: string, branch?: string): void {
        const repo = this.requireRepository(owner, name);
        this.commits.get(repo.id)?.add(sha.toLowerCase());
        if (branch) this.branches.get(repo.id)?.set(branch.replace(/^refs\/heads\//, ""), sha.toLowerCase());
    }

    /**
     * The `hooks` CIDR ranges `GET /meta` lists (where deliveries come from). GitHub.com lists its
     * ranges; GHES 3.19's /meta has no `hooks` key (ghes-3.19.json `api-overview`), so on GHES the
     * key appears only once a test sets ranges, as GHES 2.x listed them.
     */
    setHookRanges(cidrs: readonly string[]): void {
        for (const c of cidrs) if (!isCidr(c)) throw new Error(`not a CIDR range: ${c}`);
        this.hookRanges = [...cidrs];
    }

    /** The next `count` counted requests are refused as GitHub refuses a client over a rate limit. */
    refuseNext(count: number, refusal: RateLimitRefusal): void {
        if (!this.rateLimiting) throw new Error("refuseNext: this GHES has rate limiting off (its default); start it with rateLimiting: true");
        for (let i = 0; i < count; i++) this.refusals.push(refusal);
    }

    /**
     * Deliveries younger than `seconds` are missing from "List deliveries" and answer 404 to "Get a
     * delivery": "Webhook deliveries can take a few minutes to be delivered and to appear in the
     * recent deliveries log" (Troubleshooting webhooks). 0 shows them at once.
     */
    setDeliveryLogLag(seconds: number): void {
        if (!(seconds >= 0)) throw new Error(`setDeliveryLogLag: seconds must be >= 0, not ${seconds}`);
        this.deliveryLogLagMs = seconds * 1000;
    }

    /**
     * The next `count` deliveries are throttled: sent `delaySeconds` late and logged with
     * `throttled_at` (when GitHub throttled them). "If your account experiences a surge in webhook
     * deliveries, GitHub may temporarily throttle the rate of deliveries". GitHub's docs say so of
     * GitHub.com and GHEC; a GitHub Enterprise Server's own description (ghes-3.19) carries
     * `throttled_at` on every delivery too, so both flavors can throttle.
     */
    throttleNextDeliveries(count: number, delaySeconds: number): void {
        if (!(delaySeconds >= 0)) throw new Error(`throttleNextDeliveries: delaySeconds must be >= 0, not ${delaySeconds}`);
        for (let i = 0; i < count; i++) this.throttles.push(delaySeconds * 1000);
    }

    /**
     * Registers a GitHub App owned by the sandbox's first owner (or `owner`) with one private key
     * (PEM, PKCS#1, as GitHub hands it out once); `apps.install` installs it, `apps.addKey` and
     * `apps.deleteKey` rotate its keys, `apps.setInstallationTokenLifetime` and `apps.expireTokens`
     * make its tokens expire sooner.
     */
    createApp(slug: string, permissions: Readonly<Record<string, "read" | "write">>, owner?: string): { app: App; privateKey: string; keyId: number } {
        const login = owner ?? [...this.repositories.values()][0]?.owner ?? ActingUser.login;
        return this.apps.createApp({ slug, owner: login, permissions, events: ["push"], name: slug });
    }

    /**
     * The organization enforces SAML single sign-on: its repositories answer every token not
     * authorized for it with 403 "Resource protected by organization SAML enforcement…" and
     * `X-GitHub-SSO: required; url=…` (GitHub.com / GHEC: tokens are authorized per organization).
     */
    enforceSamlSso(owner: string, opts: { authorizedTokens?: readonly string[] } = {}): void {
        if (this.flavor !== "github.com") throw new Error("enforceSamlSso: personal access tokens are SSO-authorized per organization on GitHub.com (GHEC) only");
        this.saml.set(owner.toLowerCase(), new Set(opts.authorizedTokens ?? []));
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
        const facts = this.repositoryFacts.get(r.id);
        if (facts) facts.pushedAt = new Date();
        const payload = pushPayload(r.owner, r.name, push, r.id, { api: this.front.apiBase, web: this.front.webBase }, this.facts(r));
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

    /** Waits for deliveries in flight (the ping GitHub sends on creation is asynchronous; throttled ones wait). */
    async idle(): Promise<void> {
        while (this.pending.size > 0) await Promise.all([...this.pending]);
    }

    async close(): Promise<void> {
        await this.idle();
        for (const s of [this.server, ...this.extraServers]) {
            s.closeAllConnections();
            await new Promise<void>((resolve) => s.close(() => resolve()));
        }
    }

    private requireRepository(owner: string, name: string): Repository {
        const r = this.repository(owner, name);
        if (!r) throw new Error(`the GitHub stand-in has no repository ${owner}/${name} (addRepository first)`);
        return r;
    }

    /** The sandbox's owners are organizations (GitHub's payloads then carry `organization`). */
    private account(login: string): Account {
        const key = login.toLowerCase();
        let a = this.owners.get(key);
        if (!a) {
            a = { login, id: this.nextOwnerId++, type: "Organization" };
            this.owners.set(key, a);
        }
        return a;
    }

    private facts(r: Repository): RepositoryFacts {
        const f = this.repositoryFacts.get(r.id) ?? { createdAt: new Date() };
        return { id: r.id, name: r.name, owner: this.account(r.owner), createdAt: f.createdAt, pushedAt: f.pushedAt, defaultBranch: "main" };
    }

    private async handle(req: http.IncomingMessage, res: http.ServerResponse, front: Front): Promise<void> {
        const body = await readBody(req);
        const url = new URL(req.url ?? "/", "http://localhost");
        const method = req.method ?? "GET";
        const requestId = githubRequestId();
        const service = this.services.find((s) => url.pathname.startsWith(s.prefix));
        if (service) return void (await service.serve(req, res, body));
        if (front.webUi && url.pathname !== front.restPrefix && !url.pathname.startsWith(`${front.restPrefix}/`)) {
            return this.webUi(res, method, url, front);
        }
        const path = this.byRepositoryId(url.pathname.slice(front.restPrefix.length).replace(/\/+$/, "") || "/");
        const docs = this.rules.docs;
        const auth = req.headers.authorization ?? "";
        const presented = /^(?:bearer|token)\s+(.+)$/i.exec(auth)?.[1];
        const caller: Pick<Exchange, "auth" | "userAgent"> = {
            auth: presented === undefined ? "none" : this.apps.issued(presented) ? "installation" : looksLikeJwt(presented) ? "jwt" : "token",
            userAgent: String(req.headers["user-agent"] ?? ""),
        };
        const send = (r: Reply) => this.send(req, res, method, url.pathname, r, front, requestId, caller);

        // The routes that authenticate as the App itself, with a JWT ("You must use a JWT to access this endpoint").
        const appRoute = isAppRoute(method, path);
        let grant: TokenGrant = { type: "classic", webhooks: "write", statuses: "write" };
        if (appRoute) {
            // A token where a JWT is required: GitHub cannot read it as one.
            if (presented === undefined || !looksLikeJwt(presented)) return send(ghError(401, "A JSON web token could not be decoded", docs));
        } else if (this.grants.size > 0 || this.apps.any) {
            const installation = presented === undefined ? undefined : this.installationGrant(presented);
            const known = presented === undefined ? undefined : this.grants.get(presented) ?? installation;
            // An unknown, expired or revoked token: "Using an expired token produces a status code of 401".
            if (presented !== undefined && !known) return send(ghError(401, "Bad credentials", docs));
            // Unauthenticated: GitHub hides what needs rights behind 404; /meta is public.
            grant = known ?? { type: "classic" };
        }

        // "Accessing this endpoint does not count against your REST API rate limit" (GET /rate_limit).
        const free = method === "GET" && path === "/rate_limit";
        if (this.rateLimiting && !free) {
            const refusal = this.refusals.shift();
            if (refusal) return send(this.rateLimited(refusal, requestId));
            if (this.rate.used >= PrimaryLimit) return send(this.rateLimited({ limit: "primary", status: 403 }, requestId));
        }

        let input: Record<string, unknown> = {};
        if (body.length > 0) {
            let parsed: unknown;
            try {
                parsed = JSON.parse(body.toString());
            } catch {
                return send(ghError(400, "Problems parsing JSON", docs));
            }
            // JSON `null` is no body: go-github encodes a nil options pointer so (Flux's
            // CreateInstallationToken(ctx, id, nil) sends "null"), and GitHub takes it.
            if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) return send(ghError(400, "Problems parsing JSON", docs));
            input = (parsed ?? {}) as Record<string, unknown>;
        }
        const ctx: RequestContext = { method, path, query: url.searchParams, input, front, grant, token: presented, requestId };
        if (appRoute) return send({ counted: true, ...this.appRoutes(ctx, presented as string) });
        let reply = this.route(ctx);
        for (const extension of this.extensions) reply ??= await extension({ method, path, query: url.searchParams, input, apiBase: front.apiBase, webBase: front.webBase, token: presented, grant });
        if (!reply) {
            this.unknownRoutes.push(`${method} ${url.pathname}`);
            console.error(`[github-api stand-in] no such route: ${method} ${url.pathname} (404)`);
            return send({ ...ghError(404, "Not Found", docs), counted: !free });
        }
        return send({ counted: !free, ...reply });
    }

    /**
     * GitHub serves a repository's routes by its id too, `/repositories/{id}/…`: the form the URLs in
     * its Link headers take (e.g. `<https://api.github.com/repositories/211666/forks?page=2>; rel="next"`).
     * An unknown id stays as it is and answers 404.
     */
    private byRepositoryId(path: string): string {
        const m = /^\/repositories\/(\d+)(\/.*)?$/.exec(path);
        const repo = m ? [...this.repositories.values()].find((r) => r.id === Number(m[1])) : undefined;
        return m && repo ? `/repos/${repo.owner}/${repo.name}${m[2] ?? ""}` : path;
    }

    /**
     * GHES's web UI, for any path outside /api/v3/: signed out, every page redirects to the sign-in
     * page, which answers 200 HTML. A client given the host root instead of /api/v3/ gets this.
     */
    private webUi(res: http.ServerResponse, method: string, url: URL, front: Front): void {
        const html = { "Content-Type": "text/html; charset=utf-8" };
        if (url.pathname === "/login" && (method === "GET" || method === "HEAD")) {
            this.requests.push(`${method} ${url.pathname} 200`);
            res.writeHead(200, html).end(method === "HEAD" ? undefined : "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to GitHub · GitHub</title></head>\n<body><form action=\"/session\" method=\"post\"><label for=\"login_field\">Username or email address</label><input type=\"text\" name=\"login\" id=\"login_field\"><input type=\"password\" name=\"password\"><input type=\"submit\" value=\"Sign in\"></form></body></html>\n");
            return;
        }
        const location = `${front.webBase}login?return_to=${encodeURIComponent(url.pathname + url.search)}`;
        this.requests.push(`${method} ${url.pathname} 302`);
        res.writeHead(302, { ...html, Location: location }).end(`<html><body>You are being <a href="${location}">redirected</a>.</body></html>`);
    }

    private rateLimited(r: RateLimitRefusal, requestId: string): Reply {
        const docs = `${this.rules.docs}/using-the-rest-api/rate-limits-for-the-rest-api`;
        if (r.limit === "secondary") {
            // GitHub's words for a secondary rate limit (github-changelog-generator#993, terraform-provider-github#2329).
            const message = `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`;
            return { ...ghError(r.status, message, `${docs}#about-secondary-rate-limits`), counted: false, headers: r.retryAfter === undefined ? {} : { "Retry-After": String(r.retryAfter) } };
        }
        const reset = Math.floor(Date.now() / 1000) + (r.resetIn ?? 60);
        const message = `API rate limit exceeded for user ID ${ActingUser.id}. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`;
        return { ...ghError(r.status, message, `${docs}#primary-rate-limit`), counted: false, headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(reset) } };
    }

    /** Writes the reply with GitHub's headers: rate limits (when on), an ETag, and 304 for a matching If-None-Match. */
    private send(req: http.IncomingMessage, res: http.ServerResponse, method: string, pathname: string, r: Reply, front: Front, requestId: string, caller: Pick<Exchange, "auth" | "userAgent">): void {
        const now = Math.floor(Date.now() / 1000);
        if (now >= this.rate.reset) this.rate = { used: 0, reset: now + 3600 };
        const text = r.body === undefined ? undefined : JSON.stringify(r.body);
        const etag = text === undefined ? undefined : `W/"${createHash("sha256").update(text).digest("hex").slice(0, 40)}"`;
        const notModified = method === "GET" && r.status === 200 && etag !== undefined && matchesEtag(req.headers["if-none-match"], etag);
        // A 304 does not count against the primary rate limit (GitHub's REST docs), nor does a refusal for the limit.
        if (!notModified && r.counted) this.rate.used++;
        const status = notModified ? 304 : r.status;
        this.requests.push(`${method} ${pathname} ${status}`);
        const headers: Record<string, string> = {
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": requestId,
            ...(this.flavor === "ghes" ? { "X-GitHub-Enterprise-Version": GhesVersion } : {}),
            ...(this.rateLimiting ? {
                "X-RateLimit-Limit": String(PrimaryLimit),
                "X-RateLimit-Remaining": String(Math.max(0, PrimaryLimit - this.rate.used)),
                "X-RateLimit-Reset": String(this.rate.reset),
                "X-RateLimit-Used": String(this.rate.used),
                "X-RateLimit-Resource": "core",
            } : {}),
            ...(etag ? { ETag: etag } : {}),
            ...(text !== undefined && !notModified ? { "Content-Type": "application/json; charset=utf-8" } : {}),
            ...r.headers,
        };
        this.exchanges.push({ method, path: pathname, apiBase: front.apiBase, status, headers, body: notModified ? undefined : r.body, ...caller });
        res.writeHead(status, headers);
        res.end(notModified ? undefined : text);
    }

    private route(ctx: RequestContext): Reply | undefined {
        const { method, path } = ctx;
        if (path === "/meta" && method === "GET") return { status: 200, body: this.meta() };
        // "Revoke an installation access token" (create-github-app-token's post step): the token it was sent with.
        if (path === "/installation/token" && method === "DELETE" && ctx.grant.type === "installation") {
            this.apps.revoke(ctx.grant.token.token);
            return { status: 204 };
        }
        if (path === "/rate_limit" && method === "GET") return this.rateLimitRoute();
        // What the github provider asks at configure (configureProviderMeta): the token's user, and
        // whether the owner is an organization. The sandbox's owners are organizations; any other
        // login is no organization (404, as GitHub answers GET /orgs/{username}).
        if (path === "/user" && method === "GET") {
            if (ctx.token === undefined) return ghError(401, "Requires authentication", `${this.rules.docs}/users/users#get-the-authenticated-user`);
            // An installation token acts as the App, not as a user: GitHub refuses it here.
            if (ctx.grant.type === "installation") return ghError(403, "Resource not accessible by integration", `${this.rules.docs}/users/users#get-the-authenticated-user`);
            return { status: 200, body: { login: SandboxUser.login, id: SandboxUser.id, node_id: `U_${SandboxUser.id}`, type: "User", site_admin: false } };
        }
        const org = /^\/orgs\/([^/]+)$/.exec(path);
        if (org && method === "GET") {
            const a = this.owners.get(decodeURIComponent(org[1]).toLowerCase());
            if (!a) return ghError(404, "Not Found", `${this.rules.docs}/orgs/orgs#get-an-organization`);
            return { status: 200, body: { login: a.login, id: a.id, node_id: `O_${a.id}`, url: `${ctx.front.apiBase}orgs/${a.login}`, type: "Organization" } };
        }

        const repoPath = /^\/repos\/([^/]+)\/([^/]+)\//.exec(`${path}/`);
        const sso = repoPath ? this.samlRefusal(decodeURIComponent(repoPath[1]), ctx.token) : undefined;

        const hooks = /^\/repos\/([^/]+)\/([^/]+)\/hooks(?:\/(\d+)(?:\/(config|pings|tests|deliveries)(?:\/(\d+)(?:\/(attempts))?)?)?)?$/.exec(path);
        if (hooks) {
            const [, owner, name, idText, sub, deliveryText, attempts] = hooks;
            const route = this.hookRoute(method, idText, sub, deliveryText, attempts);
            if (!route) return undefined;
            const doc = `${this.rules.docs}/repos/webhooks#${route.doc}`;
            if (sso) return sso;
            const repo = this.repository(decodeURIComponent(owner), decodeURIComponent(name));
            if (!repo) return ghError(404, "Not Found", doc);
            const denied = this.deny(ctx.grant, "webhooks", route.write, doc, repo);
            if (denied) return denied;
            const hook = idText === undefined ? undefined : this.hooks.get(Number(idText));
            if (idText !== undefined && (!hook || hook.repositoryId !== repo.id)) return ghError(404, "Not Found", doc);
            return route.handle(ctx, repo, hook);
        }

        const listStatuses = /^\/repos\/([^/]+)\/([^/]+)\/commits\/(.+)\/statuses$/.exec(path);
        const createStatus = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(path);
        if ((listStatuses && method === "GET") || (createStatus && method === "POST")) {
            const [, owner, name, ref] = (listStatuses ?? createStatus) as RegExpExecArray;
            const doc = `${this.rules.docs}/commits/statuses#${listStatuses ? "list-commit-statuses-for-a-reference" : "create-a-commit-status"}`;
            if (sso) return sso;
            const repo = this.repository(decodeURIComponent(owner), decodeURIComponent(name));
            if (!repo) return ghError(404, "Not Found", doc);
            const denied = this.deny(ctx.grant, "statuses", Boolean(createStatus), doc, repo);
            if (denied) return denied;
            return listStatuses ? this.listStatusesRoute(ctx, repo, decodeURIComponent(ref)) : this.createStatusRoute(ctx, repo, decodeURIComponent(ref));
        }
        return undefined;
    }

    /** The 403 an organization enforcing SAML SSO gives a token not authorized for it, or undefined. */
    private samlRefusal(owner: string, token: string | undefined): Reply | undefined {
        const authorized = this.saml.get(owner.toLowerCase());
        if (!authorized || token === undefined || authorized.has(token)) return undefined;
        const url = `https://github.com/orgs/${owner}/sso?authorization_request=${randomBytes(20).toString("base64url")}`;
        return { ...ghError(403, SamlMessage, SamlDocs), headers: { "X-GitHub-SSO": `required; url=${url}` } };
    }

    // ---- GitHub Apps ----------------------------------------------------------------------------

    /** The grant of a live installation token, or undefined (unknown, expired, revoked). */
    private installationGrant(token: string): InstallationGrant | undefined {
        const t = this.apps.liveToken(token);
        const installation = t ? this.apps.installations.get(t.installationId) : undefined;
        const app = t ? this.apps.apps.get(t.appId) : undefined;
        return t && installation && app ? { type: "installation", app, installation, token: t } : undefined;
    }

    /**
     * The routes that authenticate as the App (a JWT): `GET /app`, an installation, minting an
     * installation token, and finding the installation of a repository, organization or user.
     * (`GET /app/installations` is not served: no client here lists them, and GitHub's description
     * of its body (an `allOf` of a user and an enterprise) is one no answer can meet.)
     */
    private appRoutes(ctx: RequestContext, jwt: string): Reply {
        const docs = this.rules.docs;
        const verdict = this.apps.verifyJwt(jwt);
        if (!verdict.ok) return ghError(verdict.status, verdict.message, docs);
        const app = verdict.app;
        const hosts = { api: ctx.front.apiBase, web: ctx.front.webBase };
        const mine = [...this.apps.installations.values()].filter((i) => i.appId === app.id);
        const doc = (anchor: string) => `${docs}/apps/apps#${anchor}`;
        const { method, path } = ctx;
        if (path === "/app" && method === "GET") return { status: 200, body: this.integrationView(app, hosts, mine.length) };
        const one = /^\/app\/installations\/(\d+)(\/access_tokens)?$/.exec(path);
        if (one) {
            const inst = mine.find((i) => i.id === Number(one[1]));
            if (!one[2] && method === "GET") return inst ? { status: 200, body: this.installationView(inst, app, hosts) } : ghError(404, "Not Found", doc("get-an-installation-for-the-authenticated-app"));
            if (one[2] && method === "POST") return this.mintRoute(ctx, app, Number(one[1]));
            return ghError(404, "Not Found", docs);
        }
        const byRepo = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
        const byOwner = /^\/(?:orgs|users)\/([^/]+)\/installation$/.exec(path);
        if ((byRepo || byOwner) && method === "GET") {
            const owner = decodeURIComponent((byRepo ?? byOwner as RegExpExecArray)[1]).toLowerCase();
            const repo = byRepo ? this.repository(decodeURIComponent(byRepo[1]), decodeURIComponent(byRepo[2])) : undefined;
            const inst = mine.find((i) => i.accountLogin.toLowerCase() === owner && (!byRepo || (repo !== undefined && (i.repositories === "all" || i.repositories.has(repo.id)))));
            return inst ? { status: 200, body: this.installationView(inst, app, hosts) } : ghError(404, "Not Found", doc(byRepo ? "get-a-repository-installation-for-the-authenticated-app" : "get-an-organization-installation-for-the-authenticated-app"));
        }
        return ghError(404, "Not Found", docs);
    }

    /** `POST /app/installations/{id}/access_tokens` {repositories?, repository_ids?, permissions?}. */
    private mintRoute(ctx: RequestContext, app: App, installationId: number): Reply {
        const doc = `${this.rules.docs}/apps/apps#create-an-installation-access-token-for-an-app`;
        const inst = this.apps.installations.get(installationId);
        const { repositories, repository_ids: ids, permissions } = ctx.input as { repositories?: unknown; repository_ids?: unknown; permissions?: unknown };
        let repositoryIds: number[] | undefined;
        if (repositories !== undefined || ids !== undefined) {
            const names = Array.isArray(repositories) ? repositories.map(String) : [];
            const byName = names.map((n) => (inst ? this.repository(inst.accountLogin, n)?.id : undefined));
            if (byName.some((x) => x === undefined)) return ghError(422, "There is at least one repository that does not exist or is not accessible to the parent installation.", doc);
            repositoryIds = [...(byName as number[]), ...(Array.isArray(ids) ? ids.map(Number) : [])];
        }
        const r = this.apps.mint(app, installationId, {
            ...(repositoryIds !== undefined ? { repositoryIds } : {}),
            ...(permissions !== undefined && typeof permissions === "object" && permissions !== null ? { permissions: permissions as Record<string, unknown> } : {}),
        });
        if (!r.ok) return ghError(r.status, r.message, doc);
        const t = r.token;
        // GitHub adds `repositories` (full repository objects) when some were asked for; no client here reads them, so they are left out.
        return {
            status: 201,
            body: { token: t.token, expires_at: githubTime(new Date(t.expiresAt)), permissions: t.permissions, repository_selection: t.repositories === "all" ? "all" : "selected" },
        };
    }

    private integrationView(app: App, hosts: Hosts, installations: number): Record<string, unknown> {
        const at = githubTime(app.createdAt);
        return {
            id: app.id, slug: app.slug, node_id: nodeId("Integration", app.id), client_id: app.clientId,
            owner: simpleUser(this.account(app.ownerLogin), hosts), name: app.name, description: null,
            external_url: `${hosts.web}${app.ownerLogin}`, html_url: `${hosts.web}apps/${app.slug}`, created_at: at, updated_at: at,
            permissions: app.permissions, events: [...app.events], installations_count: installations,
        };
    }

    private installationView(i: Installation, app: App, hosts: Hosts): Record<string, unknown> {
        const account = this.account(i.accountLogin);
        const at = githubTime(i.createdAt);
        return {
            id: i.id, account: simpleUser(account, hosts), repository_selection: i.repositories === "all" ? "all" : "selected",
            access_tokens_url: `${hosts.api}app/installations/${i.id}/access_tokens`, repositories_url: `${hosts.api}installation/repositories`,
            html_url: `${hosts.web}organizations/${account.login}/settings/installations/${i.id}`,
            app_id: app.id, client_id: app.clientId, target_id: account.id, target_type: account.type,
            permissions: i.permissions, events: [...app.events], created_at: at, updated_at: at, single_file_name: null,
            has_multiple_single_files: false, single_file_paths: [], app_slug: app.slug,
            suspended_by: i.suspendedAt ? simpleUser(account, hosts) : null, suspended_at: i.suspendedAt ? githubTime(i.suspendedAt) : null,
        };
    }

    /** The hook routes GitHub has, by method and path shape; undefined for anything else. */
    private hookRoute(method: string, id: string | undefined, sub: string | undefined, delivery: string | undefined, attempts: string | undefined): HookRoute | undefined {
        if (id === undefined) {
            if (method === "GET") return { doc: "list-repository-webhooks", write: false, handle: (ctx, repo) => this.listHooksRoute(ctx, repo) };
            if (method === "POST") return { doc: "create-a-repository-webhook", write: true, handle: (ctx, repo) => this.createHookRoute(ctx, repo) };
            return undefined;
        }
        if (sub === undefined) {
            if (method === "GET") return { doc: "get-a-repository-webhook", write: false, handle: (ctx, _r, hook) => ({ status: 200, body: this.view(hook as Hook, ctx.front) }) };
            if (method === "PATCH") return { doc: "update-a-repository-webhook", write: true, handle: (ctx, repo, hook) => this.updateHookRoute(ctx, repo, hook as Hook) };
            if (method === "DELETE") return { doc: "delete-a-repository-webhook", write: true, handle: (_c, _r, hook) => this.deleteHookRoute(hook as Hook) };
            return undefined;
        }
        if (sub === "config" && delivery === undefined) {
            if (method === "GET") return { doc: "get-a-webhook-configuration-for-a-repository", write: false, handle: (_c, _r, hook) => ({ status: 200, body: configView((hook as Hook).config) }) };
            if (method === "PATCH") return { doc: "update-a-webhook-configuration-for-a-repository", write: true, handle: (ctx, repo, hook) => this.updateHookConfigRoute(ctx, repo, hook as Hook) };
            return undefined;
        }
        // Ping and test need only read access to "Webhooks" (fine-grained token permission table).
        if (sub === "pings" && delivery === undefined && method === "POST") return { doc: "ping-a-repository-webhook", write: false, handle: (ctx, _r, hook) => this.pingRoute(ctx, hook as Hook) };
        if (sub === "tests" && delivery === undefined && method === "POST") return { doc: "test-the-push-repository-webhook", write: false, handle: (_c, _r, hook) => this.testRoute(hook as Hook) };
        if (sub === "deliveries") {
            if (delivery === undefined && method === "GET") return { doc: "list-deliveries-for-a-repository-webhook", write: false, handle: (ctx, _r, hook) => this.listDeliveriesRoute(ctx, hook as Hook) };
            if (delivery !== undefined && attempts === undefined && method === "GET") return { doc: "get-a-delivery-for-a-repository-webhook", write: false, handle: (_c, _r, hook) => this.getDeliveryRoute(hook as Hook, Number(delivery)) };
            if (delivery !== undefined && attempts !== undefined && method === "POST") return { doc: "redeliver-a-delivery-for-a-repository-webhook", write: true, handle: (_c, _r, hook) => this.redeliverRoute(hook as Hook, Number(delivery)) };
        }
        return undefined;
    }

    /** GitHub's answer to a token without the permission, or undefined when it has it. */
    private deny(grant: TokenGrant, permission: "webhooks" | "statuses", write: boolean, doc: string, repo: Repository): Reply | undefined {
        if (grant.type === "installation") return installationRefusal(grant, repo, permission, write ? "write" : "read", doc);
        const has = grant[permission];
        if (has === "write" || (has === "read" && !write)) return undefined;
        if (grant.type === "fine-grained") return ghError(403, "Resource not accessible by personal access token", doc);
        return ghError(404, "Not Found", doc);
    }

    // ---- hooks -------------------------------------------------------------------------------

    private listHooksRoute(ctx: RequestContext, repo: Repository): Reply {
        const all = [...this.hooks.values()].filter((h) => h.repositoryId === repo.id);
        return { status: 200, body: paginate(all, ctx.query).map((h) => this.view(h, ctx.front)), headers: pageLinks(ctx, repo, "hooks", all.length) };
    }

    private createHookRoute(ctx: RequestContext, repo: Repository): Reply {
        const doc = `${this.rules.docs}/repos/webhooks#create-a-repository-webhook`;
        const input = ctx.input;
        // The only hook name the API takes is "web" (422 with field "name", code "invalid": hashicorp/terraform#18907).
        if (input.name !== undefined && input.name !== "web") return validationFailed([{ resource: "Hook", code: "invalid", field: "name" }], doc);
        const shape = schemaProblem(input, ["events"], ["active"]);
        if (shape) return ghError(422, shape, doc);
        const config = input.config as Record<string, unknown> | undefined;
        const configProblem = this.checkConfig(config, true, doc);
        if (configProblem) return configProblem;
        const events = (input.events as string[] | undefined) ?? ["push"];
        const cfg = replacedConfig(config as Record<string, unknown>);
        const conflict = this.conflicts(repo, undefined, cfg.url, events, doc);
        if (conflict) return conflict;
        const now = githubTime(new Date());
        const created: Hook = {
            id: this.nextHookId++, owner: repo.owner, repo: repo.name, repositoryId: repo.id,
            active: input.active === undefined ? true : input.active === true,
            events: [...new Set(events)], config: cfg, created_at: now, updated_at: now,
        };
        this.hooks.set(created.id, created);
        const view = this.view(created, ctx.front);
        // GitHub pings a new hook right after creating it, unless it is inactive.
        if (created.active) void this.deliver(created, "ping", this.pingPayload(created, ctx.front));
        return { status: 201, body: view, headers: { Location: String(view.url) } };
    }

    private updateHookRoute(ctx: RequestContext, repo: Repository, hook: Hook): Reply {
        const doc = `${this.rules.docs}/repos/webhooks#update-a-repository-webhook`;
        const input = ctx.input;
        const shape = schemaProblem(input, ["events", "add_events", "remove_events"], ["active"]);
        if (shape) return ghError(422, shape, doc);
        let config = hook.config;
        if (input.config !== undefined) {
            const problem = this.checkConfig(input.config as Record<string, unknown>, true, doc);
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
        hook.updated_at = githubTime(new Date());
        return { status: 200, body: this.view(hook, ctx.front) };
    }

    /** `PATCH .../hooks/{id}/config` changes only the fields sent; the rest (the secret too) is kept. */
    private updateHookConfigRoute(ctx: RequestContext, repo: Repository, hook: Hook): Reply {
        const doc = `${this.rules.docs}/repos/webhooks#update-a-webhook-configuration-for-a-repository`;
        const problem = this.checkConfig(ctx.input, false, doc);
        if (problem) return problem;
        const merged = { ...hook.config, ...ctx.input };
        const next = replacedConfig(merged);
        if (ctx.input.secret === undefined && hook.config.secret !== undefined) next.secret = hook.config.secret;
        const conflict = this.conflicts(repo, hook.id, next.url, hook.events, doc);
        if (conflict) return conflict;
        hook.config = next;
        hook.updated_at = githubTime(new Date());
        return { status: 200, body: configView(hook.config) };
    }

    private deleteHookRoute(hook: Hook): Reply {
        this.hooks.delete(hook.id);
        return { status: 204 };
    }

    private pingRoute(ctx: RequestContext, hook: Hook): Reply {
        if (hook.active) void this.deliver(hook, "ping", this.pingPayload(hook, ctx.front));
        return { status: 204 };
    }

    /** "Test the push repository webhook": the latest push again, if the hook is subscribed to push; 204 either way. */
    private testRoute(hook: Hook): Reply {
        const latest = this.lastPush.get(hook.repositoryId);
        if (latest && hook.active && subscribed(hook, "push")) void this.deliver(hook, "push", latest);
        return { status: 204 };
    }

    /** The deliveries GitHub's log shows now: those older than the log's lag, newest first. */
    private loggedDeliveries(hook: Hook): Delivery[] {
        const cutoff = Date.now() - this.deliveryLogLagMs;
        return this.deliveries.filter((d) => d.hookId === hook.id && (this.deliveryLogLagMs === 0 || d.startedAtMs <= cutoff)).reverse();
    }

    private listDeliveriesRoute(ctx: RequestContext, hook: Hook): Reply {
        let list = this.loggedDeliveries(hook);
        // `status`: "success" is a status_code in 200-399, "failure" in 400-599 (webhook-delivery-status);
        // a delivery without an answer (status_code 0) is a failure too.
        const status = ctx.query.get("status");
        if (status === "success") list = list.filter((d) => d.statusCode >= 200 && d.statusCode <= 399);
        else if (status === "failure") list = list.filter((d) => !(d.statusCode >= 200 && d.statusCode <= 399));
        // GitHub pages deliveries with an opaque cursor (Link: rel="next"); here it is the last id seen.
        const cursor = ctx.query.get("cursor");
        if (cursor) list = list.filter((d) => d.id < Number(cursor));
        const perPage = Math.min(100, Math.max(1, Number(ctx.query.get("per_page") ?? 30) || 30));
        const page = list.slice(0, perPage);
        const headers: Record<string, string> = {};
        if (list.length > perPage) {
            const next = `${ctx.front.apiBase}repos/${hook.owner}/${hook.repo}/hooks/${hook.id}/deliveries?per_page=${perPage}&cursor=${page[page.length - 1].id}`;
            headers.Link = `<${next}>; rel="next"`;
        }
        return { status: 200, body: page.map(deliveryItem), headers };
    }

    private getDeliveryRoute(hook: Hook, deliveryId: number): Reply {
        const d = this.loggedDeliveries(hook).find((x) => x.id === deliveryId);
        if (!d) return ghError(404, "Not Found", `${this.rules.docs}/repos/webhooks#get-a-delivery-for-a-repository-webhook`);
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
        const d = this.loggedDeliveries(hook).find((x) => x.id === deliveryId);
        if (!d) return ghError(404, "Not Found", `${this.rules.docs}/repos/webhooks#redeliver-a-delivery-for-a-repository-webhook`);
        void this.deliver(hook, d.event, d.payload, { guid: d.guid, redelivery: true });
        return { status: 202, body: {} };
    }

    /** The 422 GitHub gives a hook configuration it refuses, or undefined. */
    private checkConfig(config: Record<string, unknown> | undefined, urlRequired: boolean, doc: string): Reply | undefined {
        if (config === undefined || config.url === undefined || config.url === "") {
            if (urlRequired) return validationFailed([hookError("Missing required keys from config: url")], doc);
        } else {
            let parsed: URL;
            try {
                parsed = new URL(String(config.url));
                if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error("scheme");
            } catch {
                // GitHub's words for a URL it cannot use (tektoncd/experimental#387).
                return validationFailed([hookError("The URL you've entered is not valid. Please make sure that you encode all special characters first")], doc);
            }
            const host = parsed.hostname.toLowerCase();
            if (this.rules.refusedHosts(host)) {
                // GitHub's body for localhost (ubccpsc/classy#327) and 127.0.0.1 (the same message with that host).
                return validationFailed([hookError(`Sorry, the URL host ${host} is not supported because it isn't reachable over the public Internet`)], doc);
            }
        }
        if (config === undefined) return undefined;
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

    /**
     * "Each webhook should have a unique config. Multiple webhooks can share the same config as long
     * as those webhooks do not have any events that overlap" (create-a-repository-webhook), refused
     * with "Hook already exists on this repository" (OnToology/OnToology#68, square/kochiku#20, an
     * update). And at most 20 (GHES: 250) hooks per event: 'The "push" event cannot have more than 20
     * hooks', one error per event (the text GitHub returned in grafana/grafana#127638 and #129007).
     */
    private conflicts(repo: Repository, selfId: number | undefined, url: string, events: readonly string[], doc: string): Reply | undefined {
        const others = [...this.hooks.values()].filter((h) => h.repositoryId === repo.id && h.id !== selfId);
        if (others.some((h) => h.config.url === url && h.events.some((e) => events.includes(e)))) {
            return validationFailed([hookError("Hook already exists on this repository")], doc);
        }
        const max = this.rules.maxHooksPerEvent;
        const full = events.filter((e) => others.filter((h) => h.events.includes(e)).length >= max);
        if (full.length > 0) return validationFailed(full.map((e) => hookError(`The "${e}" event cannot have more than ${max} hooks`)), doc);
        return undefined;
    }

    // ---- commit statuses ---------------------------------------------------------------------

    private listStatusesRoute(ctx: RequestContext, repo: Repository, ref: string): Reply {
        const sha = this.resolveRef(repo, ref);
        const list = sha ? this.statuses.get(`${repo.id}:${sha}`) ?? [] : [];
        return { status: 200, body: paginate(list, ctx.query).map((s) => this.statusView(repo, s, ctx.front)), headers: pageLinks(ctx, repo, `commits/${encodeURIComponent(ref)}/statuses`, list.length) };
    }

    private createStatusRoute(ctx: RequestContext, repo: Repository, sha: string): Reply {
        const doc = `${this.rules.docs}/commits/statuses#create-a-commit-status`;
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
        const now = githubTime(new Date());
        const created: CommitStatus = {
            creator: ctx.grant.type === "installation" ? botAccount(ctx.grant.app) : ActingUser,
            id: this.nextStatusId++, state: state as CommitStatus["state"],
            description: typeof input.description === "string" ? input.description : null,
            target_url: typeof input.target_url === "string" ? input.target_url : null,
            context, created_at: now, updated_at: now,
        };
        // GitHub lists a reference's statuses in reverse chronological order.
        this.statuses.set(key, [created, ...list]);
        return { status: 201, body: this.statusView(repo, created, ctx.front) };
    }

    /** A full SHA, a branch name or refs/heads/<branch>, as GitHub resolves a reference. */
    private resolveRef(repo: Repository, ref: string): string | undefined {
        const lower = ref.toLowerCase();
        if (this.commits.get(repo.id)?.has(lower)) return lower;
        return this.branches.get(repo.id)?.get(ref.replace(/^refs\/heads\//, "").replace(/^heads\//, ""));
    }

    private statusView(repo: Repository, s: CommitStatus, front: Front): Record<string, unknown> {
        const hosts = { api: front.apiBase, web: front.webBase };
        return {
            url: `${front.apiBase}repos/${repo.owner}/${repo.name}/statuses/${s.id}`,
            avatar_url: null, id: s.id, node_id: `SC_${Buffer.from(String(s.id)).toString("base64url")}`, state: s.state, description: s.description,
            target_url: s.target_url, context: s.context, created_at: s.created_at, updated_at: s.updated_at,
            creator: simpleUser(s.creator, hosts),
        };
    }

    // ---- meta and rate limit -----------------------------------------------------------------

    /**
     * `GET /meta`. GitHub.com: its address ranges (here the sandbox's, loopback; `hooks` as
     * setHookRanges set them). GHES 3.19: verifiable_password_authentication and installed_version
     * (ghes-3.19.json `api-overview`), plus `hooks` only when a test sets them.
     */
    private meta(): Record<string, unknown> {
        if (this.flavor === "ghes") {
            return {
                verifiable_password_authentication: true, installed_version: GhesVersion,
                ...(this.hookRanges ? { hooks: [...this.hookRanges] } : {}),
            };
        }
        const loopback = ["127.0.0.1/32", "::1/128"];
        return {
            verifiable_password_authentication: true,
            ssh_key_fingerprints: {
                SHA256_ECDSA: "p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
                SHA256_ED25519: "+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU",
                SHA256_RSA: "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
            },
            ssh_keys: [],
            hooks: [...(this.hookRanges ?? ["127.0.0.0/8", "::1/128"])],
            web: loopback, api: loopback, git: loopback, github_enterprise_importer: loopback,
            packages: loopback, pages: loopback, importer: loopback, actions: loopback, actions_macos: loopback,
            codespaces: loopback, dependabot: loopback, copilot: loopback,
            domains: { website: ["127.0.0.1"], codespaces: [], copilot: [], packages: [], actions: [], actions_inbound: { full_domains: [], wildcard_domains: [] }, artifact_attestations: { trust_domain: "", services: [] } },
        };
    }

    /** `GET /rate_limit`: never counted nor refused; a GHES without rate limits answers 404 "Rate limiting is not enabled." */
    private rateLimitRoute(): Reply {
        if (!this.rateLimiting) {
            // GHES's answer when its admin left rate limits off (actions/stale#1227, githubexporter/github-exporter#17).
            return { ...ghError(404, "Rate limiting is not enabled.", `${this.rules.docs}/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user`), counted: false };
        }
        const core = { limit: PrimaryLimit, used: this.rate.used, remaining: Math.max(0, PrimaryLimit - this.rate.used), reset: this.rate.reset };
        const search = { limit: 30, used: 0, remaining: 30, reset: Math.floor(Date.now() / 1000) + 60 };
        return { status: 200, counted: false, body: { resources: { core, search }, rate: core } };
    }

    // ---- views and deliveries ----------------------------------------------------------------

    /** The hook as GitHub shows it: the secret is never returned. */
    private view(h: Hook, front: Front): Record<string, unknown> {
        const api = `${front.apiBase}repos/${h.owner}/${h.repo}/hooks/${h.id}`;
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

    /** The `ping` payload: zen, hook_id, the hook, the repository, its organization and the sender. */
    private pingPayload(h: Hook, front: Front): Record<string, unknown> {
        const repo = this.repositories.get(repoKey(h.owner, h.repo)) as Repository;
        const facts = this.facts(repo);
        const hosts = { api: front.apiBase, web: front.webBase };
        return {
            zen: "Design for failure.",
            hook_id: h.id,
            hook: this.view(h, front),
            repository: repositoryWebhooks(facts, hosts),
            ...(facts.owner.type === "Organization" ? { organization: organizationSimple(facts.owner, hosts) } : {}),
            sender: simpleUser(ActingUser, hosts),
        };
    }

    private deliver(h: Hook, event: string, payload: unknown, opts: { signWith?: string; guid?: string; redelivery?: boolean } = {}): Promise<Delivery> {
        const p = this.sendDelivery(h, event, payload, opts);
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
        return p;
    }

    private async sendDelivery(h: Hook, event: string, payload: unknown, opts: { signWith?: string; guid?: string; redelivery?: boolean }): Promise<Delivery> {
        const throttle = this.throttles.shift();
        const throttledAt = throttle === undefined ? null : githubTime(new Date());
        if (throttle !== undefined) await new Promise((r) => setTimeout(r, throttle));
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
            ...(this.flavor === "ghes" ? { "X-GitHub-Enterprise-Version": GhesVersion, "X-GitHub-Enterprise-Host": new URL(this.url).host } : {}),
            ...(secret ? { "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`, "X-Hub-Signature-256": signature256 } : {}),
        };
        const started = Date.now();
        const result = await post(h.config.url, headers, body, { insecure: h.config.insecure_ssl === "1", timeoutMs: this.deliveryTimeoutMs, trustedCas: this.trustedCas });
        const action = typeof (payload as { action?: unknown } | null)?.action === "string" ? (payload as { action: string }).action : null;
        const d: Delivery = {
            id: this.nextDeliveryId++, guid, hookId: h.id, repositoryId: h.repositoryId, event, action,
            redelivery: opts.redelivery ?? false, url: h.config.url,
            statusCode: result.status, status: result.statusText, durationMs: Date.now() - started,
            deliveredAt: githubTime(new Date(started)), startedAtMs: started, throttledAt, requestHeaders: headers, payload,
            responseHeaders: result.headers, responseBody: result.text, body, signature256,
        };
        this.deliveries.push(d);
        return d;
    }
}

/** GitHub's 422 for a failed validation: `{"message":"Validation Failed","errors":[...]}`. */
function validationFailed(errors: Record<string, unknown>[], documentationUrl: string): Reply {
    return ghError(422, "Validation Failed", documentationUrl, { errors });
}

/** GitHub's request ids: five colon-separated hex groups (e.g. FA2D:87B1:8879E3:1176C87:6570B7E6). */
function githubRequestId(): string {
    const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString("hex").slice(0, n).toUpperCase();
    return [hex(4), hex(4), hex(6), hex(7), hex(8)].join(":");
}

/** A delivery as "List deliveries for a repository webhook" shows it (go-github HookDelivery). */
function deliveryItem(d: Delivery): Record<string, unknown> {
    return {
        id: d.id, guid: d.guid, delivered_at: d.deliveredAt, redelivery: d.redelivery, duration: d.durationMs / 1000,
        status: d.status, status_code: d.statusCode, event: d.event, action: d.action,
        installation_id: null, repository_id: d.repositoryId, throttled_at: d.throttledAt,
    };
}

function configView(c: HookConfig): Record<string, unknown> {
    return { content_type: c.content_type, insecure_ssl: c.insecure_ssl, url: c.url, ...(c.secret ? { secret: "********" } : {}) };
}

function repoKey(owner: string, name: string): string {
    // "The name is not case sensitive" (owner and repo path parameters).
    return `${owner.toLowerCase()}/${name.toLowerCase()}`;
}

/** The routes that take the App's JWT (ghes-3.19.json and api.github.com.json: "You must use a JWT"). */
function isAppRoute(method: string, path: string): boolean {
    return (method === "GET" && (path === "/app" || /^\/app\/installations\/\d+$/.test(path)))
        || (method === "POST" && /^\/app\/installations\/\d+\/access_tokens$/.test(path))
        || (method === "GET" && (/^\/repos\/[^/]+\/[^/]+\/installation$/.test(path) || /^\/(?:orgs|users)\/[^/]+\/installation$/.test(path)));
}

/** An App's bot user, `<slug>[bot]`: the creator of what its installation tokens make. */
function botAccount(app: App): Account {
    return { login: `${app.slug}[bot]`, id: app.botId, type: "Bot" };
}

function subscribed(h: Hook, event: string): boolean {
    return h.events.includes(event) || h.events.includes("*");
}

function matchesEtag(header: string | string[] | undefined, etag: string): boolean {
    const strip = (t: string) => t.trim().replace(/^W\//, "");
    return String(header ?? "").split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

/** `per_page` (default 30, at most 100) and `page` (from 1), as GitHub reads them. */
function pageOf(query: URLSearchParams): { perPage: number; page: number } {
    return {
        perPage: Math.min(100, Math.max(1, Number(query.get("per_page") ?? 30) || 30)),
        page: Math.max(1, Number(query.get("page") ?? 1) || 1),
    };
}

function paginate<T>(list: readonly T[], query: URLSearchParams): T[] {
    const { perPage, page } = pageOf(query);
    return list.slice((page - 1) * perPage, page * perPage);
}

/**
 * GitHub's `Link` header for one page of a repository's list: prev, next, last and first, each the
 * request's query with another `page`, by the repository's id (`…/repositories/{id}/hooks?per_page=100&page=2`).
 * None when everything fits on one page ("Using pagination in the REST API").
 */
function pageLinks(ctx: RequestContext, repo: Repository, resource: string, total: number): Record<string, string> {
    const { perPage, page } = pageOf(ctx.query);
    const last = Math.max(1, Math.ceil(total / perPage));
    const at = (n: number) => {
        const q = new URLSearchParams(ctx.query);
        q.set("page", String(n));
        return `<${ctx.front.apiBase}repositories/${repo.id}/${resource}?${q}>`;
    };
    const links = [
        ...(page > 1 ? [`${at(Math.min(page - 1, last))}; rel="prev"`] : []),
        ...(page < last ? [`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`] : []),
        ...(page > 1 ? [`${at(1)}; rel="first"`] : []),
    ];
    return links.length > 0 ? { Link: links.join(", ") } : {};
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

const GitHubDotComHosts: Hosts = { api: "https://api.github.com/", web: "https://github.com/" };

/**
 * The `push` payload GitHub sends: ref, before/after, the pushed commit as commits[0] and
 * head_commit, the repository (push form), pusher, sender and, for an organization's repository,
 * the organization. `created`/`deleted` follow from an all-zero before/after, as on GitHub.
 */
export function pushPayload(owner: string, repo: string, p: PushOptions, repositoryId = 1, hosts: Hosts = GitHubDotComHosts, facts?: RepositoryFacts): Record<string, unknown> {
    const ref = p.ref ?? "refs/heads/main";
    const now = new Date();
    const r: RepositoryFacts = facts ?? { id: repositoryId, name: repo, owner: { login: owner, id: 9000001, type: "Organization" }, createdAt: now, pushedAt: now, defaultBranch: "main" };
    const zero = (sha: string) => /^0+$/.test(sha);
    const commit: CommitFacts = { id: p.after, message: p.message ?? "update", timestamp: now };
    const committer = { name: ActingUser.login, email: `${ActingUser.login}@example.com`, username: ActingUser.login };
    const head = zero(p.after) ? null : pushCommit(commit, r, hosts, committer);
    return {
        ref, before: p.before, after: p.after, repository: repositoryPush(r, hosts),
        pusher: { name: committer.name, email: committer.email },
        ...(r.owner.type === "Organization" ? { organization: organizationSimple(r.owner, hosts) } : {}),
        sender: simpleUser(ActingUser, hosts),
        created: zero(p.before), deleted: zero(p.after), forced: false, base_ref: null,
        compare: `${hosts.web}${r.owner.login}/${r.name}/compare/${p.before.slice(0, 12)}...${p.after.slice(0, 12)}`,
        commits: head ? [head] : [], head_commit: head,
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
 * What GitHub records for a delivery that got no HTTP answer (status_code 0), in the words of
 * "Troubleshooting webhooks": a refused connection is "failed to connect to network", a name that
 * does not resolve "failed to connect to host", no answer within the timeout "timed out", a
 * certificate it cannot verify "Peer certificate cannot be authenticated with given CA certificates".
 */
export function deliveryErrorStatus(err: NodeJS.ErrnoException): string {
    const code = err.code ?? "";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "failed to connect to host";
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/.test(code)) return "Peer certificate cannot be authenticated with given CA certificates";
    return "failed to connect to network";
}

/**
 * How a delivery goes out, as GitHub sends one. Over https: the certificate chain is verified
 * against the CAs GitHub trusts unless the hook's insecure_ssl is "1" ("Determines whether the SSL
 * certificate of the host for url will be verified when delivering payloads. Supported values
 * include 0 (verification is performed) and 1 (verification is not performed)": the hook config in
 * GitHub's REST description); a failure is recorded as "Peer certificate cannot be authenticated
 * with given CA certificates" ("Troubleshooting webhooks"). The host name goes out as SNI, so a
 * shared ingress picks the host's certificate (node sends it for a name, never for an IP, as RFC
 * 6066 requires). No redirect is followed: the 3xx is the answer, recorded as a failed delivery
 * (GitHub's support: "webhooks don't support redirects", isaacs/github#574; the docs ask for a 2xx
 * answer). The whole exchange must finish within the timeout: 10 s on GitHub.com, 30 s on GHES
 * ("Troubleshooting webhooks", Timed out), not just the socket's idle time.
 */
interface DeliveryTransport {
    readonly insecure: boolean;
    readonly timeoutMs: number;
    /** CAs trusted besides node's public roots (the sandbox CA, standing for a public one). */
    readonly trustedCas?: readonly string[];
}

function post(target: string, headers: Record<string, string>, body: string, t: DeliveryTransport): Promise<PostResult> {
    const { insecure, timeoutMs } = t;
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
        const failed = (err: NodeJS.ErrnoException) => done({ status: 0, statusText: deliveryErrorStatus(err), text: "", headers: {} });
        const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
        const tlsOptions = url.protocol === "https:"
            ? {
                rejectUnauthorized: !insecure,
                ...(isIP(host) ? {} : { servername: host }),
                ...(t.trustedCas && t.trustedCas.length > 0 ? { ca: [...tls.rootCertificates, ...t.trustedCas] } : {}),
            }
            : {};
        const req = lib.request(url, { method: "POST", headers, ...tlsOptions }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const status = res.statusCode ?? 0;
                const responseHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));
                done({ status, statusText: status >= 200 && status < 300 ? "OK" : `Invalid HTTP Response: ${status}`, text: Buffer.concat(chunks).toString().slice(0, 2000), headers: responseHeaders });
            });
            res.on("error", failed);
        });
        const timer = setTimeout(() => {
            done({ status: 0, statusText: "timed out", text: "", headers: {} });
            req.destroy();
        }, timeoutMs);
        req.on("error", failed);
        req.end(body);
    });
}
