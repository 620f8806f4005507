// The GitHub side of the program's own checks: which GitHub `github:baseUrl` names, requests with
// GitHub's rate-limit rule and timeouts, which delivery is our ping, what each status code means,
// the hooks-per-event limit, and the web URL commit statuses are posted to.
import * as assert from "assert";
import { createHmac } from "crypto";
import {
    checkFingerprint, deliveryOk, DeliverySummary, explainApiFailure, explainDelivery, GitHubLimitsByKind, githubRequest, githubTextRequest,
    hookCapacityProblem, isGitHubError, HookSummary, isOurPing, nextLink, ourPingDelivery, repositoryWebUrl, resolveGitHubBase,
    retryDecision, signedDeliveryHeaders,
} from "../lib/github";
import { GitHubApi } from "../sandbox/standins/githubApi";

const ctx = { owner: "example-org", repository: "instavote", receiver: "instavote-0123456789", namespace: "flux-system", payloadHost: "203.0.113.10:31234", kind: "github.com" as const };

function delivery(id: number, event: string, status_code: number, more: Partial<DeliverySummary> = {}): DeliverySummary {
    return { id, guid: `g${id}`, delivered_at: "2026-11-25T12:00:00Z", redelivery: false, duration: 0.01, status: status_code === 200 ? "OK" : "Invalid HTTP Response: " + status_code, status_code, event, ...more };
}

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(answers: { status: number; headers?: Record<string, string>; body?: unknown; text?: string }[]) {
    const calls: { url: string; init: RequestInit }[] = [];
    const f = async (url: string | URL | Request, init?: RequestInit) => {
        calls.push({ url: String(url), init: init ?? {} });
        const a = answers[Math.min(calls.length - 1, answers.length - 1)];
        return new Response(a.text ?? (a.body === undefined ? null : JSON.stringify(a.body)), { status: a.status, headers: a.headers });
    };
    return { fetch: f as typeof fetch, calls };
}

/** A clock that each request moves on by `requestMs` (as a real request takes time) and each sleep by its length. */
function fakeClock(requestMs = 0) {
    const clock = { t: Date.parse("2026-11-25T12:00:00Z"), slept: [] as number[] };
    return {
        clock,
        now: () => clock.t,
        sleep: async (ms: number) => {
            clock.slept.push(ms);
            clock.t += ms;
        },
        tick: () => (clock.t += requestMs),
    };
}

