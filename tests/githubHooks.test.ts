// The program's GitHub-side lifecycles (resources/githubHooks.ts), run as the plugin runs them: the
// delivery check against a fake GitHub and cluster on virtual time (a lagging log, throttling,
// GitHub's creation ping, redeliveries, GHES's 30 s timeout), the hook count's paging, the probe
// against real http(s) servers, each provider's create in `fail` and `warn` mode, and the provider
// plugin (plugin/) as the engine starts and calls it, against the GitHub stand-in.
import * as assert from "assert";
import { createHmac } from "crypto";
import * as http from "http";
import * as https from "https";
import {
    countHooks, HookCapacityInputs, hookCapacityProviderWith, PingInputs, PingIo, PingOutputs, probe, ProbeInputs, payloadUrlProbeProviderWith,
    realIo, runDeliveryCheck, webhookPingProviderWith,
} from "../resources/githubHooks";
import { GitHubApiSettings, HookSummary, MaxHookPages } from "../lib/github";
import { GitHubApi } from "../sandbox/standins/githubApi";
import { LifecycleContext, lifecycleProvider, ProviderPackage, ResourceTypes, wireSecret } from "../resources/lifecycle";
import { PluginClient, startProviderPlugin } from "./support/providerPlugin";
import { FakeCluster, FakeGitHub, VirtualTime } from "./support/fakeGitHub";
import { tempDir } from "./support/tempDir";
import { installHostMap } from "../sandbox/standins/hostMap";
import { createSandboxCa, SandboxCa } from "../sandbox/standins/sandboxTls";
import * as tlsModule from "tls";
import { close, listen, selfSigned } from "./support/servers";

const tlsContext = (c: { key: string; cert: string }) => tlsModule.createSecureContext({ key: c.key, cert: c.cert });

const HookPath = `/hook/${"ab12".repeat(16)}`;
/** GitHub as the plugin's provider configuration gives it to a lifecycle. */
const GitHubCom: GitHubApiSettings = { baseUrl: "https://api.github.com/", token: "ghp_x" };
const Ghes: GitHubApiSettings = { baseUrl: "https://ghe.example.com/api/v3/", token: "ghp_x" };
const contextOf = (settings: GitHubApiSettings): LifecycleContext => ({ github: () => settings });
const PayloadHost = "203.0.113.10:31234";

function pingInputs(over: Partial<PingInputs> = {}): PingInputs {
    return {
        owner: "example-org", repository: "instavote", hookId: "4242",
        payloadUrl: `http://${PayloadHost}${HookPath}`, secret: "s3cret", receiver: "instavote-0123456789", namespace: "flux-system",
        gitRepository: "instavote", mode: "fail", trigger: "", timeoutSeconds: 60, exposure: "patch-nodeport|flux-system/webhook-receiver|31234",
        ...over,
    };
}

/** A fake GitHub and cluster on virtual time, and the check's I/O over them. */
function world(opts: { ghes?: boolean } = {}) {
    const time = new VirtualTime();
    const cluster = new FakeCluster(time, "flux-system", "instavote", "2026-11-25T11:00:00Z");
    const github = new FakeGitHub(time, cluster, { owner: "example-org", repository: "instavote", id: 4242, prefix: opts.ghes ? "/api/v3" : "" });
    const io: PingIo = { fetch: github.fetch, sleep: time.sleep, now: time.now, cluster };
    const settings = opts.ghes ? Ghes : GitHubCom;
    const check = (over: Partial<PingInputs> = {}) => time.run(runDeliveryCheck(pingInputs(over), settings, io));
    return { time, cluster, github, io, check, ctx: contextOf(settings) };
}

function assertNoPath(o: { message: string }) {
    assert.ok(!/\/hook\/[0-9a-f]{64}/.test(o.message) && !o.message.includes("ab12ab12"), `the message leaks the webhook path: ${o.message}`);
}

