// The test doubles are tested too: the GitHub API stand-in against GitHub's rules, routes and
// signing, the Git server with a real clone and push, and the stand-in providers (their logic
// in-process, and the compiled github plugin over gRPC as the engine drives it).
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as tls from "tls";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { ConfigureRequest, ConfigureResponse, CreateRequest, CreateResponse, InvokeRequest, InvokeResponse } from "@pulumi/pulumi/proto/provider_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { deliveryErrorStatus, Flavors, GitHubApi } from "../standins/githubApi";
import { checkWebhook, configureGitHub, diffWebhook, GitHubClient, githubProvider, githubSettings, hookBody, ipRanges, parseImportId, providerApiUrl } from "../standins/githubProvider";
import { Clone, createRepository, git, instavoteFiles, startGitServer, voteDeployment } from "../standins/gitServer";
import { checkPassword, generatePassword } from "../standins/randomProvider";
import { installHostMap } from "../standins/hostMap";
import { inCidr, loadBalancerHostname } from "../cluster/loadBalancer";
import { createSandboxCa, SandboxCa } from "../standins/sandboxTls";
import { isSecretValue, plain, secret, UnknownValue, Wire } from "../standins/wire";
import { buildStandins, repoRoot } from "../toolchain";

interface Received { headers: http.IncomingHttpHeaders; body: string; url: string }
interface Receiver { url: string; got: Received[]; close: () => Promise<void> }

