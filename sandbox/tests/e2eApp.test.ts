// End to end with a GitHub App and no personal token anywhere in the stack (issue 25): the real
// Pulumi CLI and engine, the kubernetes provider, kube-apiserver, Flux 2.9's controllers
// (notification-controller v1.9.3 mints its own installation tokens for the commit statuses, with
// fluxcd/pkg's GitHub App client) and the flux CLI in the Actions jobs. Stand-ins (test doubles):
// GitHub's API with its Apps (githubApps.ts: the JWT and the installation tokens as GitHub checks
// them), GitHub Actions, the github and random providers, the Git host, kube-proxy. The stack's
// config holds `github:appAuth` (the key encrypted) and no `github:token`; no GITHUB_TOKEN is set.
// The checks run in order on one sandbox; each says what it proves.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { OutputMap, Stack } from "@pulumi/pulumi/automation";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { Sandbox, SandboxOwner, SandboxRunner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack, SandboxStack } from "../stack";
import { Exchange } from "../standins/githubApi";
import { Clone, voteDeployment } from "../standins/gitServer";

const run = promisify(execFile);

interface DeliveryCheckOutput { mode: string; result?: string; ok?: boolean; seenInCluster?: boolean; statusCode?: number; message?: string }
interface Proof { ok?: boolean; state?: string; message?: string }
interface RepositoryOutputs { payloadUrl: string; webhookId: string; receiver: string; deliveryCheck: DeliveryCheckOutput; actions: { proof: Proof; workflow: { path: string } }; commitStatus: { provider: string; alert: string } }
interface List<T> { items: T[] }
interface StateResource { type: string; urn: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }

const ns = "flux-system";
const workflowPath = ".github/workflows/flux-push.yml";