describe("the delivery check (WebhookPing's own code): the cluster shows a good path, GitHub's log explains a bad one", () => {
    it("a good path with a prompt log: accepted, seen in the cluster, GitHub's status and duration filled in", async () => {
        const w = world();
        const o = await w.check();
        assert.strictEqual(o.result, "accepted");
        assert.deepStrictEqual([o.ok, o.seenInCluster, o.statusCode, o.status, o.durationSeconds], [true, true, 200, "OK", 0.02]);
        assert.match(o.message, /^GitHub's ping of the example-org\/instavote webhook was accepted by Receiver flux-system\/instavote-0123456789, seen in the cluster \(GitRepository flux-system\/instavote asked to reconcile after 0\.\d s\); GitHub recorded 200 in 0.02 s$/);
        assert.ok(o.checkSeconds < 2, `${o.checkSeconds} s`);
        // Before the ping: the log (to know what was there) and the cluster (the baseline), then the ping.
        assert.deepStrictEqual(w.github.requests.slice(0, 2), ["GET /repos/example-org/instavote/hooks/4242/deliveries?per_page=100", "POST /repos/example-org/instavote/hooks/4242/pings"]);
        assertNoPath(o);
    });

    it("a log that lags 60 s cannot fail a good path: accepted from the cluster within seconds, in fail mode too", async () => {
        const w = world();
        w.github.onPing = () => ({ statusCode: 200, logLagMs: 60_000 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.ok, o.seenInCluster, o.statusCode], ["accepted", true, true, undefined]);
        assert.match(o.message, /seen in the cluster.*GitHub's delivery log did not show it within 5 s more \(it can take minutes\), which is no failure/);
        assert.ok(o.checkSeconds <= 6, `bounded wait for the log after the cluster answered: ${o.checkSeconds} s`);
    });

    it("after the cluster answered, GitHub's log gets a few seconds to fill in status and duration", async () => {
        const w = world();
        w.github.onPing = () => ({ statusCode: 200, logLagMs: 3000 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.seenInCluster, o.statusCode, o.durationSeconds], ["accepted", true, 200, 0.02]);
        assert.ok(o.checkSeconds >= 3 && o.checkSeconds < 6, `${o.checkSeconds} s`);
    });

    it("a throttled delivery is no answer yet: the cluster decides once GitHub delivers", async () => {
        const w = world();
        w.github.onPing = () => ({ statusCode: 200, throttledForMs: 20_000 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.seenInCluster, o.statusCode], ["accepted", true, 200]);
        assert.ok(o.checkSeconds >= 20 && o.checkSeconds < 26, `${o.checkSeconds} s`);
    });

    it("no answer by the timeout (cluster unreadable, log lagging, delivery throttled): unconfirmed, a warning in fail mode, checked again next time", async () => {
        const w = world();
        w.cluster.unreachable = { status: 0, body: undefined, error: "connect ECONNREFUSED 10.0.0.1:6443" };
        w.github.onPing = () => ({ statusCode: 200, throttledForMs: 120_000 });
        const o = await w.check({ timeoutSeconds: 30 });
        assert.strictEqual(o.result, "unconfirmed");
        assert.strictEqual(o.ok, undefined);
        assert.strictEqual(o.seenInCluster, false);
        assert.match(o.message, /no answer yet within 30 s: the cluster could not be read from where `pulumi up` runs \(connect ECONNREFUSED 10.0.0.1:6443\) and GitHub's delivery log shows no delivery of this ping yet/);
        assert.match(o.message, /GitHub is holding the delivery back \(throttled\).*Not counted as a failure: the next `pulumi up` checks again.*verify.yml.*https:\/\/github.com\/example-org\/instavote\/settings\/hooks\/4242$/);
        assertNoPath(o);
        // The provider in fail mode: a warning, not the update's error; and the next `up` runs it again.
        const provider = webhookPingProviderWith(() => w.io);
        const created = await w.time.run(provider.create(pingInputs({ timeoutSeconds: 30 }), w.ctx) as Promise<{ outs: PingOutputs }>);
        assert.strictEqual(created.outs.result, "unconfirmed");
        assert.deepStrictEqual(await provider.diff?.("id", created.outs, pingInputs({ timeoutSeconds: 30 })), { changes: true });
    });

    it("a broken path (404): failed with GitHub's status explained; fail stops the update, warn returns it (the modes do not swap)", async () => {
        const w = world();
        w.github.onPing = () => ({ statusCode: 404 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.ok, o.seenInCluster, o.statusCode], ["failed", false, false, 404]);
        assert.match(o.message, /^GitHub's ping of the example-org\/instavote webhook \(payload URL on 203\.0\.113\.10:31234\) got 404: nothing serves this webhook path/);
        assertNoPath(o);
        const provider = webhookPingProviderWith(() => w.io);
        await assert.rejects(w.time.run(provider.create(pingInputs({ mode: "fail" }), w.ctx)), /got 404: nothing serves this webhook path/);
        const warned = await w.time.run(provider.create(pingInputs({ mode: "warn" }), w.ctx) as Promise<{ outs: PingOutputs }>);
        assert.deepStrictEqual([warned.outs.result, warned.outs.ok, warned.outs.mode], ["failed", false, "warn"]);
        assert.deepStrictEqual(await provider.diff?.("id", warned.outs, pingInputs({ mode: "warn" })), { changes: true }, "warn: checked again while failing");
        const accepted = { ...warned.outs, result: "accepted" as const, ok: true };
        assert.deepStrictEqual(await provider.diff?.("id", accepted, pingInputs({ mode: "warn" })), { changes: false }, "nothing changed: nothing runs");
    });

    it("a stale 200 never passes: GitHub's creation ping listed before ours (half a second earlier), while ours (404) shows late", async () => {
        const w = world();
        w.github.addDelivery({ statusCode: 200, deliveredAt: w.time.now() - 500 });
        w.github.onPing = () => ({ statusCode: 404, logLagMs: 8000 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.statusCode], ["failed", 404]);
    });

    it("GitHub's creation ping shown late (not listed before, delivered 3 s before our request) is not ours", async () => {
        const w = world();
        w.github.addDelivery({ statusCode: 200, deliveredAt: w.time.now() - 3000, visibleAt: w.time.now() + 2000 });
        w.github.onPing = () => ({ statusCode: 404, logLagMs: 8000 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.statusCode], ["failed", 404]);
    });

    it("a redelivery (someone pressed Redeliver) after our request is not ours", async () => {
        const w = world();
        w.github.addDelivery({ statusCode: 200, deliveredAt: w.time.now() + 1000, redelivery: true });
        w.github.onPing = () => ({ statusCode: 404, logLagMs: 8000 });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.statusCode], ["failed", 404]);
    });

    it("GitHub Enterprise Server: a receiver that never answers is 'GitHub cannot reach the payload URL' after GHES's 30 s, within the default 60 s", async () => {
        const w = world({ ghes: true });
        w.github.onPing = () => ({ statusCode: 0, status: "timed out", durationMs: 30_000, annotates: false });
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.statusCode], ["failed", 0]);
        assert.match(o.message, /got no response \(timed out\): GitHub cannot reach the payload URL \(nothing answered within 30 s, GitHub Enterprise Server's delivery timeout\)/);
        assert.ok(o.checkSeconds >= 30 && o.checkSeconds < 60, `${o.checkSeconds} s`);
        assert.ok(w.github.requests.every((r) => r.includes(" /api/v3/repos/")), w.github.requests.join("\n"));
    });

    it("the cluster unreadable from the provider process: judged by GitHub's log alone, and it says so", async () => {
        const w = world();
        w.cluster.unreachable = { status: 403, body: {} };
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.ok, o.seenInCluster, o.statusCode], ["accepted", true, false, 200]);
        assert.match(o.message, /got 200: Receiver flux-system\/instavote-0123456789 accepted it \(the cluster could not be read from where `pulumi up` runs: the API server answered 403 for GitRepository flux-system\/instavote; judged by GitHub's delivery log alone\)/);
    });

    it("GitHub's own record of our ping wins over a reconcile request from elsewhere", async () => {
        const w = world();
        w.github.onPing = (at) => {
            w.cluster.annotate(at + 50); // a push, or `flux reconcile`, at the same moment
            return { statusCode: 504, annotates: false };
        };
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.statusCode, o.seenInCluster], ["failed", 504, true]);
        assert.match(o.message, /got 504.*was asked to reconcile meanwhile, by something other than this ping/);
    });

    it("a rate limit while polling the log ends the log's part, never the check, and is never retried sooner than told", async () => {
        const w = world();
        w.github.onPing = () => {
            // The first look at the log after the ping: GitHub asks for two minutes' pause.
            w.github.scripted.push({ status: 403, headers: { "retry-after": "120" }, body: { message: "You have exceeded a secondary rate limit." } });
            return { statusCode: 200, logLagMs: 60_000 };
        };
        const o = await w.check();
        assert.deepStrictEqual([o.result, o.seenInCluster], ["accepted", true]);
        assert.ok(o.checkSeconds < 10, `no two-minute wait inside a 60 s check: ${o.checkSeconds} s`);
        assert.strictEqual(w.github.requests.filter((r) => r.startsWith("GET")).length, 2, "no request after the refusal");
    });

    it("reads GitHub only through the REST base: a GHES host root would have been resolved to /api/v3/ before", async () => {
        const w = world({ ghes: true });
        const o = await w.check();
        assert.strictEqual(o.result, "accepted");
        assert.deepStrictEqual(w.github.requests.slice(0, 2), ["GET /api/v3/repos/example-org/instavote/hooks/4242/deliveries?per_page=100", "POST /api/v3/repos/example-org/instavote/hooks/4242/pings"]);
    });
});

