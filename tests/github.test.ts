// The GitHub side of the program's own checks: retries for rate limits, which delivery is ours,
// what each status code means, the hook limit, and the web URL commit statuses are posted to.
import * as assert from "assert";
import {
    checkFingerprint, deliveryOk, DeliverySummary, explainApiFailure, explainDelivery, githubRequest, githubWebUrl,
    hookCapacityProblem, HookSummary, MaxHooksPerEvent, newPingDelivery, repositoryWebUrl, retryDelayMs, signedDeliveryHeaders,
} from "../lib/github";
import { createHmac } from "crypto";
import { GitHubApi } from "../sandbox/standins/githubApi";

const ctx = { owner: "example-org", repository: "instavote", receiver: "instavote-0123456789", namespace: "flux-system", payloadHost: "203.0.113.10:31234" };

function delivery(id: number, event: string, status_code: number): DeliverySummary {
    return { id, guid: `g${id}`, delivered_at: "2026-11-25T12:00:00Z", redelivery: false, duration: 0.01, status: status_code === 200 ? "OK" : "Invalid HTTP Response: " + status_code, status_code, event };
}

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(answers: { status: number; headers?: Record<string, string>; body?: unknown }[]) {
    const calls: { url: string; init: RequestInit }[] = [];
    const f = async (url: string | URL | Request, init?: RequestInit) => {
        calls.push({ url: String(url), init: init ?? {} });
        const a = answers[Math.min(calls.length - 1, answers.length - 1)];
        return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: a.headers });
    };
    return { fetch: f as typeof fetch, calls };
}