/** A receiver standing in for notification-controller: records requests, answers `status` (or never, with "hang"). */
async function receiver(status: number | "hang" = 200): Promise<Receiver> {
    const got: Received[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            got.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), url: req.url ?? "" });
            if (status !== "hang") res.writeHead(status, { "X-Receiver": "test" }).end("received");
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/abc`,
        got,
        close: () => new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
        }),
    };
}

/** A loopback port nobody listens on (a receiver that is down). */
async function closedPort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const { port } = s.address() as AddressInfo;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
}

interface Answer { status: number; json: any; headers: Headers } // eslint-disable-line @typescript-eslint/no-explicit-any -- GitHub's JSON, asserted field by field

async function call(api: GitHubApi, method: string, p: string, body?: unknown, opts: { token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
    const token = opts.token === undefined ? "t0k" : opts.token;
    // Relative to the REST root (api.github.com's root, GHES's /api/v3/); an absolute URL as it is.
    const res = await fetch(/^https?:/.test(p) ? p : new URL(p.replace(/^\//, ""), api.apiUrl), {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": "application/json", ...opts.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const hookDocs = `${Flavors.ghes.docs}/repos/webhooks`;

// As the sandbox runs it: a GitHub Enterprise Server on the same (loopback) network.
describe("GitHub API stand-in (GHES flavor, as in the sandbox)", () => {
    let api: GitHubApi;
    let rx: Receiver;
    const req = (method: string, p: string, body?: unknown, opts?: { token?: string | null; headers?: Record<string, string> }) => call(api, method, p, body, opts);
    const create = (url = rx.url, extra: Record<string, unknown> = {}) =>
        req("POST", "/repos/org/app/hooks", { name: "web", active: true, events: ["push"], config: { url, content_type: "json", insecure_ssl: "0", secret: "s3cr3t" }, ...extra });

    beforeEach(async () => {
        api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "org", name: "app", id: 4242 }, { owner: "org", name: "other" }] });
        rx = await receiver();
    });
    afterEach(async () => {
        await api.close();
        await rx.close();
    });

    it("creates a hook (201), never shows its secret, and pings it signed, as GitHub does", async () => {
        const res = await create();
        assert.strictEqual(res.status, 201);
        assert.deepStrictEqual(res.json.config, { url: rx.url, content_type: "json", insecure_ssl: "0", secret: "********" });
        await api.idle();
        assert.strictEqual(rx.got.length, 1);
        const ping = rx.got[0];
        assert.strictEqual(ping.headers["x-github-event"], "ping");
        assert.strictEqual(ping.headers["x-github-hook-id"], String(res.json.id));
        assert.match(String(ping.headers["x-github-delivery"]), /^[0-9a-f-]{36}$/);
        assert.strictEqual(ping.headers["x-hub-signature-256"], `sha256=${createHmac("sha256", "s3cr3t").update(ping.body).digest("hex")}`);
        assert.strictEqual(ping.headers["x-hub-signature"], `sha1=${createHmac("sha1", "s3cr3t").update(ping.body).digest("hex")}`);
        assert.strictEqual(JSON.parse(ping.body).hook_id, res.json.id);
        assert.deepStrictEqual(api.deliveries.map((d) => [d.event, d.statusCode]), [["ping", 200]]);
    });

    it("PATCH hooks/{id} replaces the config (a secret not sent again is removed); PATCH hooks/{id}/config keeps what is not sent", async () => {
        const { json: hook } = await create();
        // Update a repository webhook: "If you previously had a secret set, you must provide the same
        // secret or set a new secret or the secret will be removed."
        const patched = await req("PATCH", `/repos/org/app/hooks/${hook.id}`, { config: { url: `${rx.url}x` }, events: ["push", "ping"] });
        assert.strictEqual(patched.status, 200);
        assert.deepStrictEqual(patched.json.config, { url: `${rx.url}x`, content_type: "form", insecure_ssl: "0" });
        assert.strictEqual(api.getHook(hook.id)?.config.secret, undefined, "the secret is removed");
        assert.deepStrictEqual(patched.json.events, ["push", "ping"]);

        // Update a webhook configuration: only the fields sent change.
        const withSecret = await req("PATCH", `/repos/org/app/hooks/${hook.id}/config`, { secret: "n3w", content_type: "json" });
        assert.deepStrictEqual(withSecret.json, { url: `${rx.url}x`, content_type: "json", insecure_ssl: "0", secret: "********" });
        const moved = await req("PATCH", `/repos/org/app/hooks/${hook.id}/config`, { url: rx.url });
        assert.strictEqual(moved.status, 200);
        assert.deepStrictEqual(api.getHook(hook.id)?.config, { url: rx.url, content_type: "json", insecure_ssl: "0", secret: "n3w" });
        assert.deepStrictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/config`)).json, { url: rx.url, content_type: "json", insecure_ssl: "0", secret: "********" });

        // add_events / remove_events edit the list; active alone leaves the config as it is.
        const events = await req("PATCH", `/repos/org/app/hooks/${hook.id}`, { add_events: ["issues"], remove_events: ["ping"], active: false });
        assert.deepStrictEqual([events.json.events, events.json.active, api.getHook(hook.id)?.config.secret], [["push", "issues"], false, "n3w"]);
        assert.strictEqual((await req("DELETE", `/repos/org/app/hooks/${hook.id}`)).status, 204);
        assert.strictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}`)).status, 404);
    });

    it("answers 404 for an owner or repository that does not exist (names are not case sensitive)", async () => {
        for (const p of ["/repos/org/nope/hooks", "/repos/nobody/app/hooks"]) {
            const created = await req("POST", p, { config: { url: rx.url } });
            assert.deepStrictEqual([created.status, created.json.message], [404, "Not Found"], p);
            assert.strictEqual((await req("GET", p)).status, 404, p);
        }
        assert.strictEqual((await req("GET", "/repos/ORG/App/hooks")).status, 200);
        assert.deepStrictEqual(api.listHooks("org", "nope"), []);
    });

    it("refuses a localhost payload URL with GitHub's 422; accepts loopback (127.0.0.1 too) and private IP addresses", async () => {
        for (const host of ["localhost", "receiver.localhost"]) {
            const res = await create(`http://${host}:9292/hook/abc`);
            assert.strictEqual(res.status, 422);
            assert.deepStrictEqual(res.json, {
                message: "Validation Failed",
                errors: [{ resource: "Hook", code: "custom", message: `Sorry, the URL host ${host} is not supported because it isn't reachable over the public Internet` }],
                documentation_url: `${hookDocs}#create-a-repository-webhook`,
                status: "422",
            });
        }
        const { json: hook } = await create();
        assert.match(hook.config.url, /^http:\/\/127\.0\.0\.1:/, "a GHES on the same network takes 127.0.0.1");
        assert.strictEqual((await req("PATCH", `/repos/org/app/hooks/${hook.id}`, { config: { url: "http://localhost/x" } })).status, 422);
        assert.strictEqual((await req("PATCH", `/repos/org/app/hooks/${hook.id}/config`, { url: "http://localhost/x" })).status, 422);
        // Private: accepted (inactive, so nothing is ever sent to it).
        const priv = await req("POST", "/repos/org/app/hooks", { active: false, events: ["push"], config: { url: "http://10.0.0.5/hook/x" } });
        assert.strictEqual(priv.status, 201);
        assert.strictEqual((await req("DELETE", `/repos/org/app/hooks/${priv.json.id}`)).status, 204);
        assert.strictEqual((await create("http://[::1]:1/hook/v6", { active: false })).status, 201);
    });

    it("refuses the same URL twice with overlapping events: 422 Hook already exists on this repository", async () => {
        const { json: first } = await create();
        const again = await create();
        assert.strictEqual(again.status, 422);
        assert.deepStrictEqual(again.json.errors, [{ resource: "Hook", code: "custom", message: "Hook already exists on this repository" }]);
        // "Multiple webhooks can share the same config as long as those webhooks do not have any events that overlap."
        const disjoint = await create(rx.url, { events: ["issues"], active: false });
        assert.strictEqual(disjoint.status, 201);
        assert.strictEqual((await req("PATCH", `/repos/org/app/hooks/${disjoint.json.id}`, { add_events: ["push"] })).status, 422);
        // Another repository may use the same URL.
        assert.strictEqual((await req("POST", "/repos/org/other/hooks", { active: false, config: { url: rx.url } })).status, 201);
        assert.strictEqual((await req("DELETE", `/repos/org/app/hooks/${first.id}`)).status, 204);
    });

    it("never delivers to an inactive hook: no ping on creation, none on a push or a ping request", async () => {
        const { json: hook } = await create(rx.url, { active: false });
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/pings`)).status, 204);
        assert.deepStrictEqual(await api.deliverPush("org", "app", { before: "a".repeat(40), after: "b".repeat(40) }), []);
        await api.idle();
        assert.deepStrictEqual([rx.got.length, api.deliveries.length], [0, 0]);
        assert.strictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}`)).json.last_response.status, "unused");
    });

    it("delivers a push with GitHub's headers (repository id as installation target) and payload", async () => {
        const { json: hook } = await create();
        await api.idle();
        const [d] = await api.deliverPush("org", "app", { before: "a".repeat(40), after: "b".repeat(40) });
        assert.deepStrictEqual([d.statusCode, d.status], [200, "OK"]);
        const push = rx.got[1];
        assert.match(String(push.headers["user-agent"]), /^GitHub-Hookshot\/[0-9a-f]{7}$/);
        assert.deepStrictEqual(
            [push.headers["x-github-event"], push.headers["x-github-hook-id"], push.headers["x-github-hook-installation-target-type"], push.headers["x-github-hook-installation-target-id"], push.headers["content-type"]],
            ["push", String(hook.id), "repository", "4242", "application/json"],
        );
        assert.strictEqual(push.headers["x-github-delivery"], d.guid);
        const payload = JSON.parse(push.body);
        assert.deepStrictEqual([payload.ref, payload.before, payload.after, payload.repository.full_name, payload.repository.id], ["refs/heads/main", "a".repeat(40), "b".repeat(40), "org/app", 4242]);
        assert.strictEqual(payload.head_commit.id, "b".repeat(40));
    });

    it("sends a form-encoded payload when the hook's content type is form (GitHub's default)", async () => {
        await req("POST", "/repos/org/app/hooks", { events: ["push"], config: { url: rx.url, secret: "s" } });
        await api.idle();
        const ping = rx.got[0];
        assert.strictEqual(ping.headers["content-type"], "application/x-www-form-urlencoded");
        assert.ok(ping.body.startsWith("payload="));
        assert.strictEqual(JSON.parse(decodeURIComponent(ping.body.slice("payload=".length))).zen, "Design for failure.");
    });

    it("serves pings (204) and tests (204: the latest push, only to a hook subscribed to push)", async () => {
        const { json: hook } = await create();
        const issues = await create(rx.url, { events: ["issues"] });
        await api.idle();
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/tests`)).status, 204, "no push yet: nothing to send");
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/pings`)).status, 204);
        await api.deliverPush("org", "app", { before: "a".repeat(40), after: "c".repeat(40) });
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/tests`)).status, 204);
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${issues.json.id}/tests`)).status, 204);
        await api.idle();
        assert.deepStrictEqual(api.deliveries.map((d) => [d.hookId === hook.id ? "push-hook" : "issues-hook", d.event]), [
            ["push-hook", "ping"], ["issues-hook", "ping"], ["push-hook", "ping"], ["push-hook", "push"], ["push-hook", "push"],
        ]);
        assert.strictEqual(JSON.parse(rx.got[rx.got.length - 1].body).after, "c".repeat(40));
    });

    it("lists hooks a page at a time with GitHub's Link header (prev, next, last, first, by the repository's id), and serves those URLs", async () => {
        for (let i = 0; i < 5; i++) assert.strictEqual((await create(`http://10.0.0.${i + 1}/hook/x`, { active: false })).status, 201);
        assert.strictEqual((await req("GET", "/repos/org/app/hooks")).headers.get("link"), null, "everything on one page: no Link");
        const links = (a: Answer) => Object.fromEntries([...(a.headers.get("link") ?? "").matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2], m[1]]));
        const first = await req("GET", "/repos/org/app/hooks?per_page=2");
        assert.deepStrictEqual(links(first), {
            next: `${api.apiUrl}repositories/4242/hooks?per_page=2&page=2`,
            last: `${api.apiUrl}repositories/4242/hooks?per_page=2&page=3`,
        });
        const seen: number[] = first.json.map((h: { id: number }) => h.id);
        let page = first;
        while (links(page).next) {
            page = await req("GET", links(page).next);
            assert.strictEqual(page.status, 200);
            seen.push(...page.json.map((h: { id: number }) => h.id));
        }
        assert.deepStrictEqual(seen, api.listHooks("org", "app").map((h) => h.id), "every hook once, in order");
        assert.deepStrictEqual(Object.keys(links(page)), ["prev", "first"], "the last page");
        assert.deepStrictEqual(api.unknownRoutes, []);
        assert.strictEqual((await req("GET", "/repositories/999/hooks")).status, 404, "an id GitHub does not have");
    });

    it("lists deliveries newest first with GitHub's fields, pages them, shows one with request and response, and redelivers", async () => {
        const { json: hook } = await create();
        await api.idle();
        for (const after of ["1", "2", "3"]) await api.deliverPush("org", "app", { before: "0".repeat(40), after: after.repeat(40) });
        const list = await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries`);
        assert.strictEqual(list.status, 200);
        assert.deepStrictEqual(Object.keys(list.json[0]).sort(), ["action", "delivered_at", "duration", "event", "guid", "id", "installation_id", "redelivery", "repository_id", "status", "status_code", "throttled_at"]);
        assert.deepStrictEqual(list.json.map((d: { event: string }) => d.event), ["push", "push", "push", "ping"]);
        assert.deepStrictEqual([list.json[0].status, list.json[0].status_code, list.json[0].redelivery, list.json[0].repository_id], ["OK", 200, false, 4242]);
        const page1 = await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries?per_page=2`);
        assert.strictEqual(page1.json.length, 2);
        const next = /<([^>]+)>; rel="next"/.exec(page1.headers.get("link") ?? "")?.[1];
        assert.ok(next, "Link: rel=next");
        assert.ok(next.startsWith(api.apiUrl), `the next page is under the REST root: ${next}`);
        const page2 = await req("GET", next);
        assert.deepStrictEqual(page2.json.map((d: { id: number }) => d.id), list.json.slice(2).map((d: { id: number }) => d.id));

        const one = await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries/${list.json[0].id}`);
        assert.strictEqual(one.json.request.payload.after, "3".repeat(40));
        assert.strictEqual(one.json.request.headers["X-GitHub-Event"], "push");
        assert.deepStrictEqual([one.json.response.payload, one.json.response.headers["x-receiver"], one.json.url], ["received", "test", rx.url]);
        assert.strictEqual((await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries/999999`)).status, 404);

        // Redelivery: same guid, a new delivery marked redelivery, to the hook's current URL and secret.
        const other = await receiver();
        try {
            await req("PATCH", `/repos/org/app/hooks/${hook.id}/config`, { url: other.url, secret: "r0tated" });
            const redo = await req("POST", `/repos/org/app/hooks/${hook.id}/deliveries/${list.json[0].id}/attempts`);
            assert.strictEqual(redo.status, 202);
            await api.idle();
            const [again] = (await req("GET", `/repos/org/app/hooks/${hook.id}/deliveries`)).json;
            assert.deepStrictEqual([again.guid, again.redelivery, again.id > list.json[0].id], [list.json[0].guid, true, true]);
            assert.strictEqual(other.got.length, 1);
            assert.strictEqual(other.got[0].headers["x-github-delivery"], list.json[0].guid);
            assert.strictEqual(other.got[0].headers["x-hub-signature-256"], `sha256=${createHmac("sha256", "r0tated").update(other.got[0].body).digest("hex")}`);
        } finally {
            await other.close();
        }
    });

    it("records failed deliveries as GitHub does: the receiver's code, or status_code 0 and why", async () => {
        const refusing = await receiver(400);
        const hanging = await receiver("hang");
        try {
            await api.close();
            api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "org", name: "app" }], deliveryTimeoutMs: 300 });
            for (const url of [refusing.url, `http://127.0.0.1:${await closedPort()}/hook/down`, hanging.url]) {
                assert.strictEqual((await req("POST", "/repos/org/app/hooks", { events: ["push"], config: { url, content_type: "json" } })).status, 201);
            }
            await api.idle();
            // "Troubleshooting webhooks": a refused connection is "failed to connect to network", no answer in time "timed out".
            assert.deepStrictEqual(api.deliveries.map((d) => [d.statusCode, d.status]).sort(), [[0, "failed to connect to network"], [0, "timed out"], [400, "Invalid HTTP Response: 400"]]);
            // A name that does not resolve (not reproducible offline without waiting on DNS: the mapping itself).
            const errno = (code: string) => Object.assign(new Error(code), { code });
            assert.deepStrictEqual(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "DEPTH_ZERO_SELF_SIGNED_CERT"].map((c) => deliveryErrorStatus(errno(c))),
                ["failed to connect to host", "failed to connect to host", "failed to connect to network", "Peer certificate cannot be authenticated with given CA certificates"]);
            const failed = (await req("GET", `/repos/org/app/hooks/${api.deliveries.find((d) => d.statusCode === 400)?.hookId}`)).json;
            assert.deepStrictEqual(failed.last_response, { code: 400, status: "failed", message: "Invalid HTTP Response: 400" });
        } finally {
            // Also when an assertion fails: an open receiver would keep mocha from exiting.
            await refusing.close();
            await hanging.close();
        }
    });

    it("answers a token without the permission as GitHub does: 403 for a fine-grained token, 404 for a non-admin classic one", async () => {
        api.addToken("github_pat_nohooks", { type: "fine-grained", statuses: "write" });
        api.addToken("github_pat_readhooks", { type: "fine-grained", webhooks: "read" });
        api.addToken("ghp_notadmin", { type: "classic" });
        const denied = await req("POST", "/repos/org/app/hooks", { config: { url: rx.url } }, { token: "github_pat_nohooks" });
        assert.deepStrictEqual([denied.status, denied.json.message], [403, "Resource not accessible by personal access token"]);
        assert.strictEqual((await req("GET", "/repos/org/app/hooks", undefined, { token: "github_pat_readhooks" })).status, 200);
        assert.strictEqual((await req("POST", "/repos/org/app/hooks", { config: { url: rx.url } }, { token: "github_pat_readhooks" })).status, 403);
        // Ping and test need only read access to Webhooks (fine-grained permission table); redelivery needs write.
        const { json: hook } = await create();
        await api.idle();
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/pings`, undefined, { token: "github_pat_readhooks" })).status, 204);
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/tests`, undefined, { token: "github_pat_readhooks" })).status, 204);
        await api.idle();
        assert.deepStrictEqual(api.deliveries.map((d) => d.event), ["ping", "ping"], "the read-only token's ping was sent");
        const redeliver = await req("POST", `/repos/org/app/hooks/${hook.id}/deliveries/${api.deliveries[0].id}/attempts`, undefined, { token: "github_pat_readhooks" });
        assert.deepStrictEqual([redeliver.status, redeliver.json.message], [403, "Resource not accessible by personal access token"]);
        assert.strictEqual((await req("POST", `/repos/org/app/hooks/${hook.id}/pings`, undefined, { token: "github_pat_nohooks" })).status, 403);
        assert.strictEqual((await req("GET", "/repos/org/app/hooks", undefined, { token: "ghp_notadmin" })).status, 404);
        assert.strictEqual((await req("GET", "/repos/org/app/hooks", undefined, { token: "wrong" })).status, 401);
        assert.strictEqual((await req("GET", "/meta", undefined, { token: null })).status, 200, "/meta is public");
    });

    it("commit statuses: the calls notification-controller's github notifier makes, and GitHub's refusals", async () => {
        const sha = "d".repeat(40);
        api.addCommit("org", "app", sha, "main");
        const ncHeaders = { Accept: "application/vnd.github.v3+json", "User-Agent": "go-github/v64.0.0", "X-GitHub-Api-Version": "2022-11-28" };
        const list = (q = "?per_page=50") => req("GET", `/repos/org/app/commits/${sha}/statuses${q}`, undefined, { headers: ncHeaders });
        assert.deepStrictEqual((await list()).json, []);
        const post = (body: Record<string, unknown>, s = sha) => req("POST", `/repos/org/app/statuses/${s}`, body, { headers: ncHeaders });
        const created = await post({ state: "success", description: "reconciliation succeeded", context: "kustomization/vote-staging/0c9c2e41" });
        assert.strictEqual(created.status, 201);
        assert.deepStrictEqual([created.json.state, created.json.description, created.json.context, created.json.target_url], ["success", "reconciliation succeeded", "kustomization/vote-staging/0c9c2e41", null]);
        await post({ state: "failure", description: "health check failed", context: "kustomization/vote-staging/0c9c2e41", target_url: "https://flux.example/x" });
        assert.deepStrictEqual((await list()).json.map((s: { state: string }) => s.state), ["failure", "success"], "newest first");
        assert.deepStrictEqual((await req("GET", "/repos/org/app/commits/main/statuses")).json.length, 2, "a branch name resolves");
        assert.deepStrictEqual(api.listStatuses("org", "app", sha).map((s) => s.description), ["health check failed", "reconciliation succeeded"]);

        const badState = await post({ state: "cancelled", context: "c" });
        assert.strictEqual(badState.status, 422);
        assert.deepStrictEqual(badState.json.errors, [{ resource: "Status", code: "custom", field: "state", message: "state is not included in the list" }]);
        const long = await post({ state: "success", description: "x".repeat(141), context: "c" });
        assert.deepStrictEqual(long.json.errors, [{ resource: "Status", code: "custom", field: "description", message: "description is too long (maximum is 140 characters)" }]);
        assert.strictEqual((await post({ state: "success", description: "x".repeat(140), context: "c" })).status, 201);
        const unknown = await post({ state: "success", context: "c" }, "e".repeat(40));
        assert.deepStrictEqual([unknown.status, unknown.json.message], [422, `No commit found for SHA: ${"e".repeat(40)}`]);
        api.addToken("github_pat_nostatus", { type: "fine-grained", webhooks: "write" });
        assert.strictEqual((await req("POST", `/repos/org/app/statuses/${sha}`, { state: "success" }, { token: "github_pat_nostatus" })).status, 403);
    });
});