describe("HookCapacity's own code: every page by Link, never 'the page was full'", () => {
    const hook = (id: number, events = ["push"]): HookSummary => ({ id, active: true, events, config: { url: `https://h/${id}` } });
    const hooks = (n: number, from = 0) => Array.from({ length: n }, (_, i) => hook(from + i));
    const inputs = (over: Partial<HookCapacityInputs> = {}): HookCapacityInputs => ({ owner: "o", repository: "r", events: ["push"], ...over });
    function pages(answers: { body: unknown; link?: string; contentType?: string; status?: number }[]) {
        const asked: string[] = [];
        const fetch: typeof globalThis.fetch = (async (u: string | URL) => {
            asked.push(String(u));
            const a = answers[Math.min(asked.length - 1, answers.length - 1)];
            const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
            return { status: a.status ?? 200, headers: new Headers({ "content-type": a.contentType ?? "application/json", ...(a.link ? { link: a.link } : {}) }), text: async () => text } as unknown as Response;
        }) as typeof fetch;
        return { asked, io: { ...realIo(), fetch } };
    }

    it("follows rel=\"next\" to the end and counts every hook", async () => {
        const p = pages([
            { body: hooks(100), link: '<https://api.github.com/repositories/7/hooks?per_page=100&page=2>; rel="next"' },
            { body: hooks(5, 100) },
        ]);
        const outs = await countHooks(inputs(), Ghes, p.io);
        assert.deepStrictEqual([outs.hooksForEvent, outs.limit], [{ push: 105 }, 250]);
        assert.deepStrictEqual(p.asked, ["https://ghe.example.com/api/v3/repos/o/r/hooks?per_page=100", "https://api.github.com/repositories/7/hooks?per_page=100&page=2"]);
    });

    it("a full page without a next link is the last page", async () => {
        const p = pages([{ body: hooks(10) }]);
        await countHooks(inputs(), GitHubCom, p.io);
        assert.strictEqual(p.asked.length, 1);
    });

    it("a next link that never ends stops at the cap with a message naming github:baseUrl", async () => {
        const p = pages([{ body: [], link: '<https://api.github.com/next>; rel="next"' }]);
        await assert.rejects(countHooks(inputs(), GitHubCom, p.io), new RegExp(`still offers a next page after ${MaxHookPages} pages.*check github:baseUrl`));
        assert.strictEqual(p.asked.length, MaxHookPages);
    });

    it("a web page (a GHES host root's login redirect) is an error naming the REST form, not a loop", async () => {
        const p = pages([{ body: "<!DOCTYPE html><html>Sign in to GitHub</html>", contentType: "text/html; charset=utf-8" }]);
        await assert.rejects(countHooks(inputs(), Ghes, p.io), /not JSON: that is a web page.*https:\/\/HOST\/api\/v3\//);
        assert.strictEqual(p.asked.length, 1);
    });

    it("GHES allows the 21st hook; GitHub.com refuses it, through the provider's create", async () => {
        const full = () => pages([{ body: hooks(20) }]).io;
        const ghes = await hookCapacityProviderWith(full).create(inputs(), contextOf(Ghes));
        assert.deepStrictEqual(ghes.outs.hooksForEvent, { push: 20 });
        await assert.rejects(hookCapacityProviderWith(full).create(inputs(), contextOf(GitHubCom)), /already has 20 webhooks for the "push" event, and GitHub.com allows at most 20/);
    });
});



describe("PayloadUrlProbe's own code against real servers", function () {
    this.timeout(20000);
    let dir: string;
    let tls: { key: Buffer; cert: Buffer };
    before(async () => {
        dir = tempDir("probe-tls-");
        tls = await selfSigned(dir);
    });

    const probeInputs = (payloadUrl: string, over: Partial<ProbeInputs> = {}): ProbeInputs =>
        ({ owner: "o", repository: "r", receiver: "r-0123456789", namespace: "flux-system", payloadUrl, token: "tok", mode: "fail", timeoutSeconds: 0.5, insecureSsl: false, exposure: "x", ...over });

    it("verifies TLS unless insecureSsl: a self-signed certificate fails with insecureSsl false and passes with true", async () => {
        const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(200).end());
        });
        const port = await listen(server);
        try {
            const url = `https://127.0.0.1:${port}${HookPath}`;
            const strict = await probe(probeInputs(url));
            assert.deepStrictEqual([strict.ok, strict.statusCode], [false, 0]);
            assert.match(strict.message, /self-signed certificate/);
            const trusting = await probe(probeInputs(url, { insecureSsl: true }));
            assert.deepStrictEqual([trusting.ok, trusting.statusCode], [true, 200]);
        } finally {
            await close(server);
        }
    });

    it("signs as GitHub does; names only the host, never the path; fail stops the update, warn returns the failure", async () => {
        const seen: { signature?: string; body: string }[] = [];
        const server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                seen.push({ signature: req.headers["x-hub-signature-256"] as string | undefined, body });
                res.writeHead(404).end();
            });
        });
        const port = await listen(server);
        try {
            const url = `http://127.0.0.1:${port}${HookPath}`;
            const o = await probe(probeInputs(url));
            assert.strictEqual(o.ok, false);
            assert.match(o.message, new RegExp(`^probing the new payload URL on 127\\.0\\.0\\.1:${port} .*last answer 404\\. The probe \\(payload URL on 127\\.0\\.0\\.1:${port}\\) got 404: nothing serves this webhook path\\. Either Receiver flux-system/r-0123456789 has not reconciled`));
            assertNoPath(o);
            assert.strictEqual(seen[0].signature, `sha256=${createHmac("sha256", "tok").update(seen[0].body).digest("hex")}`);
            const provider = payloadUrlProbeProviderWith(realIo);
            await assert.rejects(provider.create(probeInputs(url, { mode: "fail" }), contextOf(GitHubCom)), /The probe \(payload URL on [^)]+\) got 404/);
            const warned = await provider.create(probeInputs(url, { mode: "warn" }), contextOf(GitHubCom));
            assert.strictEqual(warned.outs.ok, false);
        } finally {
            await close(server);
        }
    });
});

