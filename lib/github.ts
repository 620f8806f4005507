// GitHub's REST API as the program's own checks use it: one request function with retries for
// rate limits, and the pure decisions (which delivery is our ping, what a status code means, how
// many hooks a repository holds). The dynamic providers in providers/ run these in their own process.
import { createHash, createHmac, randomUUID } from "crypto";

/** api.github.com's default; a GitHub Enterprise Server answers at https://HOST/api/v3/. */
export const DefaultGitHubApiUrl = "https://api.github.com/";
/** GitHub refuses a hook when an event would have more than this many hooks on one repository. */
export const MaxHooksPerEvent = 20;
/** GitHub gives up on a delivery after 10 s (its documented webhook timeout). */
export const GitHubDeliveryTimeoutSeconds = 10;

export interface GitHubApiSettings {
    /** REST base URL, ending in `/` (api.github.com, or GHES's `/api/v3/`). */
    readonly baseUrl: string;
    readonly token: string;
}

export interface GitHubResponse<T> {
    readonly status: number;
    readonly body: T;
    readonly headers: Readonly<Record<string, string>>;
}

export interface RetryOptions {
    /** Longest total wait for rate limits and GitHub's 5xx, in ms (default 60 s). */
    readonly budgetMs?: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
    readonly fetch?: typeof fetch;
}

export function withTrailingSlash(url: string): string {
    return url.endsWith("/") ? url : `${url}/`;
}

/**
 * How long GitHub asks us to wait before the next request, or undefined if `res` is no rate limit
 * or transient error. GitHub's rules: `retry-after` (secondary limits, 429), else when
 * `x-ratelimit-remaining` is 0 wait until `x-ratelimit-reset` (epoch seconds); a 403 without
 * either is a permission problem, not a limit.
 */
export function retryDelayMs(status: number, headers: Readonly<Record<string, string>>, attempt: number, nowMs: number): number | undefined {
    const retryAfter = headers["retry-after"];
    if ((status === 403 || status === 429) && retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
        return Number(retryAfter) * 1000;
    }
    if ((status === 403 || status === 429) && headers["x-ratelimit-remaining"] === "0") {
        const reset = Number(headers["x-ratelimit-reset"]);
        return Number.isFinite(reset) ? Math.max(0, reset * 1000 - nowMs) + 1000 : 60000;
    }
    if (status === 429 || status === 502 || status === 503 || status === 504) {
        return Math.min(30000, 1000 * 2 ** attempt); // exponential backoff: 1, 2, 4, 8, 16, 30 s
    }
    return undefined;
}