describe("sandbox end to end with a GitHub App: no personal token anywhere (github:appAuth, commitStatusApp, the Actions trigger)", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let s: SandboxStack;
    let stack: Stack;
    let outputs: OutputMap;
    let repo: RepositoryOutputs;
    let clone: Clone;
    const printed: string[] = [];
    const timings: Record<string, number> = {};

    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const overrides = (extra: Record<string, unknown> = {}) => ({
        commitStatusApp: true,
        actionsRunners: [{ job: "sandbox", runsOn: SandboxRunner.labels }],
        actionsWorkflowDelivery: "commit",
        repositories: [{
            name: "instavote", url: sb.repositories.instavote, branch: "main", triggers: ["webhook", "actions-oidc"],
            kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, targetNamespace: "instavote", createTargetNamespace: true }],
        }],
        ...extra,
    });
    const configure = (extra: Record<string, unknown> = {}) => s.setConfig(sandboxConfig(sb, overrides(extra)));
    const up = async (what: string) => {
        const t = Date.now();
        const res = await stack.up({ onOutput: (o) => printed.push(o) });
        timings[what] = (Date.now() - t) / 1000;
        outputs = res.outputs;
        repo = (outputs.repositories.value as Record<string, RepositoryOutputs>).instavote;
        assert.strictEqual(res.summary.result, "succeeded");
        return res;
    };
    const appliedRevision = async () => (await get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization(ns, "vote-staging")))?.status?.lastAppliedRevision ?? "";
    const statusesOf = (sha: string) => sb.github.listStatuses(SandboxOwner, "instavote", sha);
    const mintedTokens = () => sb.github.apps.tokensOf(sb.githubApp.installationId).map((t) => t.token);
    /** The guide's test with a push: Flux applies exactly that commit, and the App (through Flux) marks it success. */
    const pushAndStatus = async (replicas: number) => {
        await clone.pull(); // the stack committed the workflow file
        const pushed = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `vote: ${replicas} replicas`);
        const deliveries = await sb.github.deliverPush(SandboxOwner, "instavote", { ...pushed, message: `vote: ${replicas} replicas` });
        assert.deepStrictEqual(deliveries.map((d) => d.statusCode), [200]);
        await waitFor(`vote at ${replicas} replicas from ${pushed.after}`, async () => {
            const dep = await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
            return (await appliedRevision()).endsWith(pushed.after) && dep?.spec.replicas === replicas ? true : undefined;
        }, 120000, 50);
        const status = await waitFor(`a success status on ${pushed.after}`, async () => statusesOf(pushed.after).find((x) => x.state === "success"), 60000, 50);
        assert.match(status.context, /^kustomization\/vote-staging/);
        assert.deepStrictEqual([status.creator.login, status.creator.type], ["flux-push-sandbox[bot]", "Bot"], "posted with the App's installation token");
        return pushed.after;
    };
    /** Every GitHub call the stack and Flux made carried the App's JWT or one of its installation tokens. */
    const onlyTheApp = (exchanges: readonly Exchange[]) =>
        assert.deepStrictEqual(exchanges.filter((e) => e.auth !== "jwt" && e.auth !== "installation").map((e) => `${e.method} ${e.path} ${e.status} ${e.auth}`), [], "GitHub calls without the App");
    const stateResources = () => (JSON.parse(s.stateFile()) as { checkpoint: { latest?: { resources?: StateResource[] } } }).checkpoint.latest?.resources ?? [];

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        s = await sandboxStack(sb, "app", sandboxConfig(sb, overrides()), {}, "app");
        stack = s.stack;
        clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote-app"));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify({ ...sb?.timings, ...timings })}`);
        await sb?.stop();
    });

    it("1. up with github:appAuth and nothing else: the hook, the delivery check, the workflow committed and the Actions proof, every GitHub call by the App; the stack file and env hold no token", async () => {
        const stackFile = fs.readFileSync(path.join(s.workDir, "Pulumi.app.yaml"), "utf8");
        assert.ok(!/github:token/.test(stackFile) && /github:appAuth:/.test(stackFile) && /pemFile:\s*\n\s*secure:/.test(stackFile), "appAuth, its key encrypted, no token");
        assert.ok(!stackFile.includes(sb.githubApp.privateKey.split("\n")[1]), "the key is not in the stack file in plaintext");
        assert.ok(!("GITHUB_TOKEN" in sb.pulumiEnv) && !("GITHUB_TOKEN" in process.env), "no GITHUB_TOKEN");
        await up("up (first, with the App)");
        const [hook, ...more] = sb.github.listHooks(SandboxOwner, "instavote");
        assert.deepStrictEqual(more, []);
        assert.strictEqual(String(hook.id), repo.webhookId);
        assert.deepStrictEqual({ result: repo.deliveryCheck.result, seenInCluster: repo.deliveryCheck.seenInCluster, statusCode: repo.deliveryCheck.statusCode }, { result: "accepted", seenInCluster: true, statusCode: 200 }, repo.deliveryCheck.message);
        assert.deepStrictEqual({ ok: repo.actions.proof.ok, state: repo.actions.proof.state }, { ok: true, state: "reconciled" }, repo.actions.proof.message);
        const committed = sb.github.exchanges.find((e) => e.method === "PUT" && e.path.endsWith(`/contents/${workflowPath}`));
        assert.deepStrictEqual([committed?.status, committed?.auth], [201, "installation"], "the workflow file committed with an installation token");
        assert.ok(sb.github.exchanges.some((e) => e.method === "POST" && e.path.endsWith("/dispatches") && e.auth === "installation"), "dispatched with one");
        assert.ok(sb.github.exchanges.some((e) => e.method === "POST" && e.path === `/api/v3/repos/${SandboxOwner}/instavote/hooks` && e.status === 201 && e.auth === "installation"), "the github provider made the hook with one");
        // The github provider mints at Configure (its JWT: iat 60 s back, exp 5 minutes ahead, Go's User-Agent); the plugin mints its own.
        const mints = sb.github.exchanges.filter((e) => e.path.endsWith("/access_tokens"));
        assert.ok(mints.some((e) => e.userAgent === "Go-http-client/1.1" && e.status === 201), "the github provider's mint");
        assert.ok(mints.some((e) => e.userAgent === "flux-push" && e.status === 201), "the plugin's own mint");
        onlyTheApp(sb.github.exchanges);
        assert.deepStrictEqual(sb.github.unknownRoutes, []);
    });

    it("2. the commit-status Secret holds Flux's GitHub App keys and no token; state and outputs hold no installation token and the key only encrypted; the plugin's provider keeps the ids readable", async () => {
        const secret = await get<{ data: Record<string, string> }>(paths.secret(ns, "github-commit-status"));
        const data = Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
        assert.deepStrictEqual(Object.keys(data).sort(), ["githubAppBaseURL", "githubAppID", "githubAppInstallationID", "githubAppPrivateKey"]);
        assert.deepStrictEqual([data.githubAppID, data.githubAppInstallationID, data.githubAppBaseURL, data.githubAppPrivateKey], [String(sb.githubApp.id), String(sb.githubApp.installationId), sb.github.apiUrl, sb.githubApp.privateKey]);
        const state = s.stateFile();
        const keyLine = sb.githubApp.privateKey.split("\n")[1];
        assert.ok(!state.includes(keyLine), "the key is not in the state in plaintext");
        for (const token of mintedTokens()) assert.ok(!state.includes(token) && !printed.join("").includes(token), "no installation token in state or output");
        assert.ok(!JSON.stringify(outputs).includes(keyLine) && !mintedTokens().some((t) => JSON.stringify(outputs).includes(t)));
        const provider = stateResources().find((r) => r.type === "pulumi:providers:flux-push-github");
        const inputs = provider?.inputs ?? {};
        assert.deepStrictEqual([inputs.apiBaseUrl, inputs.appId, inputs.appInstallationId], [sb.github.apiUrl, String(sb.githubApp.id), String(sb.githubApp.installationId)]);
        assert.ok(typeof inputs.appPrivateKey === "object" && inputs.appPrivateKey !== null && "ciphertext" in inputs.appPrivateKey, "the key encrypted");
        assert.ok(!("token" in inputs), "no token");
        // Measured for the report: the providers' state entries, ciphertexts shortened.
        const shown = (v: unknown) => JSON.stringify(v, (k, x) => (k === "ciphertext" ? `${String(x).slice(0, 12)}…` : k === "4dabf18193072939515e22adb298388d" ? undefined : x));
        console.log(`      flux-push-github provider in state: ${shown(inputs)}`);
        const github = stateResources().find((r) => r.type === "pulumi:providers:github");
        console.log(`      github provider in state: ${shown(github?.inputs)}`);
        assert.ok(!JSON.stringify(github?.inputs ?? {}).includes(keyLine), "the github provider's own state keeps github:appAuth's key encrypted too");
        for (const r of stateResources().filter((x) => x.type.startsWith("flux-push-github:"))) {
            const text = JSON.stringify([r.inputs, r.outputs]);
            assert.ok(!text.includes("appPrivateKey") && !text.includes("ghs_") && !text.includes(keyLine), `${r.type} carries credentials`);
        }
        const exported = (await run(sb.tools.pulumi, ["stack", "export", "--stack", "app", "--cwd", s.workDir], { env: { ...process.env, ...sb.pulumiEnv } })).stdout;
        assert.ok(exported.includes("appInstallationId") && !exported.includes(keyLine), "pulumi stack export (without --show-secrets)");
    });

    it("3. a push is applied and its SHA gets a success commit status from notification-controller, which minted its own installation token with Flux's JWT (iat 30 s back, exp 2 minutes after)", async () => {
        await waitFor("the vote Deployment at 2 replicas", async () => (await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote")))?.spec.replicas === 2 ? true : undefined, 60000);
        await pushAndStatus(5);
        // Flux minted when it first posted (the first up's applied revision) and reuses that token (80 % of its hour).
        const flux = sb.github.apps.jwts.filter((j) => j.status === 200 && j.iat !== undefined && j.exp !== undefined && j.exp - j.iat === 120);
        assert.ok(flux.length >= 1, `Flux's own JWT: ${JSON.stringify(sb.github.apps.jwts)}`);
        assert.ok(sb.github.exchanges.some((e) => e.path.endsWith("/access_tokens") && e.status === 201 && /^go-github\//.test(e.userAgent ?? "")), "minted by Flux's go-github client");
        assert.ok(flux.every((j) => j.receivedAt - (j.iat as number) >= 30 && j.receivedAt - (j.iat as number) <= 32));
        onlyTheApp(sb.github.exchanges);
    });

    it("4. token-generation rotation with the App: the hook moves to the new pair, the delivery check passes, and the next push gets its success status", async () => {
        const old = { url: repo.payloadUrl, receiver: repo.receiver };
        configure({ tokenRotation: "rotated-1" });
        await up("up (token rotation)");
        assert.notStrictEqual(repo.payloadUrl, old.url);
        assert.strictEqual(repo.deliveryCheck.ok, true, repo.deliveryCheck.message);
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote").map((h) => h.config.url), [repo.payloadUrl]);
        assert.strictEqual(await get(paths.receiver(ns, old.receiver)), undefined);
        await pushAndStatus(3);
        onlyTheApp(sb.github.exchanges);
    });

    it("5. installation tokens of 30 s and an up longer than that (a rotation whose ping GitHub holds 32 s): the plugin mints again before its token expires, and nothing is refused", async () => {
        // A rotation, not a new deliveryCheckTrigger: that would run the Actions proof too, whose
        // reconcile request the delivery check could take for its ping's. The github provider's
        // token (minted at Configure) serves the hook's update, seconds into the up.
        sb.github.apps.setInstallationTokenLifetime(30);
        sb.github.throttleNextDeliveries(1, 32);
        try {
            configure({ tokenRotation: "rotated-2", deliveryCheckTimeout: 60 });
            const from = sb.github.exchanges.length;
            await up("up (30 s tokens, a ping held 32 s)");
            assert.strictEqual(repo.deliveryCheck.result, "accepted", repo.deliveryCheck.message);
            const calls = sb.github.exchanges.slice(from);
            const pluginMints = calls.filter((e) => e.path.endsWith("/access_tokens") && e.userAgent === "flux-push" && e.status === 201);
            assert.ok(pluginMints.length >= 2, `the plugin minted ${pluginMints.length} tokens in an up longer than a token's life`);
            assert.ok(repo.deliveryCheck.statusCode === 200 || repo.deliveryCheck.seenInCluster === true, repo.deliveryCheck.message);
            assert.deepStrictEqual(calls.filter((e) => e.status === 401).map((e) => `${e.method} ${e.path}`), [], "no call met an expired token");
        } finally {
            sb.github.apps.setInstallationTokenLifetime(3600);
            await sb.github.idle();
        }
    });

    it("6. an installation token expiring in the middle of an up (every token the App has, right after the delivery check's ping): GitHub answers 401 once, the plugin mints again and the up succeeds", async () => {
        sb.github.throttleNextDeliveries(1, 4);
        configure({ tokenRotation: "rotated-2", deliveryCheckTrigger: "expired-mid-up" });
        const from = sb.github.exchanges.length;
        let expired = 0;
        let watching = true;
        const watcher = (async () => {
            while (watching && expired === 0) {
                if (sb.github.exchanges.slice(from).some((e) => e.method === "POST" && e.path.endsWith("/pings") && e.status === 204)) expired = sb.github.apps.expireTokens();
                await new Promise((r) => setTimeout(r, 10));
            }
        })();
        try {
            await up("up (tokens expired mid-up)");
        } finally {
            watching = false;
            await watcher;
        }
        assert.ok(expired >= 1, "tokens were expired during the up");
        assert.strictEqual(repo.deliveryCheck.result, "accepted", repo.deliveryCheck.message);
        const calls = sb.github.exchanges.slice(from).map((e) => `${e.method} ${e.path.replace(/\/\d+(?=\/|$)/g, "/{id}")} ${e.status} ${e.auth}`);
        const refused = calls.findIndex((c) => c.endsWith("401 installation"));
        assert.ok(refused >= 0, `GitHub refused the expired token: ${calls.join("; ")}`);
        const after = calls.slice(refused + 1);
        assert.ok(after.some((c) => /^POST \/api\/v3\/app\/installations\/\{id\}\/access_tokens 201 jwt$/.test(c)), `then a new token was minted: ${after.join("; ")}`);
        for (const c of calls.filter((x) => x.endsWith("401 installation"))) {
            const at = calls.indexOf(c);
            assert.ok(calls.slice(at + 1).some((x) => x === c.replace(" 401 ", " 200 ") || x === c.replace(" 401 ", " 204 ")), `${c}: the same call went through with the new token`);
        }
        await sb.github.idle();
    });

    it("7. the App's key rotated (a new key in the config, the old one deleted at GitHub): up and a push still work, the commit-status Secret holds the new key, and nothing signs with the old one", async () => {
        const next = sb.github.apps.addKey(sb.githubApp.id);
        await stack.setConfig("github:appAuth.pemFile", { value: next.privateKey, secret: true }, true);
        sb.github.apps.deleteKey(sb.githubApp.id, sb.githubApp.keyId);
        configure({ tokenRotation: "rotated-2", deliveryCheckTrigger: "key-rotated" });
        const from = sb.github.apps.jwts.length;
        await up("up (the App's key rotated, the old one deleted)");
        assert.strictEqual(repo.deliveryCheck.ok, true, repo.deliveryCheck.message);
        const secret = await get<{ data: Record<string, string> }>(paths.secret(ns, "github-commit-status"));
        assert.strictEqual(Buffer.from(secret?.data.githubAppPrivateKey ?? "", "base64").toString(), next.privateKey);
        await pushAndStatus(2);
        const since = sb.github.apps.jwts.slice(from);
        assert.deepStrictEqual(since.filter((j) => j.status !== 200).map((j) => j.message), [], "no JWT refused: nothing used the deleted key");
        assert.ok(since.length >= 2 && since.every((j) => j.keyId === next.keyId), "every JWT since was signed with the new key (the stack's and Flux's)");
        assert.ok(!s.stateFile().includes(next.privateKey.split("\n")[1]));
        onlyTheApp(sb.github.exchanges);
    });

    it("8. destroy with the App: the hook, the workflow file (removed by the App), the Receivers, Secrets, Provider and Alert are gone; the state is empty", async () => {
        const t = Date.now();
        await stack.destroy({ onOutput: (o) => printed.push(o) });
        timings.destroy = (Date.now() - t) / 1000;
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        assert.ok(sb.github.exchanges.some((e) => e.method === "DELETE" && e.path.endsWith(`/contents/${workflowPath}`) && e.status === 200 && e.auth === "installation"), "the workflow file removed with an installation token");
        const head = (await run("git", ["ls-remote", sb.repositories.instavote, "refs/heads/main"])).stdout.split("\t")[0];
        await assert.rejects(run("git", ["--git-dir", path.join(sb.git.root, "instavote.git"), "cat-file", "-e", `${head}:${workflowPath}`]), "the workflow is gone from main");
        assert.deepStrictEqual((await get<List<unknown>>(paths.receivers(ns)))?.items, []);
        const secrets = (await get<List<{ metadata: { name: string } }>>(`/api/v1/namespaces/${ns}/secrets`))?.items.map((x) => x.metadata.name) ?? [];
        assert.deepStrictEqual(secrets.filter((n) => n.startsWith("webhook-token") || n === "github-commit-status"), []);
        for (const p of [paths.provider(ns, "instavote-commit-status"), paths.alert(ns, "instavote-commit-status"), paths.gitRepository(ns, "instavote"), paths.kustomization(ns, "vote-staging")]) {
            assert.strictEqual(await get(p), undefined, `${p} is gone`);
        }
        const exported = await stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
        for (const token of mintedTokens()) assert.ok(!printed.join("").includes(token), "no installation token in any output");
        onlyTheApp(sb.github.exchanges);
    });

    it("9. a stack that used a token moves to the App in one up: only the providers update (in place), the same hook stays, and the App destroys it", async () => {
        // Another stack, on another repository, referring to the bootstrap's GitRepository (the suite's own is gone).
        sb.github.addRepository(SandboxOwner, "switch-repo");
        const other = await sandboxStack(sb, "switch", sandboxConfig(sb, {
            exposure: "url", nodeAddress: undefined, publicUrl: "http://127.0.0.1:31234", receiverProbe: "off", deliveryCheck: "off",
            repositories: [{ name: "flux-system", githubRepository: "switch-repo", existing: true }],
        }));
        assert.strictEqual((await other.stack.up()).summary.result, "succeeded");
        const [hook] = sb.github.listHooks(SandboxOwner, "switch-repo");
        await other.stack.removeConfig("github:token");
        await other.stack.setConfig("github:appAuth.id", { value: String(sb.githubApp.id) }, true);
        await other.stack.setConfig("github:appAuth.installationId", { value: String(sb.githubApp.installationId) }, true);
        const key = sb.github.apps.addKey(sb.githubApp.id).privateKey;
        await other.stack.setConfig("github:appAuth.pemFile", { value: key, secret: true }, true);
        const ops: string[] = [];
        await other.stack.preview({ onEvent: (e) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op !== "same" && m.op !== "read") ops.push(`${m.op} ${m.type}`);
        } });
        assert.deepStrictEqual(ops.sort(), ["update pulumi:providers:flux-push-github", "update pulumi:providers:github"], "the providers update in place; nothing else changes");
        const from = sb.github.exchanges.length;
        assert.strictEqual((await other.stack.up()).summary.result, "succeeded");
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "switch-repo").map((h) => h.id), [hook.id], "the same hook");
        await other.stack.destroy();
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "switch-repo"), []);
        onlyTheApp(sb.github.exchanges.slice(from));
    });
});
