// GitHub's REST API as the program's own checks use it: which GitHub `github:baseUrl` names (and
// the REST base, web origin and limits that follow), one request function that waits out rate
// limits exactly as GitHub asks, and the pure decisions (which delivery is our ping, what a status
// code means, how many hooks a repository holds). The program's provider plugin (plugin/, the
// lifecycles in resources/) runs these in its own process, and scripts/verify.ts uses the same client.
import { createHash, createHmac, randomUUID } from "crypto";

// ---- which GitHub ------------------------------------------------------------------------------

/** GitHub.com, GitHub Enterprise Cloud with data residency (`*.ghe.com`), GitHub Enterprise Server. */
export const GitHubKinds = ["github.com", "ghe.com", "ghes"] as const;
export type GitHubKind = (typeof GitHubKinds)[number];

export interface GitHubLimits {
    /** How GitHub's docs name it. */
    readonly name: string;
    /**
     * "You can only create up to 250 (GHES) / 20 webhooks that subscribe to each individual event
     * type" (GitHub docs, types of webhooks); GitHub refuses one more with 422.
     */
    readonly hooksPerEvent: number;
    /** How long GitHub waits for a receiver before it records the delivery as "timed out". */
    readonly deliveryTimeoutSeconds: number;
}

export const GitHubLimitsByKind: Readonly<Record<GitHubKind, GitHubLimits>> = {
    "github.com": { name: "GitHub.com", hooksPerEvent: 20, deliveryTimeoutSeconds: 10 },
    "ghe.com": { name: "GitHub Enterprise Cloud (ghe.com)", hooksPerEvent: 20, deliveryTimeoutSeconds: 10 },
    ghes: { name: "GitHub Enterprise Server", hooksPerEvent: 250, deliveryTimeoutSeconds: 30 },
};

/** api.github.com's REST base: what the github provider and the program use when nothing is set. */
export const DefaultGitHubApiUrl = "https://api.github.com/";

export interface GitHubBase {
    readonly kind: GitHubKind;
    /** Where the REST API answers, ending in `/` (https://api.github.com/, https://api.NAME.ghe.com/, https://HOST/api/v3/). */
    readonly restBase: string;
    /** The web origin, no trailing slash (https://github.com, https://NAME.ghe.com, https://HOST). */
    readonly webOrigin: string;
}

export type GitHubBaseResolution = ({ readonly ok: true } & GitHubBase) | { readonly ok: false; readonly problem: string };

/** Every form `github:baseUrl` takes, as the refusal names them. */
export const GitHubBaseUrlForms =
    "unset, https://github.com/ or https://api.github.com/ for GitHub.com; https://NAME.ghe.com/ (or https://api.NAME.ghe.com/) " +
    "for GitHub Enterprise Cloud with data residency; https://HOST/ or https://HOST/api/v3/ for GitHub Enterprise Server";

// A GHE.com tenant: one or more DNS labels before .ghe.com (terraform-provider-github's
// GHECDataResidencyHostMatch); `api.` in front is the same tenant's REST host.
const GheComHost = /^(?:api\.)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\.ghe\.com$/;

/**
 * `github:baseUrl` resolved as the github provider resolves it (terraform-provider-github's
 * getBaseURL, v6.9.1+): github.com and api.github.com are GitHub.com; `https://NAME.ghe.com/`
 * (or its `api.` host) is GHE.com, whose REST API is at `https://api.NAME.ghe.com/`; any other host
 * is a GitHub Enterprise Server, which serves REST only under `/api/v3/` (the host root gets it
 * added, `…/api/v3[/]` is kept). Whatever neither the provider nor GitHub could use is refused:
 * another scheme, credentials, a query or fragment, another path, plain http or a port on
 * GitHub.com or GHE.com. Resolving a resolved `restBase` gives it back unchanged.
 */