describe("GitHub requests: rate limits and retries", () => {
    it("waits out a secondary rate limit (403 with retry-after) and returns the retried answer", async () => {
        const { fetch, calls } = scriptedFetch([{ status: 403, headers: { "retry-after": "2" }, body: { message: "You have exceeded a secondary rate limit" } }, { status: 200, body: [] }]);
        const slept: number[] = [];
        const res = await githubRequest({ baseUrl: "https://api.github.com/", token: "t" }, "GET", "repos/o/r/hooks", undefined, { fetch, sleep: async (ms) => void slept.push(ms) });
        assert.strictEqual(res.status, 200);
        assert.deepStrictEqual(slept, [2000]);
        assert.strictEqual(calls.length, 2);
        assert.strictEqual(calls[0].url, "https://api.github.com/repos/o/r/hooks");
        assert.strictEqual((calls[0].init.headers as Record<string, string>).Authorization, "Bearer t");
    });

    it("waits until x-ratelimit-reset when the primary limit is exhausted", () => {
        assert.strictEqual(retryDelayMs(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000" }, 0, 990_000), 11_000);
        assert.strictEqual(retryDelayMs(429, {}, 3, 0), 8000, "429 without headers: exponential backoff");
        assert.strictEqual(retryDelayMs(502, {}, 10, 0), 30000, "capped");
    });

    it("does not retry a 403 that is a permission problem, nor a 404", () => {
        assert.strictEqual(retryDelayMs(403, { "x-ratelimit-remaining": "4999" }, 0, 0), undefined);
        assert.strictEqual(retryDelayMs(404, {}, 0, 0), undefined);
    });

    it("gives up when the wait would exceed the budget, returning GitHub's last answer", async () => {
        const { fetch, calls } = scriptedFetch([{ status: 429, headers: { "retry-after": "120" } }]);
        const res = await githubRequest({ baseUrl: "https://ghe.example.com/api/v3", token: "t" }, "POST", "/repos/o/r/hooks/1/pings", undefined, { fetch, budgetMs: 60000, sleep: async () => assert.fail("must not sleep") });
        assert.strictEqual(res.status, 429);
        assert.strictEqual(calls.length, 1);
        assert.strictEqual(calls[0].url, "https://ghe.example.com/api/v3/repos/o/r/hooks/1/pings", "GHES base URL without trailing slash");
    });

    it("explains a token without permission, an invalid token and an exhausted limit, naming the fix", () => {
        const res = (status: number, headers: Record<string, string> = {}) => ({ status, headers, body: { message: "m" } });
        assert.match(explainApiFailure("listing hooks", "o", "r", res(403)), /Webhooks: read and write.*admin:repo_hook/);
        assert.match(explainApiFailure("listing hooks", "o", "r", res(404)), /GitHub answered 404 "m".*cannot see the repository's webhooks/);
        assert.match(explainApiFailure("listing hooks", "o", "r", res(401)), /github:token/);
        assert.match(explainApiFailure("listing hooks", "o", "r", res(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "0" })), /rate limit/);
    });
});

describe("the delivery check: finding the ping and explaining its status", () => {
    it("takes the newest ping that was not there before the request", () => {
        const before = new Set([1, 2]);
        const after = [delivery(5, "push", 200), delivery(4, "ping", 404), delivery(3, "ping", 200), delivery(2, "ping", 200), delivery(1, "ping", 400)];
        assert.strictEqual(newPingDelivery(before, after)?.id, 4);
        assert.strictEqual(newPingDelivery(new Set([1, 2, 3, 4]), after), undefined, "a push is not our ping");
    });

    it("ok means 2xx only", () => {
        assert.deepStrictEqual([200, 204, 299, 300, 0, 404].map(deliveryOk), [true, true, true, false, false, false]);
    });

    const cases: [number, RegExp][] = [
        [200, /accepted/],
        [0, /cannot reach the payload URL.*nodeAddress.*firewall.*NetworkPolicy.*certificate/],
        [404, /404: nothing serves this webhook path.*Receiver flux-system\/instavote-0123456789 has not reconciled.*name, namespace or token/],
        [400, /400: .*secret differs from the token.*spec\.events.*content type/],
        [503, /503: .*suspended or not Ready.*flux resume receiver instavote-0123456789/],
        [500, /500: .*GitRepository is missing/],
        [502, /502: a proxy between GitHub and notification-controller/],
        [301, /redirect/],
        [403, /Ingress auth or WAF/],
    ];
    for (const [code, message] of cases) {
        it(`explains ${code}`, () => {
            const text = explainDelivery(code, "", ctx);
            assert.match(text, message);
            assert.match(text, /example-org\/instavote webhook \(payload URL on 203\.0\.113\.10:31234\)/);
        });
    }

    it("the fingerprint changes with each part and keeps no part in clear", () => {
        const base = ["o", "r", "1", "http://h/hook/abc", "s3cret", ""];
        const fp = checkFingerprint(base);
        for (let i = 0; i < base.length; i++) {
            const changed = [...base];
            changed[i] = changed[i] + "x";
            assert.notStrictEqual(checkFingerprint(changed), fp, `part ${i}`);
        }
        assert.notStrictEqual(checkFingerprint(["ab", "c"]), checkFingerprint(["a", "bc"]), "parts are separated");
        assert.ok(!fp.includes("s3cret") && /^[0-9a-f]{32}$/.test(fp));
    });

    it("signs a probe exactly as GitHub signs a delivery", () => {
        const body = '{"zen":"x"}';
        const h = signedDeliveryHeaders("ping", body, "tok");
        assert.strictEqual(h["X-Hub-Signature-256"], `sha256=${createHmac("sha256", "tok").update(body).digest("hex")}`);
        assert.strictEqual(h["X-Hub-Signature"], `sha1=${createHmac("sha1", "tok").update(body).digest("hex")}`);
        assert.strictEqual(h["X-GitHub-Event"], "ping");
        assert.strictEqual(h["Content-Type"], "application/json");
    });
});

describe("GitHub's 20 hooks per event", () => {
    const hook = (id: number, events: string[]): HookSummary => ({ id, active: true, events, config: { url: `https://h/${id}` } });
    it("refuses when push already has 20 hooks, counting `*` hooks, and names the options", () => {
        const hooks = [...Array.from({ length: 19 }, (_, i) => hook(i, ["push"])), hook(99, ["*"])];
        const problem = hookCapacityProblem("o", "r", hooks, ["push"]);
        assert.match(problem ?? "", /o\/r already has 20 webhooks for the "push" event.*at most 20/);
        assert.match(problem ?? "", /fewer clusters.*one Receiver reconcile several GitRepositories.*organization webhook/);
    });
    it("accepts 19, and hooks of other events do not count", () => {
        const hooks = [...Array.from({ length: MaxHooksPerEvent - 1 }, (_, i) => hook(i, ["push"])), hook(50, ["issues"]), hook(51, ["pull_request"])];
        assert.strictEqual(hookCapacityProblem("o", "r", hooks, ["push"]), undefined);
    });
});

describe("the Provider's address (commit statuses)", () => {
    it("api.github.com -> github.com; GHES /api/v3/ -> its host; another base -> its origin", () => {
        assert.strictEqual(githubWebUrl("https://api.github.com/"), "https://github.com");
        assert.strictEqual(githubWebUrl("https://ghe.example.com/api/v3/"), "https://ghe.example.com");
        assert.strictEqual(githubWebUrl("http://127.0.0.1:4321/"), "http://127.0.0.1:4321");
        assert.strictEqual(repositoryWebUrl("https://api.github.com/", "example-org", "instavote"), "https://github.com/example-org/instavote");
    });
});

describe("against the GitHub API stand-in (as strict as GitHub: its rate limits and permissions)", function () {
    this.timeout(20000);
    let api: GitHubApi;
    beforeEach(async () => {
        api = await GitHubApi.start({ token: "admin", repositories: [{ owner: "o", name: "r" }] });
    });
    afterEach(() => api.close());

    it("waits out a secondary rate limit (retry-after) and gets the list", async () => {
        api.refuseNext(2, { limit: "secondary", status: 403, retryAfter: 1 });
        const slept: number[] = [];
        const res = await githubRequest({ baseUrl: api.url, token: "admin" }, "GET", "repos/o/r/hooks", undefined, { sleep: async (ms) => void slept.push(ms) });
        assert.strictEqual(res.status, 200);
        assert.deepStrictEqual(slept, [1000, 1000]);
    });

    it("a fine-grained token without Webhooks permission: GitHub's 403, explained with the permission to grant", async () => {
        api.addToken("no-hooks", { type: "fine-grained", statuses: "write" });
        const res = await githubRequest({ baseUrl: api.url, token: "no-hooks" }, "GET", "repos/o/r/hooks");
        assert.strictEqual(res.status, 403);
        assert.match(explainApiFailure("listing the webhooks of o/r", "o", "r", res), /GitHub answered 403 "Resource not accessible by personal access token".*Webhooks: read and write/);
    });
});