describe("GitHub API stand-in delivers over https as GitHub does", function () {
    this.timeout(30000);
    // An ingress-like https server picking its certificate by SNI, and an http one that redirects
    // to https; names resolve through the host map (no CA of its own: trust is the stand-in's).
    const day = 86400e3;
    let ca: SandboxCa;
    let uninstall: () => void;
    // Every stand-in a test starts (one per deliver call), closed after it.
    let apis: GitHubApi[] = [];
    const servers: (http.Server | https.Server)[] = [];
    const sni: string[] = [];
    const hits: string[] = [];
    before(async () => {
        ca = await createSandboxCa();
        const byName: Record<string, { key: string; cert: string }> = {
            "good.test": await ca.issue(["good.test"]),
            "expired.test": await ca.issue(["expired.test"], { notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) }),
            "self.test": await ca.selfSigned(["self.test"]),
        };
        const server = https.createServer({
            ...(await ca.selfSigned(["ingress-default.invalid"])),
            SNICallback: (name, cb) => {
                sni.push(name);
                const c = byName[name];
                cb(null, c ? tls.createSecureContext(c) : undefined);
            },
        }, (req, res) => {
            hits.push(`${req.headers.host ?? ""}${req.url ?? ""}`);
            req.resume();
            req.on("end", () => res.writeHead(200).end("ok"));
        });
        const redirect = http.createServer((req, res) => {
            req.resume();
            res.writeHead(308, { Location: `https://good.test${req.url ?? "/"}` }).end();
        });
        servers.push(server, redirect);
        const listen = (s: http.Server) => new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));
        const port = await listen(server);
        const plainPort = await listen(redirect);
        uninstall = installHostMap({ ...Object.fromEntries(Object.keys(byName).map((h) => [`${h}:443`, `127.0.0.1:${port}`])), "plain.test:80": `127.0.0.1:${plainPort}` });
    });
    after(async () => {
        uninstall?.();
        await Promise.all(servers.map((s) => new Promise<void>((r) => {
            s.closeAllConnections(); // deliveries keep their connections alive
            s.close(() => r());
        })));
        ca?.remove();
    });
    afterEach(async () => {
        await Promise.all(apis.map((a) => a.close()));
        apis = [];
    });

    /** One hook per URL (GitHub pings each on creation); the deliveries as GitHub records them, by URL. */
    const deliver = async (trustedCas: string[] | undefined, hooks: { url: string; insecure?: boolean }[]) => {
        const api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "org", name: "app" }], trustedCas, deliveryTimeoutMs: 5000 });
        apis.push(api);
        for (const h of hooks) {
            const res = await call(api, "POST", "/repos/org/app/hooks", { events: ["push"], config: { url: h.url, content_type: "json", insecure_ssl: h.insecure ? "1" : "0", secret: "s" } });
            assert.strictEqual(res.status, 201);
        }
        await api.idle();
        return Object.fromEntries(api.deliveries.map((d) => [d.url, [d.statusCode, d.status]]));
    };
    const Peer = "Peer certificate cannot be authenticated with given CA certificates";

    it("verifies the chain against the CAs it trusts (the sandbox CA standing for a public one), sending the host as SNI", async () => {
        assert.deepStrictEqual(await deliver([ca.caCert], [{ url: "https://good.test/hook/a" }]), { "https://good.test/hook/a": [200, "OK"] });
        assert.ok(sni.includes("good.test"), JSON.stringify(sni));
        // A CA it does not trust: GitHub's words for it.
        assert.deepStrictEqual(await deliver(undefined, [{ url: "https://good.test/hook/b" }]), { "https://good.test/hook/b": [0, Peer] });
    });

    it("an expired certificate, and the server's default one for a host it has none for, fail the same way", async () => {
        assert.deepStrictEqual(await deliver([ca.caCert], [{ url: "https://expired.test/hook/c" }]), { "https://expired.test/hook/c": [0, Peer] });
    });

    it("insecure_ssl \"1\" skips verification (a self-signed certificate gets through), \"0\" does not", async () => {
        assert.deepStrictEqual(await deliver([ca.caCert], [{ url: "https://self.test/hook/d" }, { url: "https://self.test/hook/e", insecure: true }]),
            { "https://self.test/hook/d": [0, Peer], "https://self.test/hook/e": [200, "OK"] });
    });

    it("follows no redirect: the 308 is recorded as the answer, and the target is never asked", async () => {
        const before = hits.length;
        assert.deepStrictEqual(await deliver([ca.caCert], [{ url: "http://plain.test/hook/f" }]), { "http://plain.test/hook/f": [308, "Invalid HTTP Response: 308"] });
        assert.strictEqual(hits.length, before, JSON.stringify(hits.slice(before)));
    });
});