describe("PayloadUrlProbe as the provider plugin runs it (lifecycleProvider): warn mode probes again while the last probe failed", function () {
    this.timeout(20000);
    it("a failed probe in warn mode is a change at the next diff, and the update probes again; a passed one is not, until its inputs change", async () => {
        let status = 404;
        const server = http.createServer((req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(status).end());
        });
        const port = await listen(server);
        try {
            const p = lifecycleProvider({ [ResourceTypes.payloadUrlProbe]: payloadUrlProbeProviderWith(realIo) } as never, "0.0.0-test");
            const urn = `urn:pulumi:test::flux-push::${ResourceTypes.payloadUrlProbe}::instavote-probe`;
            const inputs = { owner: "o", repository: "r", receiver: "r-0123456789", namespace: "flux-system", payloadUrl: wireSecret(`http://127.0.0.1:${port}${HookPath}`), token: wireSecret("tok"), mode: "warn", timeoutSeconds: 0.5, insecureSsl: false, exposure: "x" };
            const failed = await p.create(urn, inputs);
            assert.strictEqual((failed.outs as { ok: boolean }).ok, false);
            assert.deepStrictEqual(await p.diff(failed.id, urn, failed.outs as never, inputs as never), { changes: true }, "warn: the failed probe runs again at the next up");
            status = 200;
            const again = await p.update(failed.id, urn, failed.outs as never, inputs as never);
            assert.strictEqual((again.outs as { ok: boolean }).ok, true);
            assert.deepStrictEqual(await p.diff(failed.id, urn, again.outs as never, inputs as never), { changes: false });
            assert.deepStrictEqual(await p.diff(failed.id, urn, again.outs as never, { ...inputs, token: wireSecret("rotated") } as never), { changes: true }, "a new token is probed again");
        } finally {
            await close(server);
        }
    });
});

