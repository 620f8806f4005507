// The GitHub stand-in's two flavors (github.com and GHES) where GitHub's own differ, the knobs for
// what GitHub does in the wild (a late delivery log, throttling, secondary rate limits with and
// without retry-after, SAML SSO), and the *.ghe.com address form (HTTPS, a sandbox CA, the host map).
import * as assert from "assert";
import { spawn } from "child_process";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { Flavor, Flavors, GhesVersion, GitHubApi } from "../standins/githubApi";
import { serveDataResidency } from "../standins/dataResidency";
import { installHostMap, mapped } from "../standins/hostMap";
import { createSandboxCa } from "../standins/sandboxTls";
import { buildStandins, standinsDist } from "../toolchain";

interface Receiver { url: string; hits: number; close: () => Promise<void> }

/** A receiver answering `status` (or never: "hang"), on a loopback address of the test's choosing. */
async function receiver(status: number | "hang" = 200, host = "127.0.0.1"): Promise<Receiver> {
    const r = { url: "", hits: 0, close: async () => undefined as void };
    const server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => {
            r.hits++;
            if (status !== "hang") res.writeHead(status, status >= 300 && status < 400 ? { Location: "https://elsewhere.example/" } : {}).end();
        });
    });
    await new Promise<void>((done) => server.listen(0, host, done));
    r.url = `http://${host}:${(server.address() as AddressInfo).port}/hook/abc`;
    r.close = () => new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
    });
    return r;
}

async function closedPort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

interface Answer { status: number; json: any; text: string; headers: Headers } // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON, asserted field by field