describe("load-balancer stand-in: loadBalancerSourceRanges as a cloud load balancer applies them", () => {
    it("an IPv4 client in a range passes; outside, or against an IPv6 range, it does not", () => {
        assert.ok(inCidr("192.30.252.17", "192.30.252.0/22"));
        assert.ok(inCidr("::ffff:192.30.255.1", "192.30.252.0/22"));
        assert.ok(!inCidr("192.30.251.255", "192.30.252.0/22"));
        assert.ok(inCidr("127.0.0.1", "127.0.0.0/8") && inCidr("10.1.2.3", "0.0.0.0/0"));
        assert.ok(!inCidr("127.0.0.1", "2a0a:a440::/29"));
    });
    it("reports host names the host map resolves to its pool", () => {
        assert.strictEqual(loadBalancerHostname(3), "lb-3.elb.sandbox.example");
    });
});

describe("git server (git http-backend over HTTP)", () => {
    it("serves clone and push; the SHA a push returns is the server's", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "git-standin-"));
        const server = await startGitServer(path.join(root, "srv"));
        try {
            const url = await createRepository(server, "instavote", instavoteFiles());
            const clone = await Clone.open(url, path.join(root, "work", "instavote"));
            assert.match(clone.read("deploy/vote/staging/vote-deployment.yaml"), /replicas: 2/);
            const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(5) }, "vote: 5 replicas");
            assert.notStrictEqual(before, after);
            // Asynchronously: the server answers from this process (a blocking call would deadlock).
            const remote = (await git(root, ["ls-remote", url, "refs/heads/main"])).split("\t")[0];
            assert.strictEqual(remote, after);
        } finally {
            await server.close();
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("stand-in providers", () => {
    it("random: defaults like the real provider, and honours length, classes and minimums", () => {
        const { inputs, failures } = checkPassword({ length: 48, special: false });
        assert.deepStrictEqual(failures, []);
        assert.deepStrictEqual([inputs.upper, inputs.lower, inputs.numeric, inputs.special, inputs.minUpper], [true, true, true, false, 0]);
        for (let i = 0; i < 20; i++) assert.match(generatePassword(inputs), /^[A-Za-z0-9]{48}$/);
        const digits = generatePassword(checkPassword({ length: 12, special: false, upper: false, lower: false, minNumeric: 12 }).inputs);
        assert.match(digits, /^[0-9]{12}$/);
        assert.deepStrictEqual(checkPassword({ length: 4, minUpper: 3, minLower: 3 }).failures, ["length (4) is less than the sum of the minimums (6)"]);
    });

    it("github: repository replaces the hook, other changes update it, secrets and unknowns compare by value", () => {
        const olds = { repository: "app", events: ["push"], active: true, configuration: { url: "http://x/hook/a", contentType: "json", insecureSsl: false, secret: secret("s1") } };
        assert.deepStrictEqual(diffWebhook(olds, { ...olds }), { changes: false, replaces: [] });
        assert.deepStrictEqual(diffWebhook(olds, { ...olds, repository: "other" }), { changes: true, replaces: ["repository"] });
        assert.deepStrictEqual(diffWebhook(olds, { ...olds, configuration: { ...olds.configuration, secret: secret("s2") } }), { changes: true, replaces: [] });
        assert.deepStrictEqual(diffWebhook(olds, { ...olds, configuration: UnknownValue }), { changes: true, replaces: [] });
        // State written by a read (other key order, insecureSsl filled in) against inputs that leave it out.
        const read = { ...olds, configuration: { secret: secret("s1"), insecureSsl: false, contentType: "json", url: "http://x/hook/a" } };
        assert.deepStrictEqual(diffWebhook(read, { ...olds, configuration: { url: "http://x/hook/a", contentType: "json", secret: secret("s1") } }), { changes: false, replaces: [] });
        assert.deepStrictEqual(diffWebhook(read, { ...olds, configuration: { url: "http://x/hook/a", contentType: "json" } }), { changes: true, replaces: [] }, "a secret removed from the inputs");
    });

    it("github: sends GitHub's hook body (name web, insecure_ssl as \"0\"/\"1\")", () => {
        const i = checkWebhook(plain({ repository: "app", events: ["push"], configuration: { url: "https://x/hook/a", contentType: "json", insecureSsl: false, secret: secret("s") } }) as Record<string, unknown>).inputs;
        assert.deepStrictEqual(hookBody(i), { name: "web", active: true, events: ["push"], config: { url: "https://x/hook/a", content_type: "json", insecure_ssl: "0", secret: "s" } });
        assert.deepStrictEqual(checkWebhook({ events: [] }).failures, ["repository is required", "events must be a non-empty list"]);
    });

    it("github: settings come from the provider configuration, else GITHUB_*; the owner in v6.13.0's order (organization, GITHUB_OWNER, owner); the base URL resolves as terraform-provider-github's getBaseURL", () => {
        const env = { GITHUB_OWNER: "env-org", GITHUB_TOKEN: "env-token", GITHUB_BASE_URL: "https://ghe.example/" };
        // configureProvider: GITHUB_OWNER (os.LookupEnv) comes before the owner attribute.
        assert.deepStrictEqual(githubSettings({ owner: "org", token: "t", baseUrl: "http://127.0.0.1:1234" }, env), { owner: "env-org", token: "t", apiUrl: "http://127.0.0.1:1234/api/v3/" });
        assert.deepStrictEqual(githubSettings({}, env), { owner: "env-org", token: "env-token", apiUrl: "https://ghe.example/api/v3/" });
        assert.deepStrictEqual(githubSettings({ owner: "org" }, {}), { owner: "org", token: "", apiUrl: "https://api.github.com/" });
        assert.strictEqual(githubSettings({ owner: "org", organization: "old-org" }, env).owner, "old-org", "organization first, deprecated or not");
        assert.strictEqual(githubSettings({ owner: "org" }, { GITHUB_ORGANIZATION: "env-old-org", GITHUB_OWNER: "env-org" }).owner, "env-old-org", "the organization attribute's env default");
        assert.strictEqual(githubSettings({ owner: "org", organization: "" }, { GITHUB_OWNER: "" }).owner, "org", "empty values are unset (GetOk)");
        assert.strictEqual(githubSettings({}, {}).owner, "", "none: configure asks GitHub for the token's user");
        assert.deepStrictEqual(parseImportId("app/123"), { repository: "app", id: "123" });
        for (const bad of ["123", "org/app/123"]) assert.throws(() => parseImportId(bad), /^Error: invalid ID specified: supplied ID must be written as <repository>\/<webhook_id>$/);
        for (const [base, api] of [
            ["https://api.github.com/", "https://api.github.com/"],
            ["https://github.com/", "https://api.github.com/"],
            ["https://github.com", "https://api.github.com/"],
            ["https://ghe.example.com/", "https://ghe.example.com/api/v3/"],
            ["https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/"],
            ["http://127.0.0.1:8080", "http://127.0.0.1:8080/api/v3/"],
            ["https://acme.ghe.com/", "https://api.acme.ghe.com/"],
            ["https://acme.ghe.com", "https://api.acme.ghe.com/"],
            ["https://api.acme.ghe.com/", "https://api.acme.ghe.com/"],
        ]) assert.strictEqual(providerApiUrl(base), api, base);
    });

    describe("github provider against the GitHub API stand-in", () => {
        let api: GitHubApi;
        let rx: Receiver;
        const p = () => githubProvider(() => new GitHubClient(githubSettings({ owner: "org", token: "t0k", baseUrl: api.url }, {})));
        const inputs = (url: string, s = "s1"): Record<string, Wire> => ({ repository: "app", events: ["push"], active: true, configuration: { url, contentType: "json", insecureSsl: false, secret: secret(s) } });
        beforeEach(async () => {
            // github:baseUrl as the provider's docs show it for a GHES: the host root.
            api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "org", name: "app" }] });
            rx = await receiver();
        });
        afterEach(async () => {
            await api.close();
            await rx.close();
        });

        it("create posts then reads (host root resolved to /api/v3/); read sends If-None-Match (304 keeps state) and drops a hook GitHub no longer has", async () => {
            const provider = p();
            const created = await provider.create!("urn", inputs(rx.url));
            const hook = api.getHook(Number(created.id));
            assert.deepStrictEqual(hook?.config, { url: rx.url, content_type: "json", insecure_ssl: "0", secret: "s1" });
            assert.deepStrictEqual(api.requests, ["POST /api/v3/repos/org/app/hooks 201", `GET /api/v3/repos/org/app/hooks/${created.id} 200`]);
            const outs = created.outs as Record<string, Wire>;
            assert.strictEqual(outs.url, `${api.url}api/v3/repos/org/app/hooks/${created.id}`);
            assert.ok(typeof outs.etag === "string" && outs.etag !== "");
            assert.deepStrictEqual(plain(outs.configuration), { url: rx.url, contentType: "json", insecureSsl: false, secret: "s1" });

            const same = await provider.read!(created.id, "urn", outs);
            assert.deepStrictEqual(same, { id: created.id, props: outs });
            assert.strictEqual(api.requests[api.requests.length - 1], `GET /api/v3/repos/org/app/hooks/${created.id} 304`);

            // Changed outside Pulumi: the secret removed (a PATCH without it) shows up as a difference.
            await call(api, "PATCH", `/repos/org/app/hooks/${created.id}`, { config: { url: rx.url, content_type: "json" } });
            const drifted = await provider.read!(created.id, "urn", outs);
            assert.strictEqual((plain(drifted.props) as { configuration: { secret?: string } }).configuration.secret, undefined);
            assert.ok(diffWebhook(drifted.props as Record<string, Wire>, inputs(rx.url)).changes);

            await call(api, "DELETE", `/repos/org/app/hooks/${created.id}`);
            assert.deepStrictEqual(await provider.read!(created.id, "urn", outs), { id: "", props: {} });
        });

        it("configure: looks the owner up as an organization (a 404 is a user), asks GitHub for the token's user when no owner is set, and fails on a bad token", async () => {
            const base = { token: "t0k", apiUrl: providerApiUrl(api.url) };
            assert.deepStrictEqual(await configureGitHub({ ...base, owner: "org" }), { ...base, owner: "org", isOrganization: true });
            assert.deepStrictEqual(await configureGitHub({ ...base, owner: "someone" }), { ...base, owner: "someone", isOrganization: false });
            assert.deepStrictEqual(await configureGitHub({ ...base, owner: "" }), { ...base, owner: "sandbox-user", isOrganization: false });
            await assert.rejects(configureGitHub({ ...base, token: "ghp_revoked", owner: "org" }), /^Error: failed to lookup organization "org": GET .*\/api\/v3\/orgs\/org: 401 Bad credentials/);
            await assert.rejects(configureGitHub({ ...base, token: "ghp_revoked", owner: "" }), /^Error: owner cannot be found by token: GET .*\/api\/v3\/user: 401 Bad credentials/);
            assert.deepStrictEqual(api.requests.slice(0, 3), ["GET /api/v3/orgs/org 200", "GET /api/v3/orgs/someone 404", "GET /api/v3/user 200"]);
        });

        it("configuration.url and configuration.secret come back secret (Sensitive in the schema), from create, read and update, plain inputs or not", async () => {
            const provider = p();
            const plainUrl = inputs(rx.url);
            const created = await provider.create!("urn", plainUrl);
            const conf = (o: Record<string, Wire>) => o.configuration as Record<string, Wire>;
            assert.ok(!isSecretValue(conf(plainUrl).url), "the inputs' url is plain");
            for (const outs of [created.outs as Record<string, Wire>]) {
                assert.ok(isSecretValue(conf(outs).url) && isSecretValue(conf(outs).secret), JSON.stringify(outs));
                assert.ok(!isSecretValue(conf(outs).contentType));
            }
            await call(api, "PATCH", `/repos/org/app/hooks/${created.id}`, { events: ["push", "ping"] });
            const read = await provider.read!(created.id, "urn", created.outs as Record<string, Wire>);
            assert.ok(isSecretValue(conf(read.props as Record<string, Wire>).url));
            const updated = await provider.update!(created.id, "urn", created.outs as Record<string, Wire>, inputs(`${rx.url}/moved`));
            assert.ok(isSecretValue(conf(updated.outs as Record<string, Wire>).url) && isSecretValue(conf(updated.outs as Record<string, Wire>).secret));
        });

        it("import by <repository>/<webhook_id>: the hook's state is read under that repository; another ID form is refused with the provider's message", async () => {
            const provider = p();
            const created = await provider.create!("urn", inputs(rx.url));
            const imported = await provider.read!(`app/${created.id}`, "urn", {});
            assert.strictEqual(imported.id, created.id);
            const props = imported.props as Record<string, Wire>;
            assert.deepStrictEqual({ repository: props.repository, events: props.events, url: plain((props.configuration as Record<string, Wire>).url) }, { repository: "app", events: ["push"], url: rx.url });
            await assert.rejects(provider.read!(String(created.id), "urn", {}), /invalid ID specified: supplied ID must be written as <repository>\/<webhook_id>/);
        });

        it("update sends the whole hook (its secret included, so GitHub keeps one); delete fails on a 404 as the real provider's does", async () => {
            const provider = p();
            const created = await provider.create!("urn", inputs(rx.url));
            const other = `${rx.url}/moved`;
            await provider.update!(created.id, "urn", created.outs, inputs(other, "s2"));
            assert.deepStrictEqual(api.getHook(Number(created.id))?.config, { url: other, content_type: "json", insecure_ssl: "0", secret: "s2" });
            await provider.update!(created.id, "urn", created.outs, { ...inputs(other, "s2"), events: ["push", "ping"] });
            assert.strictEqual(api.getHook(Number(created.id))?.config.secret, "s2", "the secret survives an update of the events");
            await provider.delete!(created.id, "urn", created.outs);
            assert.deepStrictEqual(api.listHooks("org", "app"), []);
            await assert.rejects(provider.delete!(created.id, "urn", created.outs), /deleting the repository webhook: DELETE .*\/hooks\/\d+: 404 Not Found/);
        });

        it("a refusal comes back in go-github's words: METHOD URL: STATUS message [errors]", async () => {
            await assert.rejects(p().create!("urn", inputs("http://localhost:1/hook")), /POST .*\/api\/v3\/repos\/org\/app\/hooks: 422 Validation Failed .*Sorry, the URL host localhost is not supported/);
        });

        it("getIpRanges: GET /meta with the token, GetIpRangesResult's names, IPv4 and IPv6 split", async () => {
            api.setHookRanges(["192.0.2.0/24", "2001:db8::/32"]);
            const { outputs } = await p().invoke!("github:index/getIpRanges:getIpRanges", {});
            assert.deepStrictEqual([outputs.id, outputs.hooks, outputs.hooksIpv4s, outputs.hooksIpv6s], ["github-ip-ranges", ["192.0.2.0/24", "2001:db8::/32"], ["192.0.2.0/24"], ["2001:db8::/32"]]);
            // A GHES's /meta lists no other ranges (ghes-3.19.json api-overview): empty lists, as the provider reads them.
            assert.deepStrictEqual([outputs.gits, outputs.webIpv6s, outputs.dependabots], [[], [], []]);
            const dotcom = ipRanges({ hooks: ["192.30.252.0/22"], git: ["140.82.112.0/20", "2a0a:a440::/29"], web: ["2606:50c0::/32"], dependabot: ["52.0.0.1/32"] });
            assert.deepStrictEqual([dotcom.gitIpv4s, dotcom.gitIpv6s, dotcom.webIpv6s, dotcom.dependabots], [["140.82.112.0/20"], ["2a0a:a440::/29"], ["2606:50c0::/32"], ["52.0.0.1/32"]]);
            assert.throws(() => ipRanges({ hooks: ["nonsense"] }), /failed parsing cidr nonsense/);
            assert.strictEqual(api.requests[api.requests.length - 1], "GET /api/v3/meta 200");
        });
    });

    describe("compiled github plugin over gRPC (as the engine starts it from sandbox/bin)", function () {
        this.timeout(60000);
        let api: GitHubApi;
        let rx: Receiver;
        let plugin: ChildProcess;
        let client: ResourceProviderClient;

        before(async () => {
            await buildStandins();
            api = await GitHubApi.start({ flavor: "ghes", token: "ghp_fromconfig", repositories: [{ owner: "cfg-org", name: "app" }] });
            api.setHookRanges(["127.0.0.0/8", "::1/128"]);
            rx = await receiver();
            // No GITHUB_* in its environment: owner, base URL and token can only come from Configure.
            const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("GITHUB_")));
            plugin = spawn(path.join(repoRoot, "sandbox", "bin", "pulumi-resource-github"), [], { env, stdio: ["ignore", "pipe", "inherit"] });
            const port = await new Promise<string>((resolve, reject) => {
                plugin.stdout?.once("data", (d: Buffer) => resolve(d.toString().trim()));
                plugin.once("exit", (code) => reject(new Error(`the plugin exited (${code})`)));
            });
            client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        });
        after(async () => {
            client?.close();
            plugin?.kill();
            await api?.close();
            await rx?.close();
        });

        const settle = <T>(resolve: (v: T) => void, reject: (e: Error) => void) => (e: grpc.ServiceError | null, v: T) => (e ? reject(e) : resolve(v));
        const configureCall = (r: ConfigureRequest) => new Promise<ConfigureResponse>((res, rej) => client.configure(r, settle(res, rej)));
        const createCall = (r: CreateRequest) => new Promise<CreateResponse>((res, rej) => client.create(r, settle(res, rej)));
        const invokeCall = (r: InvokeRequest) => new Promise<InvokeResponse>((res, rej) => client.invoke(r, settle(res, rej)));

        it("a Configure whose token GitHub refuses fails (the real provider looks the owner up there: a bad token fails preview)", async () => {
            const configure = new ConfigureRequest();
            configure.setArgs(Struct.fromJavaScript({ owner: "cfg-org", baseUrl: api.url, token: secret("ghp_revoked") as Record<string, string> }));
            configure.setAcceptsecrets(true);
            await assert.rejects(configureCall(configure), /failed to lookup organization "cfg-org": GET .*\/orgs\/cfg-org: 401 Bad credentials/);
        });

        it("reads github:owner, github:baseUrl and github:token from Configure, then creates the hook and answers getIpRanges with them", async () => {
            const configure = new ConfigureRequest();
            configure.setArgs(Struct.fromJavaScript({ owner: "cfg-org", baseUrl: api.url, token: secret("ghp_fromconfig") as Record<string, string> }));
            configure.getVariablesMap().set("github:config:owner", "cfg-org");
            configure.setAcceptsecrets(true);
            await configureCall(configure);

            const create = new CreateRequest();
            create.setUrn("urn:pulumi:sandbox::flux-push::github:index/repositoryWebhook:RepositoryWebhook::hook");
            create.setProperties(Struct.fromJavaScript({ repository: "app", events: ["push"], active: true, configuration: { url: rx.url, contentType: "json", insecureSsl: false, secret: secret("s") as Record<string, string> } }));
            const created = await createCall(create);
            assert.deepStrictEqual(api.listHooks("cfg-org", "app").map((h) => [String(h.id), h.config.url, h.config.secret]), [[created.getId(), rx.url, "s"]]);

            const invoke = new InvokeRequest();
            invoke.setTok("github:index/getIpRanges:getIpRanges");
            invoke.setArgs(Struct.fromJavaScript({}));
            const ranges = (await invokeCall(invoke)).getReturn()?.toJavaScript();
            assert.deepStrictEqual(ranges?.hooks, ["127.0.0.0/8", "::1/128"]);
            assert.ok(api.requests.includes("GET /api/v3/meta 200"), JSON.stringify(api.requests));
            assert.deepStrictEqual(api.unknownRoutes, []);
        });
    });
});