describe("PayloadUrlProbe over https as GitHub delivers: verified against trusted CAs, SNI sent, no redirect followed; each failure named with its fix", function () {
    this.timeout(30000);
    // An ingress-like https server picking the certificate by SNI (its default, self-signed, for
    // any name it has none for), and an http listener that redirects to https, as an ingress
    // controller's web entry point does. Names resolve through the sandbox's host map, whose CA the
    // probe then trusts: the CA stands for a public one.
    const day = 86400e3;
    let ca: SandboxCa;
    let uninstall: () => void;
    let servers: (http.Server | https.Server)[] = [];
    const sniSeen: string[] = [];
    let port: number;
    let redirectPort: number;
    before(async () => {
        ca = await createSandboxCa();
        const byName: Record<string, { key: string; cert: string }> = {
            "good.test": await ca.issue(["good.test"]),
            "alias.test": await ca.issue(["good.test"]),
            "expired.test": await ca.issue(["expired.test"], { notBefore: new Date(Date.now() - 3 * day), notAfter: new Date(Date.now() - day) }),
            "self.test": await ca.selfSigned(["self.test"]),
        };
        const fallback = await ca.selfSigned(["ingress-default.invalid"]);
        const server = https.createServer({
            ...fallback,
            SNICallback: (name, cb) => {
                sniSeen.push(name);
                const c = byName[name];
                cb(null, c ? tlsContext(c) : undefined);
            },
        }, (req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(200).end());
        });
        const redirect = http.createServer((req, res) => {
            req.resume();
            res.writeHead(308, { Location: `https://good.test${req.url ?? "/"}` }).end();
        });
        servers = [server, redirect];
        port = await listen(server);
        redirectPort = await listen(redirect);
        const map = Object.fromEntries([...Object.keys(byName), "wrong.test"].map((h) => [`${h}:443`, `127.0.0.1:${port}`]));
        uninstall = installHostMap({ ...map, "plain.test:80": `127.0.0.1:${redirectPort}` }, ca.caCert);
    });
    after(async () => {
        uninstall?.();
        await Promise.all(servers.map(close));
        ca?.remove();
    });

    const probeOf = (url: string, over: Partial<ProbeInputs> = {}) =>
        probe({ owner: "o", repository: "r", receiver: "r-0123456789", namespace: "flux-system", payloadUrl: url, token: "tok", mode: "fail", timeoutSeconds: 0.3, insecureSsl: false, exposure: "x", ...over });

    it("a certificate from a trusted CA for the host: verified, answered 200; the host went out as SNI", async () => {
        const o = await probeOf(`https://good.test${HookPath}`);
        assert.deepStrictEqual([o.ok, o.statusCode], [true, 200], o.message);
        assert.ok(sniSeen.includes("good.test"), JSON.stringify(sniSeen));
    });

    it("expired: the probe fails, naming the expiry and to renew it; the hook is not moved; no path in the message", async () => {
        const o = await probeOf(`https://expired.test${HookPath}`);
        assert.deepStrictEqual([o.ok, o.statusCode], [false, 0]);
        assert.match(o.message, /could not verify the server: expired\.test presented a certificate for expired\.test, issued by flux-push sandbox CA, valid .*: it has expired \(CERT_HAS_EXPIRED\)\. GitHub refuses it too.*Renew it.*The hook was not moved/);
        assertNoPath(o);
    });

    it("no certificate for the host: the server's default self-signed one, explained as what an ingress controller serves then", async () => {
        const o = await probeOf(`https://wrong.test${HookPath}`);
        assert.strictEqual(o.ok, false);
        assert.match(o.message, /wrong\.test presented a certificate for ingress-default\.invalid, self-signed, .*: it is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\).*It is not for wrong\.test either: this is what an ingress controller serves when it has no certificate for the host/);
        assertNoPath(o);
    });

    it("a trusted certificate for another host: its names, and that they do not include the host", async () => {
        const o = await probeOf(`https://alias.test${HookPath}`);
        assert.strictEqual(o.ok, false);
        assert.match(o.message, /alias\.test presented a certificate for good\.test, issued by flux-push sandbox CA, .*: its names do not include alias\.test \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
    });

    it("a redirect (http -> https) is not followed: the 308 is the answer, and the https URL is the fix", async () => {
        const o = await probeOf(`http://plain.test${HookPath}`);
        assert.deepStrictEqual([o.ok, o.statusCode], [false, 308]);
        assert.match(o.message, /last answer 308\. The probe \(payload URL on plain\.test\) got a redirect: plain\.test answered 308, a redirect to https:\/\/good\.test: GitHub does not follow redirects.*`pulumi config set exposure ingress`/);
        assertNoPath(o);
    });

    it("insecureSsl lets the self-signed certificate through, and only then", async () => {
        assert.strictEqual((await probeOf(`https://self.test${HookPath}`)).ok, false);
        const o = await probeOf(`https://self.test${HookPath}`, { insecureSsl: true });
        assert.deepStrictEqual([o.ok, o.statusCode], [true, 200], o.message);
    });
});

