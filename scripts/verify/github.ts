// Reads a repository webhook's deliveries from GitHub's REST API
// (GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries), with the program's own client
// (lib/github.ts): GitHub's rate-limit rule, a timeout per request, `Link` pagination. A
// fine-grained token needs the repository permission "Webhooks: read"; a classic token
// `read:repo_hook` (or admin:repo_hook) from a repository admin.
import { appPermissionFix, githubRequest, GitHubResponse, nextLink, RequestOptions, ssoUrl } from "../../lib/github";
import { Delivery } from "./deliveries";
import { HookTarget } from "./targets";

/** GitHub keeps deliveries for 3 days; 5 pages of 100 cover that for all but the busiest hooks. */
const MaxPages = 5;

export class GitHubApiError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

function githubMessage(body: unknown): string {
    const m = (body as { message?: unknown } | undefined)?.message;
    return typeof m === "string" ? m : "";
}

/** Why a request failed, in terms of this check; GitHub's own message is appended (never the token). */
function explain(res: GitHubResponse<unknown>, t: HookTarget, host: string): string {
    const where = `${t.owner}/${t.repository}`;
    const status = res.status;
    const message = githubMessage(res.body);
    const sso = status === 403 && (res.headers["x-github-sso"]?.startsWith("required") === true || /SAML enforcement/i.test(message));
    const base =
        res.notJson !== undefined
            ? `${host} answered ${status} with ${res.notJson}, not JSON: a web page, not GitHub's REST API; check the stack's github:baseUrl`
            : status === 404
              ? `GitHub answers 404 for hook ${t.hookId} of ${where}: the hook was deleted outside Pulumi, or the token cannot see the repository`
              : status === 401
                ? "GitHub rejected the token (401): FLUX_PUSH_GITHUB_TOKEN is missing, expired or revoked"
                : sso
                  ? `GitHub refused (403): ${t.owner} enforces SAML single sign-on and FLUX_PUSH_GITHUB_TOKEN is not authorized for it; authorize it for ${t.owner}'s SSO${ssoUrl(res.headers) ? ` (${ssoUrl(res.headers)})` : ""}`
                  : res.retryAt !== undefined
                    ? `GitHub's rate limit (${status}) asks for a longer wait than this run takes; the next run retries (after ${new Date(res.retryAt).toISOString().replace(/\.\d+Z$/, "Z")})`
                    : status === 403 && /by integration/.test(message)
                      ? `GitHub refused (403): the token is the GitHub App's (FLUX_PUSH_APP_CLIENT_ID) and ${appPermissionFix(res, "\"Webhooks: read-only\"")} (on ${where})`
                      : status === 403
                      ? `GitHub refused (403): the token lacks "Webhooks: read" on ${where}`
                      : `GitHub answered ${status} for the deliveries of hook ${t.hookId} of ${where}`;
    return message ? `${base} (GitHub: "${message}")` : base;
}

/** The hook's deliveries, newest first, from the REST base `apiUrl` (resolveGitHubBase's restBase). */
export async function fetchDeliveries(apiUrl: string, token: string, t: HookTarget, fetchImpl: typeof fetch = fetch, opts: RequestOptions = {}): Promise<Delivery[]> {
    const settings = { baseUrl: apiUrl, token };
    const host = new URL(apiUrl).host;
    let next: string | undefined = `repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repository)}/hooks/${t.hookId}/deliveries?per_page=100`;
    const all: Delivery[] = [];
    for (let page = 0; next !== undefined && page < MaxPages; page++) {
        const res: GitHubResponse<unknown> = await githubRequest<unknown>(settings, "GET", next, undefined, { fetch: fetchImpl, ...opts }).catch((e: Error) => {
            throw new GitHubApiError(0, e.message);
        });
        if (res.status !== 200 || res.notJson !== undefined) throw new GitHubApiError(res.status, explain(res, t, host));
        if (!Array.isArray(res.body)) throw new GitHubApiError(res.status, `GitHub returned no list of deliveries for hook ${t.hookId} of ${t.owner}/${t.repository}`);
        all.push(...(res.body as Delivery[]));
        next = nextLink(res.headers["link"]);
    }
    return all;
}
