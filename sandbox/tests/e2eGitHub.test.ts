// End to end against GitHub as it is (issue 16), on a sandbox of its own: the real Pulumi CLI and
// engine, the kubernetes provider, kube-apiserver and Flux 2.9; stand-ins (test doubles) for the
// random and github providers and for GitHub's API, run as a GitHub Enterprise Server with its own
// rules (REST only under /api/v3/, 250 hooks per event, 30 s delivery timeout), nothing loosened.
// What GitHub does in the wild is set per check through the stand-in's knobs: a delivery log that
// lags, throttled deliveries; and every documented form of github:baseUrl, the *.ghe.com one over
// HTTPS with a sandbox CA. The checks run in order on one sandbox; each says what it proves.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { OutputMap } from "@pulumi/pulumi/automation";
import { paths } from "../cluster/kubeApi";
import { fluxCli, Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack, SandboxStack } from "../stack";
import { DataResidencyHost, serveDataResidency } from "../standins/dataResidency";
import { Exchange, Flavors } from "../standins/githubApi";
import { repoRoot, standinsDist } from "../toolchain";


interface DeliveryCheckOutput {
    mode: string; result?: string; ok?: boolean; seenInCluster?: boolean; statusCode?: number; checkSeconds?: number; message?: string;
}
interface RepositoryOutputs { payloadUrl: string; webhookPath: string; webhookId: string; receiver: string; deliveryCheck: DeliveryCheckOutput }
interface List<T> { items: T[] }

const ns = "flux-system";
const repositoryOf = (outputs: OutputMap) => (outputs.repositories.value as Record<string, RepositoryOutputs>).instavote;

/** The GitHub calls made since `from`, as "METHOD /path status" with ids as {id}, once each, sorted; only those addressed under `apiBase`. */
function callsUnder(exchanges: readonly Exchange[], apiBase: string): string[] {
    return [...new Set(exchanges.filter((e) => e.apiBase === apiBase).map((e) => `${e.method} ${e.path.replace(/\/\d+(?=\/|$)/g, "/{id}")} ${e.status}`))].sort();
}

/** What the stack's GitHub clients call to create a hook and check it: the count, the provider's create and read, the ping and the log. */
function hookCreationCalls(prefix: string, repository: string): string[] {
    const hooks = `${prefix}/repos/${SandboxOwner}/${repository}/hooks`;
    // The github provider looks its owner up when it is configured (terraform-provider-github v6.13.0 configureProviderMeta: GET /orgs/{owner}).
    return [`GET ${prefix}/orgs/${SandboxOwner} 200`, `GET ${hooks} 200`, `GET ${hooks}/{id} 200`, `GET ${hooks}/{id}/deliveries 200`, `POST ${hooks} 201`, `POST ${hooks}/{id}/pings 204`].sort();
}