async function call(api: GitHubApi, method: string, p: string, body?: unknown, opts: { token?: string | null; headers?: Record<string, string>; base?: string; redirect?: "follow" | "manual" } = {}): Promise<Answer> {
    const token = opts.token === undefined ? "t0k" : opts.token;
    const res = await fetch(new URL(p.replace(/^\//, ""), opts.base ?? api.apiUrl), {
        method, redirect: opts.redirect,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": "application/json", ...opts.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch {
        json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
}

const hookBody = (url: string, extra: Record<string, unknown> = {}) => ({ name: "web", active: true, events: ["push"], config: { url, content_type: "json", secret: "s" }, ...extra });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("GitHub stand-in flavors: github.com", () => {
    let api: GitHubApi;
    const req = (method: string, p: string, body?: unknown, opts?: Parameters<typeof call>[4]) => call(api, method, p, body, opts);
    beforeEach(async () => {
        api = await GitHubApi.start({ flavor: "github.com", token: "t0k", repositories: [{ owner: "org", name: "app" }, { owner: "other-org", name: "lib" }] });
    });
    afterEach(() => api.close());

    it("serves REST at the root, like api.github.com; a path under /api/v3/ is a route it does not have (404 JSON, logged)", async () => {
        assert.strictEqual(api.apiUrl, api.url);
        assert.strictEqual((await req("GET", "/repos/org/app/hooks")).status, 200);
        const v3 = await req("GET", "/api/v3/repos/org/app/hooks");
        assert.deepStrictEqual([v3.status, v3.json.message, v3.json.documentation_url], [404, "Not Found", "https://docs.github.com/rest"]);
        assert.deepStrictEqual(api.unknownRoutes, ["GET /api/v3/repos/org/app/hooks"]);
        assert.strictEqual(v3.headers.get("x-github-enterprise-version"), null);
    });

    it("refuses payload URLs on localhost and 127.0.0.1 with GitHub's 422 (\"You cannot use localhost or 127.0.0.1 as a webhook URL\")", async () => {
        for (const host of ["localhost", "hooks.localhost", "127.0.0.1"]) {
            const res = await req("POST", "/repos/org/app/hooks", hookBody(`http://${host}:9292/hook/abc`));
            assert.deepStrictEqual(res.json, {
                message: "Validation Failed",
                errors: [{ resource: "Hook", code: "custom", message: `Sorry, the URL host ${host} is not supported because it isn't reachable over the public Internet` }],
                documentation_url: "https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook",
                status: "422",
            }, host);
        }
        const ok = await req("POST", "/repos/org/app/hooks", hookBody("https://receiver.example.com/hook/abc", { active: false }));
        assert.strictEqual(ok.status, 201);
        assert.strictEqual((await req("PATCH", `/repos/org/app/hooks/${ok.json.id}/config`, { url: "http://127.0.0.1/x" })).status, 422);
        assert.deepStrictEqual(api.listHooks("org", "app").map((h) => h.config.url), ["https://receiver.example.com/hook/abc"]);
    });

    it(`allows at most ${Flavors["github.com"].maxHooksPerEvent} hooks per event per repository, with GitHub's message per event`, async () => {
        const max = Flavors["github.com"].maxHooksPerEvent;
        assert.strictEqual(max, 20);
        for (let i = 0; i < max; i++) assert.strictEqual((await req("POST", "/repos/org/app/hooks", hookBody(`https://c${i}.example.com/hook`, { events: ["push", "issues"], active: false }))).status, 201);
        const over = await req("POST", "/repos/org/app/hooks", hookBody("https://x.example.com/hook", { events: ["push", "issues", "release"], active: false }));
        assert.strictEqual(over.status, 422);
        assert.deepStrictEqual(over.json.errors.map((e: { message: string }) => e.message), ['The "push" event cannot have more than 20 hooks', 'The "issues" event cannot have more than 20 hooks']);
        const release = await req("POST", "/repos/org/app/hooks", hookBody("https://y.example.com/hook", { events: ["release"], active: false }));
        assert.strictEqual(release.status, 201);
        assert.strictEqual((await req("PATCH", `/repos/org/app/hooks/${release.json.id}`, { events: ["release", "push"] })).status, 422);
        assert.strictEqual(api.listHooks("org", "app").length, max + 1);
    });

    it("waits 10 s for a receiver (GHES: 30 s); a test may shorten it, and a receiver that never answers is recorded as \"timed out\"", async () => {
        assert.deepStrictEqual([api.deliveryTimeoutMs, Flavors.ghes.deliveryTimeoutMs], [10000, 30000]);
        const short = await GitHubApi.start({ flavor: "github.com", token: "t0k", repositories: [{ owner: "org", name: "app" }], deliveryTimeoutMs: 200 });
        const hanging = await receiver("hang", "127.0.0.2");
        try {
            const started = Date.now();
            await call(short, "POST", "/repos/org/app/hooks", hookBody(hanging.url));
            await short.idle();
            assert.deepStrictEqual(short.deliveries.map((d) => [d.statusCode, d.status]), [[0, "timed out"]]);
            assert.ok(Date.now() - started >= 200, "it waited for the timeout");
        } finally {
            await hanging.close();
            await short.close();
        }
    });

    it("sends ETag and rate-limit headers, answers 304 to If-None-Match (not counted), and tolerates X-GitHub-Api-Version", async () => {
        const first = await req("GET", "/repos/org/app/hooks", undefined, { headers: { "X-GitHub-Api-Version": "2022-11-28" } });
        const etag = first.headers.get("etag");
        assert.ok(etag);
        assert.deepStrictEqual(["x-ratelimit-limit", "x-ratelimit-resource"].map((h) => first.headers.get(h)), ["5000", "core"]);
        assert.match(String(first.headers.get("x-github-request-id")), /^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{7}:[0-9A-F]{8}$/);
        const used = Number(first.headers.get("x-ratelimit-used"));
        assert.strictEqual(Number(first.headers.get("x-ratelimit-remaining")), 5000 - used);
        assert.ok(Number(first.headers.get("x-ratelimit-reset")) > Date.now() / 1000);
        const again = await req("GET", "/repos/org/app/hooks", undefined, { headers: { "If-None-Match": etag } });
        assert.strictEqual(again.status, 304);
        assert.strictEqual(Number(again.headers.get("x-ratelimit-used")), used, "a 304 does not count");
        assert.strictEqual((await req("GET", "/repos/org/app/hooks", undefined, { headers: { "If-None-Match": 'W/"other"' } })).status, 200);
    });

    it("primary limit: 403 or 429 with x-ratelimit-remaining 0 and the reset time", async () => {
        api.refuseNext(1, { limit: "primary", status: 403, resetIn: 30 });
        api.refuseNext(1, { limit: "primary", status: 429 });
        const p403 = await req("GET", "/repos/org/app/hooks");
        assert.deepStrictEqual([p403.status, p403.headers.get("x-ratelimit-remaining"), p403.headers.get("retry-after")], [403, "0", null]);
        assert.match(p403.json.message, /^API rate limit exceeded for user ID 1\./);
        assert.ok(Math.abs(Number(p403.headers.get("x-ratelimit-reset")) - (Date.now() / 1000 + 30)) < 5);
        const p429 = await req("GET", "/repos/org/app/hooks");
        assert.deepStrictEqual([p429.status, p429.headers.get("x-ratelimit-remaining")], [429, "0"]);
        assert.strictEqual((await req("GET", "/repos/org/app/hooks")).status, 200);
    });

    it("secondary limit: 403 or 429, retry-after only when given (none: GitHub's \"wait at least one minute\" case), in GitHub's words", async () => {
        api.refuseNext(1, { limit: "secondary", status: 429, retryAfter: 7 });
        api.refuseNext(1, { limit: "secondary", status: 403 });
        api.refuseNext(1, { limit: "secondary", status: 429 });
        const withRetry = await req("POST", "/repos/org/app/hooks", hookBody("https://a.example.com/h"));
        assert.deepStrictEqual([withRetry.status, withRetry.headers.get("retry-after")], [429, "7"]);
        for (const status of [403, 429]) {
            const bare = await req("POST", "/repos/org/app/hooks", hookBody("https://a.example.com/h"));
            assert.deepStrictEqual([bare.status, bare.headers.get("retry-after")], [status, null], "no retry-after header at all");
            assert.notStrictEqual(bare.headers.get("x-ratelimit-remaining"), "0", "not the primary limit");
            assert.strictEqual(bare.json.message, `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${bare.headers.get("x-github-request-id")}.`);
            assert.match(bare.json.documentation_url, /rate-limits-for-the-rest-api#about-secondary-rate-limits$/);
        }
        assert.deepStrictEqual(api.listHooks("org", "app"), [], "refused requests change nothing");
        assert.strictEqual((await req("POST", "/repos/org/app/hooks", hookBody("https://a.example.com/h"))).status, 201);
    });

    it("GET /rate_limit does not count against the limit and is never refused for it", async () => {
        const before = (await req("GET", "/rate_limit")).json;
        const after = (await req("GET", "/rate_limit")).json;
        assert.strictEqual(after.resources.core.used, before.resources.core.used, "two reads of /rate_limit counted nothing");
        await req("GET", "/repos/org/app/hooks");
        assert.strictEqual((await req("GET", "/rate_limit")).json.rate.used, before.rate.used + 1, "another route counts");
        api.refuseNext(1, { limit: "secondary", status: 403 });
        assert.strictEqual((await req("GET", "/rate_limit")).status, 200, "not refused");
        assert.strictEqual((await req("GET", "/repos/org/app/hooks")).status, 403, "the refusal waits for a counted request");
    });

    it("SAML SSO: an organization's repositories answer an unauthorized token 403 in GitHub's words with X-GitHub-SSO", async () => {
        api.addToken("ghp_authorized", { type: "classic", webhooks: "write", statuses: "write" });
        api.enforceSamlSso("org", { authorizedTokens: ["ghp_authorized"] });
        for (const p of ["/repos/org/app/hooks", "/repos/ORG/app/commits/main/statuses"]) {
            const res = await req("GET", p);
            assert.deepStrictEqual(res.json, {
                message: "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.",
                documentation_url: "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/",
                status: "403",
            }, p);
            assert.match(String(res.headers.get("x-github-sso")), /^required; url=https:\/\/github\.com\/orgs\/(org|ORG)\/sso\?authorization_request=[\w-]+$/);
        }
        assert.strictEqual((await req("GET", "/repos/org/app/hooks", undefined, { token: "ghp_authorized" })).status, 200, "an SSO-authorized token passes");
        assert.strictEqual((await req("GET", "/repos/other-org/lib/hooks")).status, 200, "another organization does not enforce it");
        assert.strictEqual((await req("GET", "/meta")).status, 200);
    });

    it("throttles the next deliveries: sent late, logged with throttled_at (GitHub.com only)", async () => {
        const rx = await receiver(200, "127.0.0.2");
        try {
            api.throttleNextDeliveries(1, 0.3);
            const created = Date.now();
            const hook = (await req("POST", "/repos/org/app/hooks", hookBody(rx.url))).json;
            await sleep(100);
            assert.strictEqual(rx.hits, 0, "the throttled ping has not been sent yet");
            await api.idle();
            assert.ok(Date.now() - created >= 300);
            await req("POST", `/repos/org/app/hooks/${hook.id}/pings`);
            await api.idle();
            const [second, first] = (await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries`)).json;
            assert.match(first.throttled_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
            assert.strictEqual(second.throttled_at, null, "only the next delivery was throttled");
            assert.strictEqual(rx.hits, 2);
        } finally {
            await rx.close();
        }
    });

    it("GET /meta has GitHub.com's keys and the hook ranges a test sets (IPv4 and IPv6)", async () => {
        api.setHookRanges(["127.0.0.0/8", "192.0.2.0/24", "::1/128", "2001:db8::/32"]);
        const meta = (await req("GET", "/meta", undefined, { token: null })).json;
        for (const key of ["verifiable_password_authentication", "ssh_key_fingerprints", "hooks", "web", "api", "git", "packages", "pages", "importer", "actions", "dependabot"]) assert.ok(key in meta, key);
        assert.deepStrictEqual(meta.hooks, ["127.0.0.0/8", "192.0.2.0/24", "::1/128", "2001:db8::/32"]);
        assert.throws(() => api.setHookRanges(["300.1.2.3/8"]), /not a CIDR range/);
    });
});

describe("GitHub stand-in flavors: GitHub Enterprise Server", () => {
    let api: GitHubApi;
    const req = (method: string, p: string, body?: unknown, opts?: Parameters<typeof call>[4]) => call(api, method, p, body, opts);
    beforeEach(async () => {
        api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "org", name: "app" }] });
    });
    afterEach(() => api.close());

    it("serves REST only under /api/v3/; the host root and other paths answer like the web UI: 302 to /login, which answers 200 HTML", async () => {
        assert.strictEqual(api.apiUrl, `${api.url}api/v3/`);
        const ok = await req("GET", "/repos/org/app/hooks");
        assert.deepStrictEqual([ok.status, ok.headers.get("x-github-enterprise-version")], [200, GhesVersion]);
        for (const p of ["/", "/repos/org/app/hooks", "/meta"]) {
            const redirect = await req("GET", p, undefined, { base: api.url, redirect: "manual" });
            assert.strictEqual(redirect.status, 302, p);
            assert.strictEqual(redirect.headers.get("location"), `${api.url}login?return_to=${encodeURIComponent(p)}`);
        }
        // What a client given the host root sees, following redirects as fetch does: a page, not JSON.
        const page = await req("GET", "/repos/org/app/hooks?per_page=100&page=2", undefined, { base: api.url });
        assert.deepStrictEqual([page.status, page.headers.get("content-type"), page.json], [200, "text/html; charset=utf-8", undefined]);
        assert.match(page.text, /<title>Sign in to GitHub/);
        assert.ok(api.requests.includes("GET /login 200"));
        assert.deepStrictEqual(api.unknownRoutes, [], "the web UI is not an API route");
    });

    it(`allows ${Flavors.ghes.maxHooksPerEvent} hooks per event (GitHub.com: 20), refusing the next with GitHub's message`, async function () {
        this.timeout(60000);
        const max = Flavors.ghes.maxHooksPerEvent;
        assert.strictEqual(max, 250);
        for (let i = 0; i < max; i++) assert.strictEqual((await req("POST", "/repos/org/app/hooks", hookBody(`https://c${i}.example.com/hook`, { active: false }))).status, 201, `hook ${i + 1}`);
        const over = await req("POST", "/repos/org/app/hooks", hookBody("https://x.example.com/hook", { active: false }));
        assert.deepStrictEqual([over.status, over.json.errors], [422, [{ resource: "Hook", code: "custom", message: 'The "push" event cannot have more than 250 hooks' }]]);
    });

    it("accepts private and loopback payload URLs (the same network), refuses the localhost name, waits 30 s for a receiver", async () => {
        for (const url of ["http://127.0.0.1:9/hook/a", "http://10.0.0.5/hook/b", "http://[::1]:9/hook/c"]) {
            assert.strictEqual((await req("POST", "/repos/org/app/hooks", hookBody(url, { active: false }))).status, 201, url);
        }
        assert.strictEqual((await req("POST", "/repos/org/app/hooks", hookBody("http://localhost:9/hook/d", { active: false }))).status, 422);
        assert.strictEqual(api.deliveryTimeoutMs, 30000);
    });

    it("rate limiting is off by default: no X-RateLimit headers, GET /rate_limit 404 \"Rate limiting is not enabled.\"; an admin can turn it on", async () => {
        const res = await req("GET", "/repos/org/app/hooks");
        assert.strictEqual(res.headers.get("x-ratelimit-limit"), null);
        const rl = await req("GET", "/rate_limit");
        assert.deepStrictEqual([rl.status, rl.json.message], [404, "Rate limiting is not enabled."]);
        assert.throws(() => api.refuseNext(1, { limit: "secondary", status: 403 }), /rate limiting off/);
        assert.throws(() => api.enforceSamlSso("org"), /GitHub\.com \(GHEC\) only/);
        const limited = await GitHubApi.start({ flavor: "ghes", rateLimiting: true, token: "t0k", repositories: [{ owner: "org", name: "app" }] });
        try {
            const on = await call(limited, "GET", "/repos/org/app/hooks");
            assert.strictEqual(on.headers.get("x-ratelimit-limit"), "5000");
            assert.strictEqual((await call(limited, "GET", "/rate_limit")).status, 200);
            limited.refuseNext(1, { limit: "secondary", status: 429, retryAfter: 3 });
            assert.strictEqual((await call(limited, "GET", "/repos/org/app/hooks")).status, 429);
        } finally {
            await limited.close();
        }
    });

    it("GET /meta as GHES 3.19 answers: installed_version, and no hook ranges until a test sets them", async () => {
        const meta = (await req("GET", "/meta")).json;
        assert.deepStrictEqual(meta, { verifiable_password_authentication: true, installed_version: GhesVersion });
        api.setHookRanges(["10.0.0.0/8"]);
        assert.deepStrictEqual((await req("GET", "/meta")).json.hooks, ["10.0.0.0/8"]);
    });
});

for (const flavor of ["github.com", "ghes"] as Flavor[]) {
    describe(`GitHub stand-in knobs and delivery log (${flavor})`, () => {
        let api: GitHubApi;
        const host = flavor === "github.com" ? "127.0.0.2" : "127.0.0.1";
        const req = (method: string, p: string, body?: unknown) => call(api, method, p, body);
        beforeEach(async () => {
            api = await GitHubApi.start({ flavor, token: "t0k", repositories: [{ owner: "org", name: "app" }], deliveryTimeoutMs: 300 });
        });
        afterEach(() => api.close());

        it("a delivery log lag hides younger deliveries from the list, get-a-delivery and redelivery, then shows them", async () => {
            const rx = await receiver(200, host);
            try {
                api.setDeliveryLogLag(0.5);
                const hook = (await req("POST", "/repos/org/app/hooks", hookBody(rx.url))).json;
                await api.idle();
                assert.strictEqual(rx.hits, 1, "the ping was delivered");
                const [delivery] = api.deliveries;
                assert.deepStrictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries`)).json, [], "not in the log yet");
                assert.strictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries/${delivery.id}`)).status, 404);
                assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/deliveries/${delivery.id}/attempts`)).status, 404);
                await sleep(550 - (Date.now() - delivery.startedAtMs));
                assert.deepStrictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries`)).json.map((d: { id: number }) => d.id), [delivery.id]);
                assert.strictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries/${delivery.id}`)).status, 200);
                api.setDeliveryLogLag(0);
                await req("POST", `/repos/org/app/hooks/${hook.id}/pings`);
                await api.idle();
                assert.strictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries`)).json.length, 2, "no lag: at once");
            } finally {
                await rx.close();
            }
        });

        it("?status=success is a status code in 200-399, failure everything else (400-599, and 0 for no answer)", async () => {
            const receivers = [await receiver(200, host), await receiver(302, host), await receiver(400, host), await receiver(503, host)];
            const down = `http://${host}:${await closedPort()}/hook/down`;
            try {
                const hook = (await req("POST", "/repos/org/app/hooks", hookBody(receivers[0].url))).json;
                await api.idle();
                for (const url of [...receivers.slice(1).map((r) => r.url), down]) {
                    await req("PATCH", `/repos/org/app/hooks/${hook.id}/config`, { url });
                    await req("POST", `/repos/org/app/hooks/${hook.id}/pings`);
                    await api.idle();
                }
                const codes = async (q: string) => (await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries${q}`)).json.map((d: { status_code: number }) => d.status_code).sort();
                assert.deepStrictEqual(await codes(""), [0, 200, 302, 400, 503]);
                assert.deepStrictEqual(await codes("?status=success"), [200, 302]);
                assert.deepStrictEqual(await codes("?status=failure"), [0, 400, 503]);
                assert.deepStrictEqual(api.deliveries.map((d) => d.status), ["OK", "Invalid HTTP Response: 302", "Invalid HTTP Response: 400", "Invalid HTTP Response: 503", "failed to connect to network"]);
            } finally {
                for (const r of receivers) await r.close();
            }
        });
    });
}

describe("the *.ghe.com address form over HTTPS (sandbox CA and host map; node processes only)", function () {
    this.timeout(60000);
    let api: GitHubApi;
    before(async () => {
        await buildStandins();
    });
    beforeEach(async () => {
        api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "org", name: "app" }] });
    });
    afterEach(() => api.close());

    it("in this process: https://api.acme.ghe.com/ (port 443) reaches the stand-in with REST at the root, its certificate verified", async () => {
        const host = await serveDataResidency(api, "acme", path.join(standinsDist, "hostMap.js"));
        try {
            assert.deepStrictEqual([host.baseUrl, host.apiUrl], ["https://acme.ghe.com/", "https://api.acme.ghe.com/"]);
            const hooks = await call(api, "GET", "repos/org/app/hooks", undefined, { base: host.apiUrl });
            assert.deepStrictEqual([hooks.status, hooks.json], [200, []]);
            const created = await call(api, "POST", "repos/org/app/hooks", hookBody("https://receiver.example.com/h", { active: false }), { base: host.apiUrl });
            assert.strictEqual(created.json.url, `https://api.acme.ghe.com/repos/org/app/hooks/${created.json.id}`, "URLs in answers are the address the client used");
            assert.strictEqual(api.listHooks("org", "app").length, 1, "the same server as at the GHES address");
        } finally {
            host.stop();
        }
        assert.strictEqual(mapped("api.acme.ghe.com", 443), undefined, "after stop() the name is not mapped any more");
    });

    it("a certificate from another CA is refused: the host map does not switch off verification", async () => {
        const other = await createSandboxCa();
        try {
            const { port } = await api.serveDataResidencyHost("api.evil.ghe.com", await other.issue(["api.evil.ghe.com"]));
            const trusting = await createSandboxCa();
            const undo = installHostMap({ "api.evil.ghe.com:443": `127.0.0.1:${port}` }, trusting.caCert);
            try {
                await assert.rejects(fetch("https://api.evil.ghe.com/meta"), (err: Error & { cause?: { code?: string } }) => {
                    assert.match(String(err.cause?.code), /UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
                    return true;
                });
            } finally {
                undo();
                trusting.remove();
            }
        } finally {
            other.remove();
        }
    });

    it("in a node child process given its env (as the Pulumi CLI's node plugins would be): the github provider stand-in resolves https://acme.ghe.com/ and lists hooks", async () => {
        const host = await serveDataResidency(api, "acme", path.join(standinsDist, "hostMap.js"));
        try {
            const script = `
                const { GitHubClient, githubSettings } = require(${JSON.stringify(path.join(standinsDist, "githubProvider.js"))});
                const c = new GitHubClient(githubSettings({ owner: "org", token: "t0k", baseUrl: "https://acme.ghe.com/" }, {}));
                c.request("GET", c.hooksPath("app")).then((r) => console.log(JSON.stringify({ apiUrl: c.settings.apiUrl, status: r.status, body: r.body })), (e) => { console.error(e); process.exit(1); });`;
            const out = await new Promise<string>((resolve, reject) => {
                const child = spawn(process.execPath, ["-e", script], { env: { ...process.env, ...host.env }, stdio: ["ignore", "pipe", "pipe"] });
                let stdout = "";
                let stderr = "";
                child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
                child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
                child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`))));
            });
            assert.deepStrictEqual(JSON.parse(out), { apiUrl: "https://api.acme.ghe.com/", status: 200, body: [] });
            assert.ok(api.requests.includes("GET /repos/org/app/hooks 200"), JSON.stringify(api.requests));
        } finally {
            host.stop();
        }
    });
});