/** One REST call; waits out rate limits and GitHub's transient errors within the budget. */
export async function githubRequest<T>(
    settings: GitHubApiSettings,
    method: string,
    path: string,
    body?: unknown,
    opts: RetryOptions = {},
): Promise<GitHubResponse<T>> {
    const doFetch = opts.fetch ?? fetch;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = opts.now ?? Date.now;
    const deadline = now() + (opts.budgetMs ?? 60000);
    const url = new URL(path.replace(/^\//, ""), withTrailingSlash(settings.baseUrl));
    for (let attempt = 0; ; attempt++) {
        const res = await doFetch(url, {
            method,
            headers: {
                Accept: "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "flux-push",
                ...(settings.token ? { Authorization: `Bearer ${settings.token}` } : {}),
                ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
            },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const headers: Record<string, string> = {};
        res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
        const text = await res.text();
        let parsed: unknown = undefined;
        try {
            parsed = text ? JSON.parse(text) : undefined;
        } catch {
            parsed = text;
        }
        const wait = retryDelayMs(res.status, headers, attempt, now());
        if (wait === undefined || now() + wait > deadline) {
            return { status: res.status, body: parsed as T, headers };
        }
        await sleep(wait);
    }
}

/** A failed API call, explained: what was tried, GitHub's answer, and what to do. */
export function explainApiFailure(what: string, owner: string, repository: string, res: GitHubResponse<unknown>): string {
    const message = (res.body as { message?: string } | undefined)?.message ?? "";
    const said = `GitHub answered ${res.status}${message ? ` "${message}"` : ""}`;
    const permission =
        "the token needs the repository permission \"Webhooks: read and write\" (fine-grained token or GitHub App) " +
        "or the scope admin:repo_hook (classic token)";
    switch (true) {
        case res.status === 401:
            return `${what}: ${said}: the GitHub token is missing or invalid; set it with \`pulumi config set --secret github:token ...\` or GITHUB_TOKEN`;
        case (res.status === 403 || res.status === 429) && retryDelayMs(res.status, res.headers, 0, 0) !== undefined:
            return `${what}: ${said}: GitHub's rate limit for this token is exhausted and did not reset within the wait; run \`pulumi up\` again later (limit resets at ${res.headers["x-ratelimit-reset"] ? new Date(Number(res.headers["x-ratelimit-reset"]) * 1000).toISOString() : "an unknown time"})`;
        case res.status === 403:
            return `${what}: ${said}: the token may not read or change the webhooks of ${owner}/${repository}; ${permission}`;
        case res.status === 404:
            return `${what}: ${said}: ${owner}/${repository} or its hook does not exist, or the token cannot see the repository's webhooks (GitHub answers 404 rather than 403 there); check github:owner, the repository name, and that ${permission}`;
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
}

/** Our ping's delivery: the newest `ping` that was not in the list before we asked for it. */
export function newPingDelivery(before: ReadonlySet<number>, deliveries: readonly DeliverySummary[]): DeliverySummary | undefined {
    return deliveries
        .filter((d) => d.event === "ping" && !before.has(d.id))
        .sort((a, b) => b.id - a.id)[0];
}

export interface DeliveryContext {
    readonly owner: string;
    readonly repository: string;
    readonly receiver: string;
    readonly namespace: string;
    /** Host (and port) of the payload URL: never the path, which is derived from the token. */
    readonly payloadHost: string;
}

/** Whether GitHub's delivery reached an accepting Receiver. */
export function deliveryOk(statusCode: number): boolean {
    return statusCode >= 200 && statusCode < 300;
}

/** What a ping's status code means for this push path, and what to do about it. */
export function explainDelivery(statusCode: number, status: string, c: DeliveryContext): string {
    const where = `GitHub's ping of the ${c.owner}/${c.repository} webhook (payload URL on ${c.payloadHost})`;
    const receiver = `Receiver ${c.namespace}/${c.receiver}`;
    const look = `look at \`flux get receivers -n ${c.namespace}\` and \`kubectl -n ${c.namespace} logs deploy/notification-controller\``;
    if (deliveryOk(statusCode)) return `${where} got ${statusCode}: ${receiver} accepted it`;
    if (statusCode === 0) {
        return `${where} got no response (${status || "no status"}): GitHub cannot reach the payload URL. ` +
            "Check that nodeAddress (or the Ingress host / LoadBalancer address) is reachable from the internet, " +
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

/** Why a new hook for `events` would be refused by GitHub, or undefined if there is room. */
export function hookCapacityProblem(owner: string, repository: string, hooks: readonly HookSummary[], events: readonly string[]): string | undefined {
    for (const event of events) {
        const n = hooksForEvent(hooks, event).length;
        if (n >= MaxHooksPerEvent) {
            return `${owner}/${repository} already has ${n} webhooks for the "${event}" event, and GitHub allows at most ${MaxHooksPerEvent} per event per repository: ` +
                "a new hook would be refused (422). Options: watch this repository from fewer clusters (each stack adds one hook), " +
                "let one Receiver reconcile several GitRepositories (one hook, `resources` with several entries or matchLabels), " +
                "or use an organization webhook (its own limit of 20 per event) in front of the clusters. See the README's \"Fleets\" section";
        }
    }
    return undefined;
}

// ---- commit statuses ---------------------------------------------------------------------------

/**
 * The web origin of the GitHub whose REST API is at `apiBaseUrl`: api.github.com -> https://github.com;
 * a GitHub Enterprise Server https://HOST/api/v3/ -> https://HOST. notification-controller's github
 * Provider takes the repository's web URL and, for any host but github.com, calls HOST/api/v3/.
 */
export function githubWebUrl(apiBaseUrl: string): string {
    const u = new URL(apiBaseUrl);
    if (u.host === "api.github.com") return "https://github.com";
    return u.origin + u.pathname.replace(/\/+$/, "").replace(/\/api\/v3$/, "");
}

/** The Provider's `address`: the repository's web URL. */
export function repositoryWebUrl(apiBaseUrl: string, owner: string, repository: string): string {
    return `${githubWebUrl(apiBaseUrl)}/${owner}/${repository}`;
}