export function resolveGitHubBase(value: string | undefined, setting = "github:baseUrl"): GitHubBaseResolution {
    if (value === undefined || value === "") {
        return { ok: true, kind: "github.com", restBase: DefaultGitHubApiUrl, webOrigin: "https://github.com" };
    }
    const refuse = (why: string): GitHubBaseResolution => ({
        ok: false,
        problem: `${setting}: ${JSON.stringify(value)} ${why}; accepted forms: ${GitHubBaseUrlForms}`,
    });
    if (/\s/.test(value)) return refuse("contains whitespace");
    let u: URL;
    try {
        u = new URL(value);
    } catch {
        return refuse("is not a URL");
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") return refuse(`uses ${u.protocol.replace(/:$/, "")}, not https`);
    if (u.username || u.password) return refuse("holds credentials (the token belongs in github:token)");
    if (value.includes("?") || value.includes("#")) return refuse("has a query or fragment");
    const host = u.hostname;
    const path = u.pathname;
    const root = path === "/";
    const apiV3 = path === "/api/v3" || path === "/api/v3/";
    if (host === "github.com" || host === "api.github.com") {
        if (u.protocol !== "https:" || u.port !== "") return refuse("must be https on the default port for GitHub.com");
        if (!root) return refuse(`has a path (${path}) that GitHub.com does not serve its API under`);
        return { ok: true, kind: "github.com", restBase: DefaultGitHubApiUrl, webOrigin: "https://github.com" };
    }
    const tenant = GheComHost.exec(host)?.[1];
    if (tenant !== undefined) {
        if (u.protocol !== "https:" || u.port !== "") return refuse("must be https on the default port for GHE.com");
        if (!root) return refuse(`has a path (${path}): GHE.com serves its API at https://api.${tenant}.ghe.com/`);
        return { ok: true, kind: "ghe.com", restBase: `https://api.${tenant}.ghe.com/`, webOrigin: `https://${tenant}.ghe.com` };
    }
    if (!root && !apiV3) return refuse(`has a path (${path}) a GitHub Enterprise Server does not serve its API under (only /api/v3/)`);
    return { ok: true, kind: "ghes", restBase: `${u.origin}/api/v3/`, webOrigin: u.origin };
}

/** The GitHub behind an already resolved REST base (as the provider plugin's resources receive it). */
export function githubBaseOf(restBase: string): GitHubBase {
    const r = resolveGitHubBase(restBase, "the GitHub REST base");
    if (!r.ok) throw new Error(r.problem);
    return { kind: r.kind, restBase: r.restBase, webOrigin: r.webOrigin };
}

/** The Provider's `address` (commit statuses): the repository's web URL. */
export function repositoryWebUrl(restBase: string, owner: string, repository: string): string {
    return `${githubBaseOf(restBase).webOrigin}/${owner}/${repository}`;
}

/** The hook's settings page, whose Recent Deliveries show each request and response. */
export function hookSettingsUrl(webOrigin: string, owner: string, repository: string, hookId: number | string): string {
    return `${webOrigin}/${owner}/${repository}/settings/hooks/${hookId}`;
}

// ---- requests ----------------------------------------------------------------------------------

/**
 * Credentials minted when needed (a GitHub App's installation tokens, lib/githubApp.ts): each
 * request asks for the current token; a 401 tells the source, and the request is made once more
 * with a new one (GitHub refuses an installation token after its hour, and a clock can be off).
 */
export interface GitHubTokenSource {
    readonly kind: "app";
    /** The App and installation, for messages (never a token or key). */
    readonly description: string;
    token(): Promise<string>;
    /** GitHub answered 401 to this token. */
    refused(token: string): void;
}

export interface GitHubApiSettings {
    /** REST base URL, ending in `/` (resolveGitHubBase's restBase). */
    readonly baseUrl: string;
    /** A token (`github:token`), or a source of installation tokens (`github:appAuth`). */
    readonly token: string | GitHubTokenSource;
}

/** App permission names (the `permissions` keys) as GitHub's settings page names them. */
export const AppPermissionTitles: Readonly<Record<string, string>> = {
    actions: "Actions",
    contents: "Contents",
    metadata: "Metadata",
    repository_hooks: "Webhooks",
    statuses: "Commit statuses",
    workflows: "Workflows",
};

/** "repository_hooks=write" as the settings page says it: "Webhooks: read and write". */
export function appPermissionTitle(name: string, level: string): string {
    const title = AppPermissionTitles[name] ?? name;
    return `${title}: ${level === "write" ? "read and write" : level === "read" ? "read-only" : level}`;
}

/**
 * GitHub's `X-Accepted-GitHub-Permissions` header ("repository_hooks=write; organization_hooks=admin":
 * sets separated by `;`, permissions in a set by `,`), in the settings page's words; "" when absent.
 */
export function acceptedPermissions(header: string | undefined): string {
    if (!header) return "";
    const sets = header.split(";").map((set) => set.split(",").map((p) => p.trim()).filter((p) => p !== "").map((p) => {
        const [name, level = ""] = p.split("=");
        return `"${appPermissionTitle(name.trim(), level.trim())}"`;
    }).join(" and ")).filter((s) => s !== "");
    return sets.join(", or ");
}


/** What a refusal should tell a GitHub App's installation to get: the permission, where to add it, and that an owner approves it. */
export function appPermissionFix(res: Pick<GitHubResponse<unknown>, "headers">, needed: string): string {
    const named = acceptedPermissions(res.headers["x-accepted-github-permissions"]) || needed;
    return `the GitHub App's installation needs ${named}: add it in the App's settings (Permissions & events → Repository permissions), ` +
        "then approve the new permissions on the installation (the owner's Settings → GitHub Apps → Configure), and run again";
}

export interface GitHubResponse<T> {
    readonly status: number;
    /** The parsed JSON body (undefined when the body was empty or not JSON). */
    readonly body: T;
    readonly headers: Readonly<Record<string, string>>;
    /** The answer was not JSON: its content type (GitHub's REST API always answers JSON). */
    readonly notJson?: string;
    /** GitHub asked to wait beyond the budget: the earliest time (ms since the epoch) to try again. */
    readonly retryAt?: number;
    /** How long GitHub asked to wait then, in ms. */
    readonly retryWaitMs?: number;
    /** GitHub's clock at the answer (its `Date` header, ms since the epoch). */
    readonly date?: number;
    /** "app": the request carried a GitHub App's installation token (messages name App permissions). */
    readonly auth?: "app";
}

export interface RequestOptions {
    /** Longest total time for the request and its waits for rate limits and GitHub's 5xx, in ms. */
    readonly budgetMs?: number;
    /** Longest time for one attempt (AbortSignal), in ms. */
    readonly requestTimeoutMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
    readonly fetch?: typeof fetch;
}

/**
 * Five minutes: GitHub's secondary limits ask for a minute or more (`retry-after: 60`, or "at
 * least one minute" without it); five minutes lets a request wait that out twice with backoff
 * (60 s, then 120 s) before it fails, naming when to retry.
 */
export const DefaultRequestBudgetMs = 300_000;
/** One attempt: GitHub answers in well under a second; 30 s means it (or the network) is stuck. */
export const DefaultRequestTimeoutMs = 30_000;
const MinuteMs = 60_000;

/**
 * Why a request has no answer to give: `GitHubUnreachableError`, no HTTP answer (refused, reset,
 * or over its timeout); `GitHubNotJsonError`, an answer that is not GitHub's REST API (a web page:
 * the web UI or a login redirect). Plain Errors with that `name`, not subclasses (the checks ran
 * from Pulumi's serialized copy of this code once, where a class extending Error made no Error).
 */
export type GitHubErrorName = "GitHubUnreachableError" | "GitHubNotJsonError";

export function gitHubError(name: GitHubErrorName, message: string): Error {
    const e = new Error(message);
    e.name = name;
    return e;
}

export function isGitHubError(e: unknown, name: GitHubErrorName): e is Error {
    return e instanceof Error && e.name === name;
}

export function withTrailingSlash(url: string): string {
    return url.endsWith("/") ? url : `${url}/`;
}

export type RetryReason = "retry-after" | "primary-limit" | "secondary-limit" | "server-error";

export interface RetryDecision {
    readonly reason: RetryReason;
    readonly waitMs: number;
}

function githubMessage(body: unknown): string {
    const m = (body as { message?: unknown } | undefined)?.message;
    return typeof m === "string" ? m : "";
}

/** GitHub's words for its secondary limits (and the older "abuse detection" ones). */
export function isSecondaryLimitMessage(message: string): boolean {
    return /secondary rate limit|abuse detection/i.test(message);
}

function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
    if (value === undefined) return undefined;
    if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
    const at = Date.parse(value);
    return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Whether and how long to wait before asking again, by GitHub's rule ("Rate limits for the REST
 * API", "Best practices"): if `retry-after` is present, wait that long; else if
 * `x-ratelimit-remaining` is 0, wait until `x-ratelimit-reset`; else for a secondary limit (403 or
 * 429 whose message says so, or any 429) wait at least a minute, then back off exponentially.
 * Never sooner than told. 502/503/504 get a short exponential backoff. `attempt` counts earlier
 * waits for the same reason; undefined: not a limit nor a transient error (a 403 without any of
 * this is a permission problem).
 */
export function retryDecision(status: number, headers: Readonly<Record<string, string>>, message: string, attempt: number, nowMs: number): RetryDecision | undefined {
    const limited = status === 403 || status === 429;
    const serverError = status === 502 || status === 503 || status === 504;
    if (!limited && !serverError) return undefined;
    const after = retryAfterMs(headers["retry-after"], nowMs);
    if (after !== undefined) return { reason: "retry-after", waitMs: after };
    if (limited && headers["x-ratelimit-remaining"] === "0") {
        const reset = Number(headers["x-ratelimit-reset"]);
        // GitHub's own clock when it answered, so a skewed local clock does not make us early.
        const date = Date.parse(headers["date"] ?? "");
        const reference = Number.isNaN(date) ? nowMs : date;
        return { reason: "primary-limit", waitMs: Number.isFinite(reset) ? Math.max(0, reset * 1000 - reference) + 1000 : MinuteMs };
    }
    if (status === 429 || (status === 403 && isSecondaryLimitMessage(message))) {
        return { reason: "secondary-limit", waitMs: MinuteMs * 2 ** attempt };
    }
    if (serverError) return { reason: "server-error", waitMs: Math.min(30_000, 1000 * 2 ** attempt) };
    return undefined;
}

/** A `Link` header's rel="next" URL, if any (GitHub's pagination). */
export function nextLink(link: string | undefined | null): string | undefined {
    for (const part of (link ?? "").split(",")) {
        const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
        if (m) return m[1];
    }
    return undefined;
}

/**
 * One REST call (`path` relative to the REST base, or an absolute URL from a `Link` header):
 * each attempt has its own timeout; rate limits and GitHub's 5xx are waited out within the budget,
 * and an answer that asks for a longer wait comes back with `retryAt`. Throws
 * GitHubUnreachableError when nothing answers and GitHubNotJsonError for a successful answer that
 * is not JSON (a web page: `github:baseUrl` points at the web UI).
 */
export async function githubRequest<T>(
    settings: GitHubApiSettings,
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
): Promise<GitHubResponse<T>> {
    const doFetch = opts.fetch ?? fetch;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = opts.now ?? Date.now;
    const budget = opts.budgetMs ?? DefaultRequestBudgetMs;
    const perAttempt = opts.requestTimeoutMs ?? DefaultRequestTimeoutMs;
    const deadline = now() + budget;
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ""), withTrailingSlash(settings.baseUrl));
    const attempts: Partial<Record<RetryReason, number>> = {};
    const source = typeof settings.token === "string" ? undefined : settings.token;
    // A refused installation token is replaced once: a 401 changes nothing at GitHub, so asking again is safe.
    let reminted = false;
    for (;;) {
        const token = source ? await source.token() : (settings.token as string);
        // The attempt's timeout counts against the budget: never past the deadline.
        const timeoutMs = Math.max(1, Math.min(perAttempt, deadline - now()));
        let res: Response;
        let text: string;
        try {
            res = await doFetch(url, {
                method,
                headers: {
                    Accept: "application/vnd.github+json",
                    "X-GitHub-Api-Version": "2022-11-28",
                    "User-Agent": "flux-push",
                    ...(token ? { Authorization: `Bearer ${token}` } : {}),
                    ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(timeoutMs),
            });
            text = await res.text();
        } catch (e) {
            const err = e as Error & { cause?: { code?: string; message?: string } };
            const timedOut = err.name === "TimeoutError" || err.name === "AbortError";
            throw gitHubError("GitHubUnreachableError", timedOut
                ? `${method} ${url.host}${url.pathname}: no answer from ${url.host} within ${Math.round(timeoutMs / 100) / 10} s`
                : `${method} ${url.host}${url.pathname}: could not reach ${url.host} (${err.cause?.code ?? err.cause?.message ?? err.message})`);
        }
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
        let parsed: unknown = undefined;
        let notJson: string | undefined;
        if (text !== "") {
            try {
                parsed = JSON.parse(text);
            } catch {
                notJson = headers["content-type"] || "no content type";
            }
        }
        const date = Date.parse(headers["date"] ?? "");
        const answer = { status: res.status, body: parsed as T, headers, ...(notJson ? { notJson } : {}), ...(Number.isNaN(date) ? {} : { date }), ...(source ? { auth: source.kind } : {}) };
        if (source && res.status === 401 && !reminted) {
            source.refused(token);
            reminted = true;
            continue;
        }
        if (notJson && res.status >= 200 && res.status < 300) {
            throw gitHubError("GitHubNotJsonError",
                `${method} ${url.href} answered ${res.status} with ${notJson}, not JSON: that is a web page (the web UI, or a login redirect), not GitHub's REST API. ` +
                `Check github:baseUrl: a GitHub Enterprise Server serves REST only under https://HOST/api/v3/ (that form, or the host root, https://HOST/)`,
            );
        }
        // Backoff counts per reason: a secondary limit after a 502 still waits its full minute.
        const reason = retryDecision(res.status, headers, githubMessage(parsed), 0, now())?.reason;
        const decision = reason === undefined ? undefined : retryDecision(res.status, headers, githubMessage(parsed), attempts[reason] ?? 0, now());
        if (decision === undefined) return answer;
        if (now() + decision.waitMs > deadline) return { ...answer, retryAt: now() + decision.waitMs, retryWaitMs: decision.waitMs };
        attempts[decision.reason] = (attempts[decision.reason] ?? 0) + 1;
        await sleep(decision.waitMs);
    }
}

