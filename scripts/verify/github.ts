// Reads a repository webhook's deliveries from GitHub's REST API
// (GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries). A fine-grained token needs the
// repository permission "Webhooks: read"; a classic token needs `read:repo_hook`.
import { Delivery } from "./deliveries";
import { HookTarget } from "./targets";

/** GitHub keeps deliveries for 3 days; 5 pages of 100 cover that for all but the busiest hooks. */
const MaxPages = 5;

export class GitHubApiError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

function nextLink(link: string | null): string | undefined {
    for (const part of (link ?? "").split(",")) {
        const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
        if (m) return m[1];
    }
    return undefined;
}

/** Why a request failed, in terms of this check; GitHub's own message is appended (never the token). */
function explain(status: number, t: HookTarget, message: string): string {
    const where = `${t.owner}/${t.repository}`;
    const base =
        status === 404
            ? `GitHub answers 404 for hook ${t.hookId} of ${where}: the hook was deleted outside Pulumi, or the token cannot see the repository`
            : status === 401
              ? "GitHub rejected the token (401): FLUX_PUSH_GITHUB_TOKEN is missing, expired or revoked"
              : status === 403
                ? `GitHub refused (403): the token lacks "Webhooks: read" on ${where}, or it is rate limited`
                : `GitHub answered ${status} for the deliveries of hook ${t.hookId} of ${where}`;
    return message ? `${base} (GitHub: "${message}")` : base;
}

export async function fetchDeliveries(apiUrl: string, token: string, t: HookTarget, fetchImpl: typeof fetch = fetch): Promise<Delivery[]> {
    const base = apiUrl.replace(/\/+$/, "");
    let url: string | undefined = `${base}/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repository)}/hooks/${t.hookId}/deliveries?per_page=100`;
    const all: Delivery[] = [];
    for (let page = 0; url !== undefined && page < MaxPages; page++) {
        const res = await fetchImpl(url, {
            headers: {
                Accept: "application/vnd.github+json",
                Authorization: `Bearer ${token}`,
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "flux-push-verify",
            },
        });
        const text = await res.text();
        if (!res.ok) {
            let message = "";
            try {
                message = String((JSON.parse(text) as { message?: unknown }).message ?? "");
            } catch {
                message = "";
            }
            throw new GitHubApiError(res.status, explain(res.status, t, message));
        }
        const items: unknown = JSON.parse(text);
        if (!Array.isArray(items)) throw new GitHubApiError(res.status, `GitHub returned no list of deliveries for hook ${t.hookId} of ${t.owner}/${t.repository}`);
        all.push(...(items as Delivery[]));
        url = nextLink(res.headers.get("link"));
    }
    return all;
}