describe("github:baseUrl, resolved as the github provider resolves it", () => {
    const ok: [string | undefined, string, string, string][] = [
        [undefined, "github.com", "https://api.github.com/", "https://github.com"],
        ["", "github.com", "https://api.github.com/", "https://github.com"],
        ["https://github.com/", "github.com", "https://api.github.com/", "https://github.com"],
        ["https://github.com", "github.com", "https://api.github.com/", "https://github.com"],
        ["https://api.github.com/", "github.com", "https://api.github.com/", "https://github.com"],
        ["https://octo.ghe.com/", "ghe.com", "https://api.octo.ghe.com/", "https://octo.ghe.com"],
        ["https://octo-corp.ghe.com", "ghe.com", "https://api.octo-corp.ghe.com/", "https://octo-corp.ghe.com"],
        ["https://api.octo.ghe.com/", "ghe.com", "https://api.octo.ghe.com/", "https://octo.ghe.com"],
        ["https://ghe.example.com/", "ghes", "https://ghe.example.com/api/v3/", "https://ghe.example.com"],
        ["https://ghe.example.com", "ghes", "https://ghe.example.com/api/v3/", "https://ghe.example.com"],
        ["https://ghe.example.com/api/v3", "ghes", "https://ghe.example.com/api/v3/", "https://ghe.example.com"],
        ["https://ghe.example.com/api/v3/", "ghes", "https://ghe.example.com/api/v3/", "https://ghe.example.com"],
        ["http://10.0.0.5:8080/", "ghes", "http://10.0.0.5:8080/api/v3/", "http://10.0.0.5:8080"],
        ["https://GHE.Example.com/", "ghes", "https://ghe.example.com/api/v3/", "https://ghe.example.com"],
    ];
    for (const [value, kind, restBase, webOrigin] of ok) {
        it(`${JSON.stringify(value)} -> ${kind} ${restBase}`, () => {
            assert.deepStrictEqual(resolveGitHubBase(value), { ok: true, kind, restBase, webOrigin });
            // Resolving the REST base again gives the same GitHub: the providers receive the resolved form.
            assert.deepStrictEqual(resolveGitHubBase(restBase), { ok: true, kind, restBase, webOrigin });
        });
    }

    const refused: [string, RegExp][] = [
        ["ftp://ghe.example.com/", /uses ftp, not https/],
        ["ghe.example.com", /is not a URL/],
        ["https://ghe.example.com/?x=1", /query or fragment/],
        ["https://ghe.example.com/#api", /query or fragment/],
        ["https://ghe.example.com/github/", /has a path \(\/github\/\) a GitHub Enterprise Server does not serve its API under/],
        ["https://ghe.example.com/api/v4/", /has a path/],
        ["https://user:pw@ghe.example.com/", /holds credentials/],
        ["http://github.com/", /must be https on the default port for GitHub.com/],
        ["https://api.github.com/api/v3/", /has a path \(\/api\/v3\/\) that GitHub.com does not serve/],
        ["https://octo.ghe.com/api/v3", /GHE.com serves its API at https:\/\/api.octo.ghe.com\//],
        ["http://octo.ghe.com/", /must be https on the default port for GHE.com/],
        [" https://github.com/", /contains whitespace/],
    ];
    for (const [value, why] of refused) {
        it(`refuses ${JSON.stringify(value)}, naming the setting, the value and the accepted forms`, () => {
            const r = resolveGitHubBase(value);
            assert.ok(!r.ok);
            assert.match(r.problem, why);
            assert.ok(r.problem.startsWith(`github:baseUrl: ${JSON.stringify(value)} `), r.problem);
            assert.match(r.problem, /accepted forms: unset, https:\/\/github.com\/ .*https:\/\/NAME.ghe.com\/ .*https:\/\/HOST\/ or https:\/\/HOST\/api\/v3\//);
        });
    }

    it("the Provider's address (commit statuses) is the repository's web URL on that GitHub", () => {
        assert.strictEqual(repositoryWebUrl("https://api.github.com/", "example-org", "instavote"), "https://github.com/example-org/instavote");
        assert.strictEqual(repositoryWebUrl("https://ghe.example.com/api/v3/", "ops", "app"), "https://ghe.example.com/ops/app");
        assert.strictEqual(repositoryWebUrl("https://api.octo.ghe.com/", "ops", "app"), "https://octo.ghe.com/ops/app");
    });
});

describe("GitHub requests: GitHub's rate-limit rule, never sooner than told", () => {
    const api = { baseUrl: "https://api.github.com/", token: "t" };

    it("retry-after: waits exactly that long, and the default budget lets a minute be waited", async () => {
        const c = fakeClock(300);
        const { fetch, calls } = scriptedFetch([{ status: 403, headers: { "retry-after": "60" }, body: { message: "You have exceeded a secondary rate limit." } }, { status: 200, body: [] }]);
        const res = await githubRequest(api, "GET", "repos/o/r/hooks", undefined, { fetch: ((u: string, i: RequestInit) => (c.tick(), fetch(u, i))) as typeof fetch, sleep: c.sleep, now: c.now });
        assert.strictEqual(res.status, 200);
        assert.deepStrictEqual(c.clock.slept, [60000]);
        assert.strictEqual(calls.length, 2);
        assert.strictEqual(calls[0].url, "https://api.github.com/repos/o/r/hooks");
        assert.strictEqual((calls[0].init.headers as Record<string, string>).Authorization, "Bearer t");
    });

    it("a secondary limit without retry-after (403 with GitHub's words): at least a minute, then exponentially longer", async () => {
        const c = fakeClock();
        const limited = { status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." } };
        const { fetch } = scriptedFetch([limited, limited, { status: 200, body: [] }]);
        const res = await githubRequest(api, "GET", "repos/o/r/hooks", undefined, { fetch, sleep: c.sleep, now: c.now });
        assert.strictEqual(res.status, 200);
        assert.deepStrictEqual(c.clock.slept, [60000, 120000]);
    });

    it("a bare 429 is a secondary limit: a minute, not 1-2-4 s", async () => {
        const c = fakeClock();
        const { fetch } = scriptedFetch([{ status: 429 }, { status: 200, body: [] }]);
        await githubRequest(api, "GET", "repos/o/r/hooks", undefined, { fetch, sleep: c.sleep, now: c.now });
        assert.deepStrictEqual(c.clock.slept, [60000]);
    });

    it("x-ratelimit-remaining 0: until x-ratelimit-reset by GitHub's own clock (its Date), plus a second", () => {
        const date = "Wed, 25 Nov 2026 12:00:00 GMT";
        const reset = String(Date.parse(date) / 1000 + 30);
        assert.deepStrictEqual(retryDecision(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset, date }, "API rate limit exceeded", 0, Date.parse(date) - 3_600_000), { reason: "primary-limit", waitMs: 31000 });
        assert.deepStrictEqual(retryDecision(429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000" }, "", 0, 990_000), { reason: "primary-limit", waitMs: 11_000 });
    });

    it("retry-after wins over the primary reset; 5xx get a short exponential backoff; a permission 403 and a 404 are not retried", () => {
        assert.deepStrictEqual(retryDecision(403, { "retry-after": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "99999999999" }, "", 0, 0), { reason: "retry-after", waitMs: 5000 });
        assert.deepStrictEqual([502, 503, 504].map((s) => retryDecision(s, {}, "", 2, 0)?.waitMs), [4000, 4000, 4000]);
        assert.strictEqual(retryDecision(502, {}, "", 10, 0)?.waitMs, 30000, "capped");
        assert.strictEqual(retryDecision(403, { "x-ratelimit-remaining": "4999" }, "Resource not accessible by personal access token", 0, 0), undefined);
        assert.strictEqual(retryDecision(404, {}, "Not Found", 0, 0), undefined);
        assert.strictEqual(retryDecision(500, {}, "", 0, 0), undefined);
    });

    it("a wait beyond the budget is not slept: GitHub's answer comes back, and the message names when to retry", async () => {
        const c = fakeClock();
        const { fetch, calls } = scriptedFetch([{ status: 429, headers: { "retry-after": "600" }, body: { message: "You have exceeded a secondary rate limit." } }]);
        const res = await githubRequest({ baseUrl: "https://ghe.example.com/api/v3", token: "t" }, "POST", "/repos/o/r/hooks/1/pings", undefined, { fetch, sleep: c.sleep, now: c.now });
        assert.strictEqual(res.status, 429);
        assert.deepStrictEqual(c.clock.slept, []);
        assert.strictEqual(calls.length, 1);
        assert.strictEqual(calls[0].url, "https://ghe.example.com/api/v3/repos/o/r/hooks/1/pings", "GHES base URL without trailing slash");
        assert.strictEqual(res.retryAt, c.clock.t + 600_000);
        assert.strictEqual(explainApiFailure("asking GitHub to ping the hook", "o", "r", res),
            "asking GitHub to ping the hook: GitHub answered 429 \"You have exceeded a secondary rate limit.\": GitHub's secondary rate limit: it asks clients to wait before the next request, longer than this run waits; try again after 2026-11-25T12:10:00Z (GitHub asked for 600 s)");
    });

    it("each attempt has a timeout that names the host and the time", async () => {
        const hanging = ((_u: string, init: RequestInit) => new Promise((_r, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as unknown as typeof fetch;
        await assert.rejects(githubRequest(api, "GET", "repos/o/r/hooks", undefined, { fetch: hanging, requestTimeoutMs: 50 }),
            (e: Error) => isGitHubError(e, "GitHubUnreachableError") && /GET api.github.com\/repos\/o\/r\/hooks: no answer from api.github.com within 0.1 s/.test(e.message));
        const refused = (async () => {
            throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
        }) as unknown as typeof fetch;
        await assert.rejects(githubRequest(api, "GET", "repos/o/r/hooks", undefined, { fetch: refused }), /could not reach api.github.com \(ECONNREFUSED\)/);
    });

    it("a 200 that is not JSON (a GHES web UI or login page) is an error naming github:baseUrl and the REST form", async () => {
        const { fetch } = scriptedFetch([{ status: 200, headers: { "content-type": "text/html; charset=utf-8" }, text: "<!DOCTYPE html><html><title>Sign in</title></html>" }]);
        await assert.rejects(githubRequest({ baseUrl: "https://ghe.example.com/", token: "t" }, "GET", "repos/o/r/hooks", undefined, { fetch }),
            (e: Error) => isGitHubError(e, "GitHubNotJsonError") && /answered 200 with text\/html; charset=utf-8, not JSON.*web UI.*github:baseUrl.*https:\/\/HOST\/api\/v3\//.test(e.message));
    });

    it("a budget shorter than one attempt's timeout cuts the attempt at the budget, not at its own timeout", async () => {
        const hanging = ((_u: string, init: RequestInit) => new Promise((_r, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)))) as unknown as typeof fetch;
        const started = Date.now();
        await assert.rejects(githubRequest(api, "GET", "repos/o/r/hooks", undefined, { fetch: hanging, budgetMs: 80, requestTimeoutMs: 30_000 }),
            (e: Error) => isGitHubError(e, "GitHubUnreachableError") && /no answer from api.github.com within 0.1 s/.test(e.message));
        assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms, within the 80 ms budget (not the 30 s attempt timeout)`);
        await assert.rejects(githubTextRequest(api, "repos/o/r/actions/jobs/1/logs", { fetch: hanging, budgetMs: 80, requestTimeoutMs: 30_000 }), /within 0.1 s/);
    });

    describe("a text resource behind a redirect (a job's log: 302 to a plain-text file whose link expires after a minute)", () => {
        const logsPath = "repos/o/r/actions/jobs/70/logs";
        const redirectTo = (location: string) => ({ status: 302, headers: { location } });

        it("follows the one redirect at once, without the GitHub token, accepting text/plain; githubRequest would blame github:baseUrl for the same answer", async () => {
            const { fetch, calls } = scriptedFetch([redirectTo("https://blob.example/logs/70?sig=abc"), { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, text: "✗ request failed with status 400 Bad Request\n" }]);
            const res = await githubTextRequest({ baseUrl: "https://ghe.example.com/api/v3/", token: "ghp_secret" }, logsPath, { fetch });
            assert.deepStrictEqual(res, { status: 200, text: "✗ request failed with status 400 Bad Request\n", contentType: "text/plain; charset=utf-8", headers: { location: "https://blob.example/logs/70?sig=abc" } });
            assert.deepStrictEqual(calls.map((c) => c.url), ["https://ghe.example.com/api/v3/repos/o/r/actions/jobs/70/logs", "https://blob.example/logs/70?sig=abc"]);
            const h = (i: number) => calls[i].init.headers as Record<string, string>;
            assert.strictEqual(h(0).Authorization, "Bearer ghp_secret");
            assert.strictEqual(h(1).Authorization, undefined, "the signed link gets no GitHub token");
            assert.match(h(1).Accept, /text\/plain/);
            assert.strictEqual(calls[0].init.redirect, "manual");
            // The bug this replaces: the JSON client follows the redirect and refuses the text, naming github:baseUrl.
            const again = scriptedFetch([{ status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, text: "log line\n" }]);
            await assert.rejects(githubRequest({ baseUrl: "https://ghe.example.com/api/v3/", token: "t" }, "GET", logsPath, undefined, { fetch: again.fetch }), /github:baseUrl/);
        });

        it("an expired link, or GitHub's own refusal, comes back as its status and message, never as an error about github:baseUrl", async () => {
            const expired = scriptedFetch([redirectTo("https://blob.example/logs/70"), { status: 404, headers: { "content-type": "text/plain" }, text: "The link has expired" }]);
            assert.deepStrictEqual(await githubTextRequest(api, logsPath, { fetch: expired.fetch }), { status: 404, text: "The link has expired", contentType: "text/plain", headers: { location: "https://blob.example/logs/70" } });
            const gone = scriptedFetch([{ status: 410, headers: { "content-type": "application/json; charset=utf-8" }, body: { message: "Gone", documentation_url: "x" } }]);
            assert.deepStrictEqual(await githubTextRequest(api, logsPath, { fetch: gone.fetch }), { status: 410, text: "Gone", contentType: "application/json; charset=utf-8", headers: { "content-type": "application/json; charset=utf-8" } });
            const twice = scriptedFetch([redirectTo("https://a.example/"), redirectTo("https://b.example/")]);
            assert.match((await githubTextRequest(api, logsPath, { fetch: twice.fetch })).text, /a redirect to https:\/\/b\.example\/ after the first/);
        });

        it("with a GitHub App: the installation token the source hands out, minted again once when GitHub refuses it (401), and the App's permission named from GitHub's header", async () => {
            const handed: string[] = [];
            const refused: string[] = [];
            const source = { kind: "app" as const, description: "App 1, installation 2", token: async () => (handed.push(`ghs_${handed.length + 1}`), handed[handed.length - 1]), refused: (t: string) => void refused.push(t) };
            const { fetch, calls } = scriptedFetch([
                { status: 401, headers: { "content-type": "application/json" }, body: { message: "Bad credentials" } },
                redirectTo("https://blob.example/logs/70"),
                { status: 200, headers: { "content-type": "text/plain" }, text: "log\n" },
            ]);
            const res = await githubTextRequest({ baseUrl: "https://api.github.com/", token: source }, logsPath, { fetch });
            assert.deepStrictEqual([res.status, res.text, res.auth], [200, "log\n", "app"]);
            assert.deepStrictEqual(calls.map((c) => (c.init.headers as Record<string, string>).Authorization), ["Bearer ghs_1", "Bearer ghs_2", undefined]);
            assert.deepStrictEqual(refused, ["ghs_1"]);
            const denied = scriptedFetch([{ status: 403, headers: { "content-type": "application/json", "x-accepted-github-permissions": "actions=read" }, body: { message: "Resource not accessible by integration" } }]);
            const no = await githubTextRequest({ baseUrl: "https://api.github.com/", token: source }, logsPath, { fetch: denied.fetch });
            assert.deepStrictEqual([no.status, no.text, no.auth, no.headers["x-accepted-github-permissions"]], [403, "Resource not accessible by integration", "app", "actions=read"]);
        });
    });

    it("Link rel=\"next\" is the only way to the next page", () => {
        assert.strictEqual(nextLink('<https://api.github.com/repositories/1/hooks?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/hooks?per_page=100&page=3>; rel="last"'),
            "https://api.github.com/repositories/1/hooks?per_page=100&page=2");
        assert.strictEqual(nextLink('<https://api.github.com/x?page=1>; rel="prev"'), undefined);
        assert.strictEqual(nextLink(undefined), undefined);
    });
});

describe("GitHub's refusals, explained: what GitHub said first, then the likely cause", () => {
    const res = (status: number, message: string, headers: Record<string, string> = {}) => ({ status, headers, body: { message } });

    it("a token without permission: the read calls (list, ping, deliveries) need only Webhooks: read", () => {
        assert.match(explainApiFailure("listing hooks", "o", "r", res(403, "Resource not accessible by personal access token")),
            /^listing hooks: GitHub answered 403 "Resource not accessible by personal access token": the token may not read the webhooks of o\/r; the token needs the repository permission "Webhooks: read"/);
        assert.match(explainApiFailure("changing the hook", "o", "r", res(403, "m"), "write"), /"Webhooks: read and write".*admin:repo_hook/);
        assert.match(explainApiFailure("listing hooks", "o", "r", res(404, "Not Found")), /GitHub answered 404 "Not Found".*cannot see the repository's webhooks/);
        assert.match(explainApiFailure("listing hooks", "o", "r", res(401, "Bad credentials")), /"Bad credentials": the GitHub token is missing, expired or revoked.*github:token/);
    });

    it("SAML SSO enforcement: GitHub's words, then authorize the token for the organization's SSO at GitHub's URL", () => {
        const url = "https://github.com/orgs/o/sso?authorization_request=ABC";
        const text = explainApiFailure("listing hooks", "o", "r", res(403, "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.", { "x-github-sso": `required; url=${url}` }));
        assert.ok(text.startsWith("listing hooks: GitHub answered 403 \"Resource protected by organization SAML enforcement."), text);
        assert.match(text, /enforces SAML single sign-on.*authorize the token for o's SSO \(https:\/\/github.com\/orgs\/o\/sso\?authorization_request=ABC\)/);
        assert.doesNotMatch(text, /Webhooks/);
        assert.match(explainApiFailure("x", "o", "r", res(403, "Resource protected by organization SAML enforcement.")), /SAML single sign-on.*Configure SSO/);
    });

    it("a secondary limit that outlasts the wait is called that, not a missing permission", () => {
        const text = explainApiFailure("listing hooks", "o", "r", { ...res(403, "You have exceeded a secondary rate limit."), retryAt: Date.parse("2026-11-25T12:01:00Z") });
        assert.match(text, /secondary rate limit.*try again after 2026-11-25T12:01:00Z/);
        assert.doesNotMatch(text, /Webhooks/);
        assert.match(explainApiFailure("x", "o", "r", res(403, "API rate limit exceeded", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "0" })), /rate limit is used up/);
    });

    it("a web page where JSON was expected names github:baseUrl", () => {
        assert.match(explainApiFailure("listing hooks", "o", "r", { status: 404, headers: {}, body: undefined, notJson: "text/html" }), /answered 404 with text\/html, not JSON.*check github:baseUrl/);
    });
});

describe("the delivery check: finding our ping and explaining its status", () => {
    const requestedAt = Date.parse("2026-11-25T12:00:10Z");
    const at = (s: number) => new Date(requestedAt + s * 1000).toISOString();

    it("ours: a ping, not a redelivery, not listed before, delivered no earlier than GitHub's clock at the request (less a second)", () => {
        const req = { before: new Set([1]), requestedAt };
        assert.ok(isOurPing(delivery(5, "ping", 200, { delivered_at: at(0.5) }), req));
        assert.ok(isOurPing(delivery(5, "ping", 200, { delivered_at: at(-1) }), req), "a second of rounding");
        assert.ok(!isOurPing(delivery(5, "ping", 200, { delivered_at: at(-1.5) }), req), "GitHub's creation ping, shown late");
        assert.ok(!isOurPing(delivery(5, "ping", 200, { delivered_at: at(1), redelivery: true }), req), "a redelivery");
        assert.ok(!isOurPing(delivery(1, "ping", 200, { delivered_at: at(1) }), req), "listed before the request");
        assert.ok(!isOurPing(delivery(5, "push", 200, { delivered_at: at(1) }), req), "a push");
        assert.ok(!isOurPing(delivery(5, "ping", 200, { delivered_at: "not a time" }), req));
    });

    it("takes the newest of ours; a throttled one is no answer yet", () => {
        const req = { before: new Set([1, 2]), requestedAt };
        const after = [delivery(6, "push", 200, { delivered_at: at(2) }), delivery(5, "ping", 404, { delivered_at: at(1) }), delivery(4, "ping", 200, { delivered_at: at(1), redelivery: true }), delivery(2, "ping", 200, { delivered_at: at(0) })];
        assert.strictEqual(ourPingDelivery(after, req)?.id, 5);
        assert.strictEqual(ourPingDelivery([delivery(5, "ping", 0, { delivered_at: at(1), throttled_at: at(1) })], req), undefined);
        assert.strictEqual(ourPingDelivery(after, { before: new Set([1, 2, 5]), requestedAt }), undefined);
        // Two pings after ours was asked for (another `up` pinged too): the newest is the latest word on the path.
        assert.strictEqual(ourPingDelivery([delivery(7, "ping", 200, { delivered_at: at(1) }), delivery(8, "ping", 404, { delivered_at: at(2) })], req)?.id, 8);
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

    it("no response: GitHub's own texts, with the delivery timeout of the GitHub in use (10 s, GHES 30 s)", () => {
        assert.match(explainDelivery(0, "timed out", ctx), /got no response \(timed out\): GitHub cannot reach the payload URL \(nothing answered within 10 s, GitHub.com's delivery timeout\)/);
        assert.match(explainDelivery(0, "timed out", { ...ctx, kind: "ghes" }), /nothing answered within 30 s, GitHub Enterprise Server's delivery timeout/);
        assert.match(explainDelivery(0, "failed to connect to network", ctx), /got no response \(failed to connect to network\): GitHub cannot reach the payload URL \(the connection could not be made\)/);
        // GitHub's words for a certificate it could not verify: the causes and the fixes, not "cannot reach".
        const peer = explainDelivery(0, "Peer certificate cannot be authenticated with given CA certificates", ctx);
        assert.match(peer, /got no response \(Peer certificate cannot be authenticated with given CA certificates\): GitHub could not verify the payload URL's certificate\. Most often it is self-signed or sent without its intermediate certificates/);
        assert.match(peer, /`pulumi config set insecureSsl true`; the receiver probe .* names what is wrong with it$/);
        assert.ok(!peer.includes("cannot reach"));
    });

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

describe("hooks per event: 20 on GitHub.com and GHE.com, 250 on GitHub Enterprise Server", () => {
    const hook = (id: number, events: string[]): HookSummary => ({ id, active: true, events, config: { url: `https://h/${id}` } });
    const pushHooks = (n: number) => Array.from({ length: n }, (_, i) => hook(i, ["push"]));

    it("GitHub.com: refuses when push already has 20 hooks, counting `*` hooks, and names the options", () => {
        const problem = hookCapacityProblem("o", "r", [...pushHooks(19), hook(99, ["*"])], ["push"], "github.com");
        assert.match(problem ?? "", /o\/r already has 20 webhooks for the "push" event, and GitHub.com allows at most 20 per event per repository/);
        assert.match(problem ?? "", /fewer clusters.*one Receiver reconcile several GitRepositories.*organization webhook \(its own limit of 20 per event\)/);
        assert.match(hookCapacityProblem("o", "r", pushHooks(20), ["push"], "ghe.com") ?? "", /GitHub Enterprise Cloud \(ghe.com\) allows at most 20/);
    });

    it("accepts 19, and hooks of other events do not count", () => {
        assert.strictEqual(hookCapacityProblem("o", "r", [...pushHooks(19), hook(50, ["issues"]), hook(51, ["pull_request"])], ["push"], "github.com"), undefined);
    });

    it("GitHub Enterprise Server: a 21st..250th hook is allowed; the 251st is refused with GHES's limit", () => {
        assert.strictEqual(hookCapacityProblem("o", "r", pushHooks(20), ["push"], "ghes"), undefined);
        assert.strictEqual(hookCapacityProblem("o", "r", pushHooks(249), ["push"], "ghes"), undefined);
        assert.match(hookCapacityProblem("o", "r", pushHooks(250), ["push"], "ghes") ?? "", /already has 250 webhooks.*GitHub Enterprise Server allows at most 250 per event/);
        assert.deepStrictEqual([GitHubLimitsByKind["github.com"].deliveryTimeoutSeconds, GitHubLimitsByKind["ghe.com"].deliveryTimeoutSeconds, GitHubLimitsByKind.ghes.deliveryTimeoutSeconds], [10, 10, 30]);
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
        assert.match(explainApiFailure("listing the webhooks of o/r", "o", "r", res), /GitHub answered 403 "Resource not accessible by personal access token".*"Webhooks: read"/);
    });
});