/** A text resource the REST API serves (a job's log), or why it could not be read. */
export interface GitHubTextResponse {
    /** The final answer's status: the file's (200), or the API's own refusal (403, 404, 410). */
    readonly status: number;
    /** The file's text; for a refusal, GitHub's JSON message. */
    readonly text: string;
    readonly contentType: string;
    /** The REST API's own answer's headers (a refusal's `x-accepted-github-permissions`). */
    readonly headers: Readonly<Record<string, string>>;
    /** "app": the request carried a GitHub App's installation token. */
    readonly auth?: "app";
}

/**
 * One GET of a REST resource GitHub serves as a file, not JSON: `GET /repos/{owner}/{repo}/actions/
 * jobs/{job_id}/logs` answers 302 with a `Location` of a plain-text file ("This link expires after
 * 1 minute", GitHub's REST reference). The redirect is followed at once, exactly once, and without
 * the GitHub token (the link carries its own signature, and may be another host: blob storage);
 * any content type is accepted. A refusal comes back as its status and message, never as
 * GitHubNotJsonError: a log is no REST answer, and says nothing about `github:baseUrl`. Throws
 * GitHubUnreachableError only when nothing answers within the budget.
 */
export async function githubTextRequest(settings: GitHubApiSettings, path: string, opts: RequestOptions = {}): Promise<GitHubTextResponse> {
    const doFetch = opts.fetch ?? fetch;
    const now = opts.now ?? Date.now;
    const deadline = now() + (opts.budgetMs ?? DefaultRequestBudgetMs);
    const perAttempt = opts.requestTimeoutMs ?? DefaultRequestTimeoutMs;
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ""), withTrailingSlash(settings.baseUrl));
    const get = async (target: URL, headers: Record<string, string>): Promise<Response> => {
        const timeoutMs = Math.max(1, Math.min(perAttempt, deadline - now()));
        try {
            return await doFetch(target, { method: "GET", headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
        } catch (e) {
            const err = e as Error & { cause?: { code?: string; message?: string } };
            const timedOut = err.name === "TimeoutError" || err.name === "AbortError";
            throw gitHubError("GitHubUnreachableError", timedOut
                ? `GET ${target.host}${target.pathname}: no answer from ${target.host} within ${Math.round(timeoutMs / 100) / 10} s`
                : `GET ${target.host}${target.pathname}: could not reach ${target.host} (${err.cause?.code ?? err.cause?.message ?? err.message})`);
        }
    };
    // The API call carries the credentials as githubRequest's do: a GitHub App's current installation
    // token, minted again once if GitHub refuses it (401).
    const source = typeof settings.token === "string" ? undefined : settings.token;
    const api = async () => {
        const token = source ? await source.token() : (settings.token as string);
        const answer = await get(url, {
            Accept: "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "flux-push",
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
        });
        return { token, answer };
    };
    let { token, answer: first } = await api();
    if (source && first.status === 401) {
        await first.body?.cancel();
        source.refused(token);
        ({ token, answer: first } = await api());
    }
    const apiHeaders: Record<string, string> = {};
    first.headers.forEach((v, k) => (apiHeaders[k.toLowerCase()] = v));
    const common = { headers: apiHeaders, ...(source ? { auth: "app" as const } : {}) };
    let res = first;
    const location = first.headers.get("location");
    if (first.status >= 300 && first.status < 400 && location) {
        await first.body?.cancel();
        res = await get(new URL(location, url), { Accept: "text/plain, */*", "User-Agent": "flux-push" });
    }
    const text = await res.text();
    const contentType = res.headers.get("content-type") ?? "";
    if (res.status >= 300 && res.status < 400) return { status: res.status, text: `a redirect to ${res.headers.get("location") ?? "nowhere"} after the first`, contentType, ...common };
    if (res.status >= 400 && /json/i.test(contentType)) {
        try {
            const message = (JSON.parse(text) as { message?: unknown }).message;
            if (typeof message === "string") return { status: res.status, text: message, contentType, ...common };
        } catch {
            // Not the JSON it said: keep the text.
        }
    }
    return { status: res.status, text, contentType, ...common };
}

/** What the token needs for the call: `read` lists hooks and deliveries and pings; `write` changes hooks. */
export type HookAccess = "read" | "write";

function hookPermission(access: HookAccess, res?: GitHubResponse<unknown>): string {
    if (res?.auth === "app") return appPermissionFix(res, access === "read" ? "\"Webhooks: read-only\" (the stack itself needs \"Webhooks: read and write\")" : "\"Webhooks: read and write\"");
    return access === "read"
        ? "the token needs the repository permission \"Webhooks: read\" (fine-grained token or GitHub App; the stack itself needs read and write to create and update its hook), or a classic token with admin:repo_hook or read:repo_hook from a repository admin"
        : "the token needs the repository permission \"Webhooks: read and write\" (fine-grained token or GitHub App), or a classic token with admin:repo_hook from a repository admin";
}

/** The `x-github-sso` header's authorization URL, if any ("required; url=https://…"). */
export function ssoUrl(headers: Readonly<Record<string, string>>): string | undefined {
    return /url=(\S+)/.exec(headers["x-github-sso"] ?? "")?.[1];
}

/** A failed API call, explained: what was tried, what GitHub said, then the likely cause and fix. */
export function explainApiFailure(what: string, owner: string, repository: string, res: GitHubResponse<unknown>, access: HookAccess = "read"): string {
    const message = githubMessage(res.body);
    if (res.notJson) {
        return `${what}: GitHub answered ${res.status} with ${res.notJson}, not JSON: a web page (the web UI, or a login redirect), not GitHub's REST API; ` +
            "check github:baseUrl (a GitHub Enterprise Server serves REST only under https://HOST/api/v3/)";
    }
    const said = `GitHub answered ${res.status}${message ? ` "${message}"` : ""}`;
    const retry = res.retryAt !== undefined
        ? `; try again after ${new Date(res.retryAt).toISOString().replace(/\.\d+Z$/, "Z")}${res.retryWaitMs !== undefined ? ` (GitHub asked for ${Math.ceil(res.retryWaitMs / 1000)} s)` : ""}`
        : "";
    const reason = retryDecision(res.status, res.headers, message, 0, 0)?.reason;
    const limited = res.status === 403 || res.status === 429;
    const sso = res.status === 403 && (res.headers["x-github-sso"]?.startsWith("required") === true || /SAML enforcement/i.test(message));
    switch (true) {
        case res.status === 401 && res.auth === "app":
            return `${what}: ${said}, to the GitHub App's installation token and to a new one minted right after: the installation was removed or suspended, or its tokens were revoked; check github:appAuth.installationId and the installation (the owner's Settings → GitHub Apps)`;
        case res.status === 401:
            return `${what}: ${said}: the GitHub token is missing, expired or revoked; set it with \`pulumi config set --secret github:token ...\` or GITHUB_TOKEN`;
        case sso: {
            const url = ssoUrl(res.headers);
            return `${what}: ${said}: the organization ${owner} enforces SAML single sign-on and the token is not authorized for it: ` +
                `authorize the token for ${owner}'s SSO${url ? ` (${url})` : " (GitHub: Settings → Developer settings → the token → Configure SSO)"}, then run \`pulumi up\` again`;
        }
        case reason === "primary-limit":
            return `${what}: ${said}: the token's rate limit is used up (GitHub resets it at x-ratelimit-reset), later than this run waits${retry}`;
        case limited && reason !== undefined:
            return `${what}: ${said}: GitHub's secondary rate limit: it asks clients to wait before the next request, longer than this run waits${retry}`;
        case reason !== undefined:
            return `${what}: ${said}: GitHub had a transient error and still had it after the retries${retry}`;
        case res.status === 403:
            return `${what}: ${said}: the ${res.auth === "app" ? "GitHub App" : "token"} may not ${access === "read" ? "read" : "change"} the webhooks of ${owner}/${repository}; ${hookPermission(access, res)}`;
        case res.status === 404 && res.auth === "app":
            return `${what}: ${said}: ${owner}/${repository} or its hook does not exist, or the GitHub App's installation does not include the repository (GitHub answers 404 for repositories it was not granted); check github:owner, the repository name, and the installation's repository access (the owner's Settings → GitHub Apps → Configure)`;
        case res.status === 404:
            return `${what}: ${said}: ${owner}/${repository} or its hook does not exist, or the token cannot see the repository's webhooks (GitHub answers 404 rather than 403 there); check github:owner, the repository name, and that ${hookPermission(access)}`;
        default:
            return `${what}: ${said}`;
    }
}

// ---- the delivery check ------------------------------------------------------------------------

/** One entry of `GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries`. */
export interface DeliverySummary {
    readonly id: number;
    readonly guid: string;
    readonly delivered_at: string;
    readonly redelivery: boolean;
    /** Seconds GitHub spent on the request. */
    readonly duration: number;
    readonly status: string;
    /** The receiver's HTTP status; 0 when GitHub got no response (connection refused, timeout, TLS). */
    readonly status_code: number;
    readonly event: string;
    /** Set while GitHub holds the delivery back (throttling): not an answer yet. */
    readonly throttled_at?: string | null;
}

/** What is known about our ping request: the deliveries listed before it, and GitHub's clock at it. */
export interface PingRequest {
    readonly before: ReadonlySet<number>;
    /** GitHub's clock when it accepted our `POST .../pings` (the answer's `Date`), ms since the epoch. */
    readonly requestedAt: number | undefined;
}

/** Slack between GitHub's `Date` (whole seconds) and `delivered_at` (whole seconds). */
const DeliveredAtSlackMs = 1000;

/**
 * Whether a delivery can be our ping: a `ping`, not a redelivery, not listed before our request,
 * delivered no earlier than GitHub's clock at our request (less a second for rounding), so GitHub's
 * own ping on creation and older pings never count, even when the log shows them late.
 */
export function isOurPing(d: DeliverySummary, req: PingRequest): boolean {
    if (d.event !== "ping" || d.redelivery !== false || req.before.has(d.id)) return false;
    if (req.requestedAt === undefined) return true;
    const at = Date.parse(d.delivered_at);
    return !Number.isNaN(at) && at >= req.requestedAt - DeliveredAtSlackMs;
}

/** Our ping's delivery with GitHub's answer: the newest that can be ours and is not held back. */
export function ourPingDelivery(deliveries: readonly DeliverySummary[], req: PingRequest): DeliverySummary | undefined {
    return deliveries.filter((d) => isOurPing(d, req) && !d.throttled_at).sort((a, b) => b.id - a.id)[0];
}

export interface DeliveryContext {
    readonly owner: string;
    readonly repository: string;
    readonly receiver: string;
    readonly namespace: string;
    /** Host (and port) of the payload URL: never the path, which is derived from the token. */
    readonly payloadHost: string;
    readonly kind: GitHubKind;
    /** Who sent the delivery, for the message (default: GitHub's ping of the repository's webhook). */
    readonly sender?: string;
}

/** Whether GitHub's delivery reached an accepting Receiver. */
export function deliveryOk(statusCode: number): boolean {
    return statusCode >= 200 && statusCode < 300;
}

/** What a ping's status code means for this push path, and what to do about it. */
export function explainDelivery(statusCode: number, status: string, c: DeliveryContext): string {
    const where = `${c.sender ?? `GitHub's ping of the ${c.owner}/${c.repository} webhook`} (payload URL on ${c.payloadHost})`;
    const receiver = `Receiver ${c.namespace}/${c.receiver}`;
    const look = `look at \`flux get receivers -n ${c.namespace}\` and \`kubectl -n ${c.namespace} logs deploy/notification-controller\``;
    const limits = GitHubLimitsByKind[c.kind];
    if (deliveryOk(statusCode)) return `${where} got ${statusCode}: ${receiver} accepted it`;
    if (statusCode === 0 && /peer certificate/i.test(status)) {
        // "Peer certificate cannot be authenticated with given CA certificates" (Troubleshooting webhooks).
        return `${where} got no response (${status}): GitHub could not verify the payload URL's certificate. Most often it is self-signed or sent without its intermediate certificates ` +
            "(Troubleshooting webhooks); an expired certificate, or one for another host (an ingress controller's default certificate when the TLS Secret is missing) fail the same way. " +
            "Use a certificate from a CA GitHub trusts with its full chain in the TLS Secret, or, for a self-signed one and accepting the risk, `pulumi config set insecureSsl true`; " +
            "the receiver probe (receiverProbe fail or warn) reads the certificate itself and names what is wrong with it";
    }
    if (statusCode === 0) {
        // GitHub's own texts (troubleshooting webhooks): "failed to connect to network", "timed out".
        const why = /time(d)? ?out/i.test(status)
            ? `nothing answered within ${limits.deliveryTimeoutSeconds} s, ${limits.name}'s delivery timeout`
            : /connect|refused|resolve|dns/i.test(status)
                ? "the connection could not be made"
                : "no HTTP answer";
        return `${where} got no response (${status || "no status"}): GitHub cannot reach the payload URL (${why}). ` +
            "Check that nodeAddress (or the Ingress host / LoadBalancer address) is reachable from GitHub, " +
            "that a firewall or security group opens the port, that no NetworkPolicy (Flux's allow-webhooks, or allowedSources) drops GitHub's addresses, " +
            "and for https that DNS resolves and the certificate is valid for the host";
    }
    if (statusCode === 404) {
        return `${where} got 404: nothing serves this webhook path. Either ${receiver} has not reconciled (no status.webhookPath yet), ` +
            "its name, namespace or token differ from what the payload URL was computed from, or the exposure routes the request somewhere else " +
            `(an Ingress without the /hook/ path, another Service on the port); ${look}`;
    }
    if (statusCode === 400) {
        return `${where} got 400: ${receiver} refused the delivery: the hook's secret differs from the token in the Receiver's Secret ` +
            "(signature mismatch), the event is not in spec.events, or the content type is neither json nor form; " +
            `rotate the token (\`pulumi config set tokenRotation <new label>\` and \`pulumi up\`) if the hook was edited by hand; ${look}`;
    }
    if (statusCode === 503) {
        return `${where} got 503: ${receiver} is suspended or not Ready (\`flux resume receiver ${c.receiver} -n ${c.namespace}\`; ${look})`;
    }
    if (statusCode === 500) {
        return `${where} got 500: notification-controller accepted the delivery but could not request the reconcile (the GitRepository is missing or RBAC forbids it); ${look}`;
    }
    if (statusCode === 413) {
        return `${where} got 413: the body exceeded notification-controller's 3 MiB limit`;
    }
    if (statusCode >= 300 && statusCode < 400) {
        return `${where} got ${statusCode}: a redirect (GitHub does not follow redirects); give the final URL, e.g. https:// instead of http:// behind an Ingress that redirects`;
    }
    if (statusCode === 401 || statusCode === 403) {
        return `${where} got ${statusCode}: something in front of notification-controller (an Ingress auth or WAF rule) refused GitHub's request`;
    }
    if (statusCode >= 500) {
        return `${where} got ${statusCode}: a proxy between GitHub and notification-controller (Ingress, load balancer) failed or timed out; check that it routes /hook/ to the webhook-receiver Service`;
    }
    return `${where} got ${statusCode} (${status}): notification-controller answers 200, 400, 404, 413, 500 or 503; something else answered`;
}

/**
 * A non-secret fingerprint of what the check proves (hook, payload URL, secret, the user's trigger):
 * when it changes the check runs again. Kept in state instead of the URL and secret themselves.
 */
export function checkFingerprint(parts: readonly (string | number)[]): string {
    const h = createHash("sha256");
    for (const p of parts) h.update(String(p)).update("\0");
    return h.digest("hex").slice(0, 32);
}

// ---- the receiver probe ------------------------------------------------------------------------

/** A ping body as GitHub sends it (the Receiver accepts `ping`; it has no `ref`, so no branch filter drops it). */
export function probePingBody(owner: string, repository: string): string {
    return JSON.stringify({
        zen: "Responsive is better than fast.",
        hook_id: 0,
        hook: { type: "Repository", id: 0, name: "web", active: true, events: ["push"], config: { content_type: "json" } },
        repository: { name: repository, full_name: `${owner}/${repository}` },
        sender: { login: "flux-push" },
    });
}

/** Headers of a GitHub delivery, signed as GitHub signs (HMAC-SHA256 and SHA-1 of the exact body). */
export function signedDeliveryHeaders(event: string, body: string, secret: string): Record<string, string> {
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/flux-push-probe",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": randomUUID(),
        "X-Hub-Signature": `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`,
        "X-Hub-Signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    };
}

// ---- the hook limit ----------------------------------------------------------------------------

export interface HookSummary {
    readonly id: number;
    readonly active: boolean;
    readonly events: readonly string[];
    readonly config: { readonly url?: string };
}

/** Hooks that receive `event` (a hook on `*` receives every event). */
export function hooksForEvent(hooks: readonly HookSummary[], event: string): HookSummary[] {
    return hooks.filter((h) => h.events.includes(event) || h.events.includes("*"));
}

/** More pages than this is no repository's hook list: stop rather than loop (a web page that "pages" forever). */
export const MaxHookPages = 30;

/** Why a new hook for `events` would be refused by GitHub, or undefined if there is room. */
export function hookCapacityProblem(owner: string, repository: string, hooks: readonly HookSummary[], events: readonly string[], kind: GitHubKind): string | undefined {
    const { hooksPerEvent: max, name } = GitHubLimitsByKind[kind];
    for (const event of events) {
        const n = hooksForEvent(hooks, event).length;
        if (n >= max) {
            return `${owner}/${repository} already has ${n} webhooks for the "${event}" event, and ${name} allows at most ${max} per event per repository: ` +
                "a new hook would be refused (422). Options: watch this repository from fewer clusters (each stack adds one hook), " +
                "let one Receiver reconcile several GitRepositories (one hook, `resources` with several entries or matchLabels), " +
                `or use an organization webhook (its own limit of ${max} per event) in front of the clusters. See docs/fleets.md`;
        }
    }
    return undefined;
}