describe("the provider plugin (plugin/), started and called as the engine does, against the GitHub stand-in", function () {
    this.timeout(30000);
    let dir: string;
    let tls: { key: Buffer; cert: Buffer };
    before(async () => {
        dir = tempDir("ping-provider-");
        tls = await selfSigned(dir);
    });

    let plugin: PluginClient | undefined;
    afterEach(async () => {
        await plugin?.stop();
        plugin = undefined;
    });

    it("WebhookPing: secrets arrive wrapped and are read, the cluster through the kubeconfig input, a good path is accepted, and no secret goes back in plaintext", async () => {
        // notification-controller, in small: a signed ping on the path annotates the GitRepository.
        const annotations: Record<string, string> = { "reconcile.fluxcd.io/requestedAt": "before" };
        const receiver = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c: Buffer) => (body += c.toString()));
            req.on("end", () => {
                const good = req.url === HookPath && req.headers["x-hub-signature-256"] === `sha256=${createHmac("sha256", "s3cret").update(body).digest("hex")}`;
                if (good) annotations["reconcile.fluxcd.io/requestedAt"] = new Date().toISOString();
                res.writeHead(good ? 200 : 400).end();
            });
        });
        // The API server, in small: the GitRepository with its annotations, behind a bearer token.
        const apiServer = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
            const ok = req.headers.authorization === "Bearer kube-token" && req.url === "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/instavote";
            res.writeHead(ok ? 200 : 404, { "Content-Type": "application/json" }).end(JSON.stringify(ok ? { metadata: { annotations } } : {}));
        });
        const rxPort = await listen(receiver);
        const kubePort = await listen(apiServer);
        const api = await GitHubApi.start({ flavor: "ghes", token: "ghp_x", repositories: [{ owner: "example-org", name: "instavote" }], deliveryTimeoutMs: 2000 });
        try {
            const created = await fetch(new URL("/api/v3/repos/example-org/instavote/hooks", api.url), {
                method: "POST",
                headers: { Authorization: "Bearer ghp_x", "Content-Type": "application/json" },
                body: JSON.stringify({ name: "web", active: true, events: ["push"], config: { url: `http://127.0.0.1:${rxPort}${HookPath}`, content_type: "json", secret: "s3cret" } }),
            });
            const hookId = String(((await created.json()) as { id: number }).id);
            await api.idle(); // GitHub's ping on creation
            const kubeconfig = [
                "apiVersion: v1", "kind: Config", "current-context: test",
                "clusters:", `- name: c`, `  cluster: { server: "https://127.0.0.1:${kubePort}", insecure-skip-tls-verify: true }`,
                "contexts:", "- name: test", "  context: { cluster: c, user: u }",
                "users:", "- name: u", "  user: { token: kube-token }", "",
            ].join("\n");

            plugin = await startProviderPlugin();
            const configured = await plugin.configure({ apiBaseUrl: new URL("/api/v3/", api.url).href, token: wireSecret("ghp_x") });
            assert.strictEqual(configured.getAcceptsecrets(), true, "the plugin takes secrets as secrets");
            const inputs = pingInputs({ hookId, payloadUrl: `http://127.0.0.1:${rxPort}${HookPath}`, kubeconfig, timeoutSeconds: 20 });
            const wrapped = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, ["secret", "payloadUrl", "kubeconfig"].includes(k) ? wireSecret(v) : v]));
            const result = await plugin.create(ResourceTypes.webhookPing, "instavote-ping", wrapped);
            const outs = result.properties as unknown as PingOutputs;
            assert.strictEqual(outs.result, "accepted", outs.message);
            assert.strictEqual(outs.seenInCluster, true);
            assert.strictEqual(result.id, `example-org/instavote/${hookId}`);
            const text = JSON.stringify(result.properties);
            assert.ok(!text.includes("s3cret") && !text.includes("kube-token") && !text.includes("ghp_x"), "no secret comes back in plaintext");
        } finally {
            await api.close();
            await close(receiver);
            await close(apiServer);
        }
    });

    it("HookCapacity: a GitHub that does not answer, or answers with a web page, is named in the error the engine shows", async () => {
        const create = async (apiBaseUrl: string) => {
            await plugin?.stop();
            plugin = await startProviderPlugin();
            await plugin.configure({ apiBaseUrl, token: wireSecret("t") });
            return plugin.create(ResourceTypes.hookCapacity, "c", { owner: "o", repository: "r", events: ["push"] });
        };
        const webUi = http.createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end("<!DOCTYPE html><title>Sign in</title>"));
        const port = await listen(webUi);
        await close(webUi);
        await assert.rejects(create(`http://127.0.0.1:${port}/api/v3/`), (e: Error) => {
            assert.match(e.message, new RegExp(`GET 127\\.0\\.0\\.1:${port}/api/v3/repos/o/r/hooks: could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`));
            return true;
        });
        const page = await listen(webUi);
        try {
            await assert.rejects(create(`http://127.0.0.1:${page}/api/v3/`), /answered 200 with text\/html; charset=utf-8, not JSON: that is a web page/);
        } finally {
            await close(webUi);
        }
    });

    it("calls GitHub with the credentials of its last Configure: a revoked token fails, the current one works, none names the fix", async () => {
        const api = await GitHubApi.start({ flavor: "ghes", token: "ghp_current", repositories: [{ owner: "o", name: "r" }] });
        try {
            api.addToken("ghp_rotated_away", { type: "classic", webhooks: "write", statuses: "write" });
            api.revokeToken("ghp_rotated_away");
            const capacity = async (args?: Record<string, unknown>) => {
                await plugin?.stop();
                plugin = await startProviderPlugin();
                await plugin.configure(args);
                return plugin.create(ResourceTypes.hookCapacity, "c", { owner: "o", repository: "r", events: ["push"] });
            };
            const base = new URL("/api/v3/", api.url).href;
            await assert.rejects(capacity({ apiBaseUrl: base, token: wireSecret("ghp_rotated_away") }), /listing the webhooks of o\/r: GitHub answered 401 "Bad credentials"/);
            const created = await capacity({ apiBaseUrl: base, token: wireSecret("ghp_current") });
            assert.deepStrictEqual(created.properties.hooksForEvent, { push: 0 });
            await assert.rejects(capacity(), /the flux-push-github provider has no GitHub REST base: .*run `pulumi up`/);
        } finally {
            await api.close();
        }
    });

    it("a type it does not serve is refused by name", async () => {
        plugin = await startProviderPlugin();
        await assert.rejects(plugin.create(`${ProviderPackage}:index:Nothing`, "x", {}), new RegExp(`${ProviderPackage} serves .*HookCapacity.*; not ${ProviderPackage}:index:Nothing`));
    });
});
