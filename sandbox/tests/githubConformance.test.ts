// The GitHub stand-in judged by GitHub's own API description: every response body it serves, on
// every route it serves (hooks, hook config, pings, tests, deliveries, redeliveries, commit
// statuses, /meta, /rate_limit, GitHub Apps' routes, and the 400/401/403/404/422/429 error bodies), validates against
// the response schema of its operation in @octokit/openapi 23.0.2 (api.github.com.json for the
// github.com flavor, ghes-3.19.json for GHES), and every webhook it delivers (ping, push) against
// @octokit/openapi-webhooks 12.1.0 with the headers the event requires. A property the description
// does not have fails too, and so does a key GitHub's example payloads have that the stand-in's lack
// (@octokit/webhooks-examples 7.6.1). The coverage table (route × status × flavor) is printed at the end.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import { appJwt } from "../../lib/githubApp";
import { Flavor, GitHubApi } from "../standins/githubApi";
import { GitHubDescription, Verdict } from "./githubDescription";

interface Row { flavor: string; operation: string; schema: string; bodies: number }
const coverage = new Map<string, Row>();
const failures: string[] = [];

function record(flavor: string, v: Verdict, what: string): void {
    const key = `${flavor}|${v.operation}`;
    const row = coverage.get(key) ?? { flavor, operation: v.operation, schema: v.schema, bodies: 0 };
    row.bodies++;
    coverage.set(key, row);
    for (const e of v.errors) failures.push(`${flavor} ${v.operation} (${what}): ${e}`);
}

/** Judges everything the stand-in served and delivered so far, then forgets it. */
function judgeAll(api: GitHubApi, description: GitHubDescription, label: string): void {
    for (const x of api.exchanges.splice(0)) record(label, description.judgeResponse(x.method, x.path, x.status, x.body), `${x.method} ${x.path}`);
    for (const d of api.deliveries.splice(0)) record(label, description.judgeWebhook(d.event, d.payload, d.requestHeaders, d.signature256 !== ""), `delivery ${d.id}`);
}

async function receiver(host: string): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => res.writeHead(200, { "Content-Type": "text/plain" }).end("ok"));
    });
    await new Promise<void>((r) => server.listen(0, host, r));
    return {
        url: `http://${host}:${(server.address() as AddressInfo).port}/hook/abc`,
        close: () => new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
        }),
    };
}