describe("sandbox end to end, GitHub as it is: a lagging delivery log, throttling, a broken path, every github:baseUrl form", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let s: SandboxStack;
    let outputs: OutputMap;
    let repo: RepositoryOutputs;
    let residency: DataResidencyHost | undefined;
    const printed: string[] = [];
    const timings: Record<string, number> = {};

    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const flux = (...args: string[]) => fluxCli(sb, ns, ...args);
    const hooks = (repository = "instavote") => sb.github.listHooks(SandboxOwner, repository);
    const configure = (overrides: Record<string, unknown>) => s.setConfig(sandboxConfig(sb, overrides));
    const up = async () => {
        const t = Date.now();
        const res = await s.stack.up({ onOutput: (o) => printed.push(o) });
        outputs = res.outputs;
        repo = repositoryOf(outputs);
        return { res, seconds: (Date.now() - t) / 1000 };
    };
    /** One run of the delivery check (a new deliveryCheckTrigger), its result asserted accepted and seen in the cluster. */
    const acceptedCheck = async (trigger: string, overrides: Record<string, unknown> = {}) => {
        configure({ deliveryCheckTrigger: trigger, ...overrides });
        const { res } = await up();
        assert.strictEqual(res.summary.result, "succeeded");
        const check = repo.deliveryCheck;
        assert.deepStrictEqual({ mode: check.mode, result: check.result, ok: check.ok, seenInCluster: check.seenInCluster }, { mode: "fail", result: "accepted", ok: true, seenInCluster: true }, check.message);
        assert.match(check.message ?? "", new RegExp(`^GitHub's ping of the ${SandboxOwner}/instavote webhook was accepted by Receiver ${ns}/${repo.receiver}, seen in the cluster \\(GitRepository ${ns}/instavote asked to reconcile(?: after [\\d.]+ s)?\\)`));
        return check;
    };
    /** A stack of its own that watches the sandbox's instavote GitRepository for another GitHub repository, at the main stack's NodePort. */
    const repositoryStack = (name: string, githubRepository: string, overrides: Record<string, unknown>, github: Record<string, unknown> = {}, env: Record<string, string> = {}) => {
        sb.github.addRepository(SandboxOwner, githubRepository);
        return sandboxStack(sb, name, {
            ...sandboxConfig(sb, {
                exposure: "url", nodeAddress: undefined, publicUrl: "http://127.0.0.1:31234",
                repositories: [{ name: "instavote", githubRepository, existing: true }],
                ...overrides,
            }),
            ...github,
        }, env);
    };

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        s = await sandboxStack(sb, "github", sandboxConfig(sb));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify({ ...sb?.timings, ...timings })}`);
        residency?.stop();
        await sb?.stop();
    });

    it("1. github:baseUrl at the host root (the provider's documented GHES form, the sandbox's default): every GitHub call of up goes to /api/v3/, none to the web UI; the check is accepted and seen in the cluster; nothing tells the program it runs in a sandbox", async () => {
        // The stand-in is the GHES flavor with its own rules: nothing shortened or switched off for the e2e.
        assert.deepStrictEqual(
            { flavor: sb.github.flavor, url: sb.github.url, apiUrl: sb.github.apiUrl, timeout: sb.github.deliveryTimeoutMs, hooks: sb.github.maxHooksPerEvent, rateLimiting: sb.github.rateLimiting },
            { flavor: "ghes", url: sb.github.url, apiUrl: `${sb.github.url}api/v3/`, timeout: Flavors.ghes.deliveryTimeoutMs, hooks: Flavors.ghes.maxHooksPerEvent, rateLimiting: Flavors.ghes.rateLimitedByDefault },
        );
        assert.strictEqual(sandboxConfig(sb)["github:baseUrl"], sb.github.url);
        // The program cannot tell the sandbox: no code of it (comments aside) names the sandbox, its stand-ins or their variables.
        const sources = ["program.ts", "index.ts", ...["lib", "components", "resources", "plugin"].flatMap((d) => fs.readdirSync(path.join(repoRoot, d)).filter((f) => f.endsWith(".ts")).map((f) => path.join(d, f)))];
        const code = (f: string) => ts.transpileModule(fs.readFileSync(path.join(repoRoot, f), "utf8"), { compilerOptions: { removeComments: true } }).outputText;
        assert.deepStrictEqual(sources.filter((f) => /sandbox|stand-?in|FLUX_PUSH_/i.test(code(f))), [], "program code that names the sandbox");

        const from = sb.github.exchanges.length;
        const { res, seconds } = await up();
        timings["up"] = seconds;
        assert.strictEqual(res.summary.result, "succeeded");
        const [hook, ...more] = hooks();
        assert.deepStrictEqual(more, []);
        assert.deepStrictEqual({ id: String(hook.id), url: hook.config.url }, { id: repo.webhookId, url: repo.payloadUrl });
        assert.deepStrictEqual(callsUnder(sb.github.exchanges.slice(from), sb.github.apiUrl), hookCreationCalls("/api/v3", "instavote"));
        assert.deepStrictEqual(sb.github.requests.filter((r) => !r.split(" ")[1].startsWith("/api/v3/")), [], "requests outside /api/v3/ (the web UI)");
        const check = repo.deliveryCheck;
        assert.deepStrictEqual({ mode: check.mode, result: check.result, seenInCluster: check.seenInCluster, statusCode: check.statusCode }, { mode: "fail", result: "accepted", seenInCluster: true, statusCode: 200 });
    });

    it("2. a delivery log lagging 60 s leaves up green with deliveryCheck fail: the ping is accepted and seen in the cluster (check timed at 0 s and 60 s lag)", async () => {
        const lag0 = await acceptedCheck("log-lag-0");
        assert.strictEqual(lag0.statusCode, 200, "with no lag, GitHub's log shows the ping's 200 too");
        timings["delivery check (checkSeconds), log lag 0 s"] = lag0.checkSeconds ?? -1;

        sb.github.setDeliveryLogLag(60);
        try {
            const lag60 = await acceptedCheck("log-lag-60");
            assert.strictEqual(lag60.statusCode, undefined, "GitHub's log has not shown the ping");
            assert.match(lag60.message ?? "", /GitHub's delivery log did not show it within 5 s more \(it can take minutes\), which is no failure$/);
            timings["delivery check (checkSeconds), log lag 60 s"] = lag60.checkSeconds ?? -1;
            // GitHub did deliver it (the stand-in's own record, which the log hides for 60 s).
            const last = sb.github.deliveries.filter((d) => d.hookId === Number(repo.webhookId)).pop();
            assert.deepStrictEqual([last?.event, last?.statusCode], ["ping", 200]);
        } finally {
            sb.github.setDeliveryLogLag(0);
        }
    });

    it("3. a throttled ping leaves up green: held 8 s, it is accepted when GitHub sends it; held past deliveryCheckTimeout, the check is unconfirmed (a warning, not a failure) and the next up checks again", async () => {
        sb.github.throttleNextDeliveries(1, 8);
        const held = await acceptedCheck("throttled-8");
        assert.ok((held.checkSeconds ?? 0) >= 8, `the check waited for the held ping: ${held.checkSeconds} s`);
        timings["delivery check (checkSeconds), ping throttled 8 s"] = held.checkSeconds ?? -1;
        const throttled = sb.github.deliveries.filter((d) => d.hookId === Number(repo.webhookId)).pop();
        assert.ok(throttled?.throttledAt && throttled.event === "ping" && throttled.statusCode === 200, "GitHub throttled the ping, then delivered it");

        sb.github.throttleNextDeliveries(1, 15);
        configure({ deliveryCheckTrigger: "throttled-15", deliveryCheckTimeout: 10 });
        const { res } = await up();
        assert.strictEqual(res.summary.result, "succeeded", "no answer yet is no failure, in fail mode too");
        const check = repo.deliveryCheck;
        assert.deepStrictEqual({ mode: check.mode, result: check.result, ok: check.ok, seenInCluster: check.seenInCluster }, { mode: "fail", result: "unconfirmed", ok: undefined, seenInCluster: false });
        assert.match(check.message ?? "", /no answer yet within 10 s: notification-controller has not asked GitRepository flux-system\/instavote to reconcile and GitHub's delivery log shows no delivery of this ping yet .*Not counted as a failure: the next `pulumi up` checks again/);
        assert.match(printed.join(""), /warning: .*no answer yet within 10 s/);
        await sb.github.idle(); // the held ping reaches the Receiver after the up: let it land before the next check
        await acceptedCheck("throttled-15", { deliveryCheckTimeout: 10 });
    });

    it("4. a broken push path still fails up with GitHub's status code named: a suspended Receiver answers the ping 503; the message names the payload URL's host, never its /hook/ path", async () => {
        await flux("suspend", "receiver", repo.receiver);
        try {
            configure({ deliveryCheckTrigger: "receiver-suspended" });
            await assert.rejects(up(), (err: Error) => {
                assert.match(err.message, new RegExp(`GitHub's ping of the ${SandboxOwner}/instavote webhook \\(payload URL on 127\\.0\\.0\\.1:31234\\) got 503: Receiver ${ns}/${repo.receiver} is suspended or not Ready \\(\`flux resume receiver ${repo.receiver} -n ${ns}\``));
                const line = err.message.split("\n").find((l) => l.includes("got 503")) ?? "";
                assert.ok(!line.includes("/hook/"), `the payload URL's path (derived from the token) is not in the message: ${line}`);
                assert.ok(!err.message.includes(repo.webhookPath.slice("/hook/".length)), "nor anywhere in up's output");
                return true;
            });
            const last = sb.github.deliveries.filter((d) => d.hookId === Number(repo.webhookId)).pop();
            assert.deepStrictEqual([last?.event, last?.statusCode], ["ping", 503]);
        } finally {
            await flux("resume", "receiver", repo.receiver);
        }
        // The failed check runs again at the next up, and passes once the path works.
        await acceptedCheck("receiver-suspended");
    });

    it("5. github:baseUrl as <host root>/api/v3/: a new stack counts, creates, pings and deletes its hook there, the same calls as from the host root", async () => {
        const from = sb.github.exchanges.length;
        const v3 = await repositoryStack("api-v3", "api-v3-repo", {}, { "github:baseUrl": sb.github.apiUrl });
        const res = await v3.stack.up();
        assert.strictEqual(res.summary.result, "succeeded");
        const own = repositoryOf(res.outputs);
        const [hook, ...more] = hooks("api-v3-repo");
        assert.deepStrictEqual(more, []);
        assert.deepStrictEqual({ id: String(hook.id), url: hook.config.url }, { id: own.webhookId, url: own.payloadUrl });
        assert.deepStrictEqual({ result: own.deliveryCheck.result, seenInCluster: own.deliveryCheck.seenInCluster, statusCode: own.deliveryCheck.statusCode }, { result: "accepted", seenInCluster: true, statusCode: 200 });
        assert.deepStrictEqual(callsUnder(sb.github.exchanges.slice(from), sb.github.apiUrl), hookCreationCalls("/api/v3", "api-v3-repo"));
        assert.deepStrictEqual(sb.github.unknownRoutes, []);
        await v3.stack.destroy();
        assert.deepStrictEqual(hooks("api-v3-repo"), []);
        assert.ok(sb.github.requests.includes(`DELETE /api/v3/repos/${SandboxOwner}/api-v3-repo/hooks/${hook.id} 204`));
    });

    it("6. github:baseUrl as https://<name>.ghe.com/ (GHE.com, data residency): every GitHub call goes to https://api.<name>.ghe.com/ (certificate verified), the hook is created, pinged, accepted and deleted there; commit statuses not covered", async () => {
        // GHE.com delivers only to hosts on the public Internet: the receiver is named as DNS would
        // name it, and the sandbox's host map resolves that name (and api.<name>.ghe.com:443) for the
        // node processes: this one (the stand-in's deliveries) and, through `env`, the Pulumi CLI's
        // node plugins (the github provider stand-in, the program's provider plugin).
        const receiverHost = "flux-webhook.sandbox-tenant.example";
        residency = await serveDataResidency(sb.github, "sandbox-tenant", path.join(standinsDist, "hostMap.js"), { alsoResolve: { [`${receiverHost}:31234`]: "127.0.0.1:31234" } });
        const from = sb.github.exchanges.length;
        const fromRequests = sb.github.requests.length;
        const ghe = await repositoryStack("ghe-com", "residency-repo",
            { publicUrl: `http://${receiverHost}:31234`, allowPrivateAddresses: undefined },
            { "github:baseUrl": residency.baseUrl }, residency.env);
        const res = await ghe.stack.up();
        assert.strictEqual(res.summary.result, "succeeded");
        const own = repositoryOf(res.outputs);
        assert.ok(own.payloadUrl.startsWith(`http://${receiverHost}:31234/hook/`), own.payloadUrl);
        const [hook, ...more] = hooks("residency-repo");
        assert.deepStrictEqual(more, []);
        assert.deepStrictEqual({ id: String(hook.id), url: hook.config.url }, { id: own.webhookId, url: own.payloadUrl });
        assert.deepStrictEqual({ result: own.deliveryCheck.result, seenInCluster: own.deliveryCheck.seenInCluster, statusCode: own.deliveryCheck.statusCode }, { result: "accepted", seenInCluster: true, statusCode: 200 }, own.deliveryCheck.message);
        assert.match(own.deliveryCheck.message ?? "", new RegExp(`GitHub recorded 200`));
        const calls = sb.github.exchanges.slice(from);
        assert.strictEqual(residency.apiUrl, "https://api.sandbox-tenant.ghe.com/");
        assert.deepStrictEqual(callsUnder(calls, residency.apiUrl), hookCreationCalls("", "residency-repo"));
        assert.deepStrictEqual(calls.filter((e) => e.apiBase !== residency?.apiUrl).map((e) => `${e.method} ${e.path}`), [], "calls at the GHES address");
        assert.deepStrictEqual(sb.github.requests.slice(fromRequests).filter((r) => r.startsWith("GET /login") || / 302$/.test(r)), [], "web UI pages");
        await ghe.stack.destroy();
        assert.deepStrictEqual(hooks("residency-repo"), []);
        assert.ok(sb.github.exchanges.some((e) => e.apiBase === residency?.apiUrl && e.method === "DELETE" && e.path === `/repos/${SandboxOwner}/residency-repo/hooks/${hook.id}` && e.status === 204));
        residency.stop();
        residency = undefined;
    });

    it("7. destroy: the hook is gone, no Receiver or token Secret of any of the stacks is left, Flux's Service is ClusterIP again", async () => {
        const t = Date.now();
        await s.stack.destroy({ onOutput: (o) => printed.push(o) });
        timings["destroy"] = (Date.now() - t) / 1000;
        for (const r of ["instavote", "api-v3-repo", "residency-repo"]) assert.deepStrictEqual(hooks(r), [], `hooks of ${r}`);
        assert.deepStrictEqual((await get<List<unknown>>(paths.receivers(ns)))?.items, []);
        const secrets = (await get<List<{ metadata: { name: string } }>>(`/api/v1/namespaces/${ns}/secrets`))?.items.map((x) => x.metadata.name) ?? [];
        assert.deepStrictEqual(secrets.filter((n) => n.startsWith("webhook-token-")), []);
        assert.strictEqual((await get<{ spec: { type: string } }>(paths.service(ns, "webhook-receiver")))?.spec.type, "ClusterIP");
        const exported = await s.stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
    });
});