async function call(api: GitHubApi, method: string, p: string, body?: unknown, opts: { token?: string; headers?: Record<string, string>; raw?: string } = {}): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON
    const res = await fetch(new URL(p.replace(/^\//, ""), api.apiUrl), {
        method,
        headers: { Authorization: `Bearer ${opts.token ?? "t0k"}`, "Content-Type": "application/json", ...opts.headers },
        body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Every route the stand-in serves, with success and error answers, as a client would meet them. */
async function exercise(api: GitHubApi, rxUrl: string): Promise<void> {
    const req = (method: string, p: string, body?: unknown, opts?: Parameters<typeof call>[4]) => call(api, method, p, body, opts);
    const expect = async (status: number, r: Promise<{ status: number; json: unknown }>) => {
        const got = await r;
        assert.strictEqual(got.status, status, JSON.stringify(got.json));
        return got.json as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON
    };
    api.addToken("github_pat_statuses", { type: "fine-grained", statuses: "write" });
    const sha = "d".repeat(40);
    api.addCommit("octo-org", "app", sha, "main");

    await expect(200, req("GET", "/meta"));
    await req("GET", "/rate_limit");
    const hook = await expect(201, req("POST", "/repos/octo-org/app/hooks", { name: "web", active: true, events: ["push"], config: { url: rxUrl, content_type: "json", insecure_ssl: "0", secret: "s3cr3t" } }));
    await api.idle();
    await expect(200, req("GET", "/repos/octo-org/app/hooks"));
    const etag = await fetch(new URL("repos/octo-org/app/hooks", api.apiUrl), { headers: { Authorization: "Bearer t0k" } }).then((r) => r.headers.get("etag"));
    await expect(304, req("GET", "/repos/octo-org/app/hooks", undefined, { headers: { "If-None-Match": String(etag) } }));
    await expect(200, req("GET", `/repos/octo-org/app/hooks/${hook.id}`));
    await expect(200, req("PATCH", `/repos/octo-org/app/hooks/${hook.id}`, { events: ["push", "ping"], config: { url: rxUrl, content_type: "json", secret: "s3cr3t" } }));
    await expect(200, req("GET", `/repos/octo-org/app/hooks/${hook.id}/config`));
    await expect(200, req("PATCH", `/repos/octo-org/app/hooks/${hook.id}/config`, { content_type: "json" }));
    await expect(204, req("POST", `/repos/octo-org/app/hooks/${hook.id}/pings`));
    await api.deliverPush("octo-org", "app", { before: "0".repeat(40), after: "a".repeat(40), message: "first" });
    await api.deliverPush("octo-org", "app", { before: "a".repeat(40), after: "b".repeat(40), message: "vote: 5 replicas" });
    await expect(204, req("POST", `/repos/octo-org/app/hooks/${hook.id}/tests`));
    await api.idle();
    const deliveries = await expect(200, req("GET", `/repos/octo-org/app/hooks/${hook.id}/deliveries?per_page=2`));
    await expect(200, req("GET", `/repos/octo-org/app/hooks/${hook.id}/deliveries?status=success`));
    await expect(200, req("GET", `/repos/octo-org/app/hooks/${hook.id}/deliveries/${deliveries[0].id}`));
    await expect(202, req("POST", `/repos/octo-org/app/hooks/${hook.id}/deliveries/${deliveries[0].id}/attempts`));
    await api.idle();
    await expect(201, req("POST", `/repos/octo-org/app/statuses/${sha}`, { state: "success", description: "reconciliation succeeded", context: "kustomization/vote/0c9c2e41", target_url: "https://flux.example/x" }));
    await expect(200, req("GET", `/repos/octo-org/app/commits/${sha}/statuses`));
    await expect(200, req("GET", "/repos/octo-org/app/commits/main/statuses"));

    // GitHub's error bodies.
    await expect(400, req("POST", "/repos/octo-org/app/hooks", undefined, { raw: "{not json" }));
    await expect(401, req("GET", "/repos/octo-org/app/hooks", undefined, { token: "wrong" }));
    await expect(403, req("POST", "/repos/octo-org/app/hooks", { config: { url: rxUrl } }, { token: "github_pat_statuses" }));
    await expect(404, req("GET", "/repos/octo-org/nope/hooks"));
    await expect(404, req("POST", "/repos/octo-org/nope/hooks", { config: { url: rxUrl } }));
    await expect(404, req("GET", "/repos/octo-org/app/hooks/1"));
    await expect(404, req("GET", `/repos/octo-org/app/hooks/${hook.id}/deliveries/999999`));
    await expect(404, req("GET", "/repos/octo-org/app/no-such-route"));
    await expect(422, req("POST", "/repos/octo-org/app/hooks", { config: { url: "http://localhost:9/hook" } }));
    await expect(422, req("POST", "/repos/octo-org/app/hooks", { config: { url: rxUrl }, events: ["push"] }));
    await expect(422, req("PATCH", `/repos/octo-org/app/hooks/${hook.id}`, { events: "push" }));
    await expect(422, req("PATCH", `/repos/octo-org/app/hooks/${hook.id}/config`, { content_type: "yaml" }));
    await expect(422, req("POST", `/repos/octo-org/app/statuses/${sha}`, { state: "cancelled" }));
    await expect(422, req("POST", `/repos/octo-org/app/statuses/${"e".repeat(40)}`, { state: "success" }));
    await expect(204, req("DELETE", `/repos/octo-org/app/hooks/${hook.id}`));
}

/**
 * GitHub Apps: the JWT routes (the App, its installations, minting a token, finding the
 * installation of a repository or organization), their refusals, and an installation token on the
 * repository routes (a status by the App's bot, a permission it lacks, a revocation).
 */
async function exerciseApps(api: GitHubApi): Promise<void> {
    const { app, privateKey } = api.createApp("flux-push", { repository_hooks: "write", statuses: "write" }, "octo-org");
    const installation = api.apps.install(app.id, "octo-org");
    const jwt = () => appJwt(String(app.id), privateKey, Date.now());
    const expect = async (status: number, r: Promise<{ status: number; json: unknown }>) => {
        const got = await r;
        assert.strictEqual(got.status, status, JSON.stringify(got.json));
        return got.json as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON
    };
    await expect(200, call(api, "GET", "/app", undefined, { token: jwt() }));
    await expect(200, call(api, "GET", `/app/installations/${installation.id}`, undefined, { token: jwt() }));
    await expect(404, call(api, "GET", "/app/installations/1", undefined, { token: jwt() }));
    await expect(200, call(api, "GET", "/repos/octo-org/app/installation", undefined, { token: jwt() }));
    await expect(200, call(api, "GET", "/orgs/octo-org/installation", undefined, { token: jwt() }));
    await expect(200, call(api, "GET", "/users/octo-org/installation", undefined, { token: jwt() }));
    const token = (await expect(201, call(api, "POST", `/app/installations/${installation.id}/access_tokens`, undefined, { token: jwt(), raw: "null" }))).token as string;
    await expect(201, call(api, "POST", `/app/installations/${installation.id}/access_tokens`, { repositories: ["app"], permissions: { statuses: "write" } }, { token: jwt() }));
    await expect(401, call(api, "POST", `/app/installations/${installation.id}/access_tokens`, undefined, { token: api.apps.addKey(app.id) && appJwt(String(app.id), privateKey, Date.now() + 3_600_000) }));
    await expect(404, call(api, "POST", "/app/installations/1/access_tokens", undefined, { token: jwt() }));
    await expect(422, call(api, "POST", `/app/installations/${installation.id}/access_tokens`, { permissions: { contents: "write" } }, { token: jwt() }));
    api.apps.suspend(installation.id);
    await expect(403, call(api, "POST", `/app/installations/${installation.id}/access_tokens`, undefined, { token: jwt() }));
    api.apps.suspend(installation.id, false);
    const sha = "f".repeat(40);
    api.addCommit("octo-org", "app", sha, "main");
    await expect(201, call(api, "POST", `/repos/octo-org/app/statuses/${sha}`, { state: "success", context: "kustomization/vote/0c9c2e41" }, { token }));
    await expect(200, call(api, "GET", `/repos/octo-org/app/commits/${sha}/statuses`, undefined, { token }));
    await expect(200, call(api, "GET", "/repos/octo-org/app/hooks", undefined, { token }));
    api.apps.install(api.createApp("readonly", { statuses: "read" }, "octo-org").app.id, "octo-org");
    await expect(204, call(api, "DELETE", "/installation/token", undefined, { token }));
    await expect(401, call(api, "GET", "/repos/octo-org/app/hooks", undefined, { token }));
}

/** Rate-limit refusals (where rate limiting is on) and SAML SSO (GitHub.com). */
async function exerciseRefusals(api: GitHubApi, flavor: Flavor): Promise<void> {
    api.refuseNext(1, { limit: "primary", status: 403, resetIn: 30 });
    api.refuseNext(1, { limit: "primary", status: 429 });
    api.refuseNext(1, { limit: "secondary", status: 403 });
    api.refuseNext(1, { limit: "secondary", status: 429, retryAfter: 60 });
    for (const status of [403, 429, 403, 429]) assert.strictEqual((await call(api, "GET", "/repos/octo-org/app/hooks")).status, status);
    assert.strictEqual((await call(api, "GET", "/rate_limit")).status, 200);
    if (flavor === "github.com") {
        api.enforceSamlSso("octo-org");
        assert.strictEqual((await call(api, "GET", "/repos/octo-org/app/hooks")).status, 403);
        assert.strictEqual((await call(api, "POST", "/repos/octo-org/app/statuses/main", { state: "success" })).status, 403);
    }
}

/** Operation and status pairs each flavor's run must have judged (so a route that drops out fails). */
function expectedCoverage(flavor: Flavor): string[] {
    const always = [
        "meta/get 200",
        "repos/list-webhooks 200", "repos/list-webhooks 304", "repos/list-webhooks 401", "repos/list-webhooks 404",
        "repos/create-webhook 201", "repos/create-webhook 400", "repos/create-webhook 403", "repos/create-webhook 404", "repos/create-webhook 422",
        "repos/get-webhook 200", "repos/get-webhook 404", "repos/update-webhook 200", "repos/update-webhook 422", "repos/delete-webhook 204",
        "repos/get-webhook-config-for-repo 200", "repos/update-webhook-config-for-repo 200", "repos/update-webhook-config-for-repo 422",
        "repos/ping-webhook 204", "repos/test-push-webhook 204",
        "repos/list-webhook-deliveries 200", "repos/get-webhook-delivery 200", "repos/get-webhook-delivery 404", "repos/redeliver-webhook-delivery 202",
        "repos/create-commit-status 201", "repos/create-commit-status 422", "repos/list-commit-statuses-for-ref 200",
        "(no operation) 404", "webhook ping", "webhook push",
        "apps/get-authenticated 200", "apps/get-installation 200", "apps/get-installation 404",
        "apps/get-repo-installation 200", "apps/get-org-installation 200", "apps/get-user-installation 200",
        "apps/create-installation-access-token 201", "apps/create-installation-access-token 401", "apps/create-installation-access-token 403",
        "apps/create-installation-access-token 404", "apps/create-installation-access-token 422", "apps/revoke-installation-access-token 204",
    ];
    const limited = ["rate-limit/get 200", "repos/list-webhooks 403", "repos/list-webhooks 429"];
    return flavor === "github.com" ? [...always, ...limited, "repos/create-commit-status 403"] : [...always, "rate-limit/get 404"];
}

describe("the GitHub stand-in against GitHub's OpenAPI description (@octokit/openapi 23.0.2, @octokit/openapi-webhooks 12.1.0)", function () {
    this.timeout(120000);
    const descriptions = new Map<Flavor, GitHubDescription>();
    const description = (f: Flavor) => {
        let d = descriptions.get(f);
        if (!d) descriptions.set(f, (d = new GitHubDescription(f)));
        return d;
    };

    after(() => {
        const rows = [...coverage.values()].sort((a, b) => a.operation.localeCompare(b.operation) || a.flavor.localeCompare(b.flavor));
        const width = Math.max(...rows.map((r) => r.operation.length));
        console.log("\n      conformance coverage (operation status | flavor | bodies judged | schema):");
        for (const r of rows) console.log(`        ${r.operation.padEnd(width)} | ${r.flavor.padEnd(17)} | ${String(r.bodies).padStart(3)} | ${r.schema}`);
    });

    for (const flavor of ["github.com", "ghes"] as Flavor[]) {
        it(`${flavor}: every body served and every webhook delivered on every route conforms, nothing undescribed`, async () => {
            const judge = description(flavor);
            // GitHub.com refuses 127.0.0.1 payload URLs; its receiver listens on another loopback address.
            const rx = await receiver(flavor === "github.com" ? "127.0.0.2" : "127.0.0.1");
            const api = await GitHubApi.start({ flavor, token: "t0k", repositories: [{ owner: "octo-org", name: "app" }] });
            const limited = flavor === "ghes" ? await GitHubApi.start({ flavor, rateLimiting: true, token: "t0k", repositories: [{ owner: "octo-org", name: "app" }] }) : api;
            const start = failures.length;
            try {
                await exercise(api, rx.url);
                await exerciseApps(api);
                await exerciseRefusals(limited, flavor);
                judgeAll(api, judge, flavor);
                if (limited !== api) judgeAll(limited, judge, `${flavor} (rate limits on)`);
            } finally {
                await rx.close();
                await api.close();
                if (limited !== api) await limited.close();
            }
            assert.deepStrictEqual(failures.slice(start), [], "bodies that do not conform to GitHub's description");
            const seen = new Set([...coverage.values()].filter((r) => r.flavor.startsWith(flavor)).map((r) => r.operation));
            assert.deepStrictEqual(expectedCoverage(flavor).filter((o) => !seen.has(o)), [], "routes and statuses the run did not judge");
        });
    }

    it("every key of GitHub's example ping and push payloads (@octokit/webhooks-examples 7.6.1) is in the stand-in's, but a GitHub App's", async () => {
        const examples = JSON.parse(fs.readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8")) as { name: string; examples: Record<string, unknown>[] }[];
        // Only in deliveries to GitHub Apps: the installation, and the app's id on the pinged hook.
        const appOnly = new Set(["/installation", "/hook/app_id"]);
        const missing = (example: unknown, ours: unknown, at: string): string[] => {
            if (Array.isArray(example)) return example.length > 0 && Array.isArray(ours) && ours.length > 0 ? missing(example[0], ours[0], `${at}/0`) : [];
            if (typeof example !== "object" || example === null || typeof ours !== "object" || ours === null) return [];
            return Object.entries(example).flatMap(([k, v]) => (appOnly.has(`${at}/${k}`) ? [] : k in ours ? missing(v, (ours as Record<string, unknown>)[k], `${at}/${k}`) : [`${at}/${k}`]));
        };
        const rx = await receiver("127.0.0.2");
        const api = await GitHubApi.start({ flavor: "github.com", token: "t0k", repositories: [{ owner: "octo-org", name: "app" }] });
        try {
            await call(api, "POST", "/repos/octo-org/app/hooks", { config: { url: rx.url, content_type: "json", secret: "s" } });
            await api.idle();
            await api.deliverPush("octo-org", "app", { before: "a".repeat(40), after: "b".repeat(40) });
            for (const event of ["ping", "push"]) {
                const ours = api.deliveries.find((d) => d.event === event)?.payload;
                const gaps = (examples.find((e) => e.name === event)?.examples ?? []).flatMap((e) => missing(e, ours, ""));
                assert.deepStrictEqual([...new Set(gaps)], [], `${event}: keys GitHub's examples carry`);
            }
        } finally {
            await rx.close();
            await api.close();
        }
    });

    it("the judge is not lenient: a body without a required field, with a wrong type, or with a field GitHub does not describe fails", async () => {
        const judge = description("github.com");
        const api = await GitHubApi.start({ flavor: "github.com", token: "t0k", repositories: [{ owner: "octo-org", name: "app" }] });
        const rx = await receiver("127.0.0.2");
        try {
            const hook = (await call(api, "POST", "/repos/octo-org/app/hooks", { config: { url: rx.url, content_type: "json", secret: "s" } })).json;
            await api.idle();
            const path = "/repos/octo-org/app/hooks";
            assert.deepStrictEqual(judge.judgeResponse("POST", path, 201, hook).errors, []);
            const noPingUrl = { ...hook };
            delete noPingUrl.ping_url;
            assert.match(judge.judgeResponse("POST", path, 201, noPingUrl).errors.join("\n"), /must have required property 'ping_url'/);
            assert.match(judge.judgeResponse("POST", path, 201, { ...hook, id: String(hook.id) }).errors.join("\n"), /\/id must be integer/);
            assert.deepStrictEqual(judge.judgeResponse("POST", path, 201, { ...hook, secret: "x" }).errors, ["/secret is not in the description"]);
            assert.match(judge.judgeResponse("GET", "/api/v3/repos/octo-org/app/hooks", 200, [hook]).operation, /^\(no operation\)/, "a GHES path is not a github.com route");

            const [ping] = api.deliveries;
            assert.deepStrictEqual(judge.judgeWebhook("ping", ping.payload, ping.requestHeaders).errors, []);
            const payload = structuredClone(ping.payload) as { repository: Record<string, unknown>; sender: Record<string, unknown> };
            delete payload.repository.has_wiki;
            delete payload.sender.node_id;
            assert.deepStrictEqual(judge.judgeWebhook("ping", payload, ping.requestHeaders).errors, ["/repository must have required property 'has_wiki'", "/sender must have required property 'node_id'"]);
            const unsigned = Object.fromEntries(Object.entries(ping.requestHeaders).filter(([k]) => k !== "X-Hub-Signature-256"));
            assert.deepStrictEqual(judge.judgeWebhook("ping", ping.payload, unsigned).errors, ["header X-Hub-Signature-256 is required"]);
        } finally {
            await rx.close();
            await api.close();
        }
    });
});
