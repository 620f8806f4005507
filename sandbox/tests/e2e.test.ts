// End to end, for real: the Pulumi CLI and engine, the kubernetes provider, kube-apiserver, Flux
// 2.9's controllers and the flux CLI. Stand-ins (test doubles): the random and github providers,
// GitHub's API (as strict as GitHub: sandbox/standins/githubApi.ts), the Git host and kube-proxy.
// The checks run in order on one sandbox; each says what it proves.
// The e2e mocharcs set `exit: true`: after an inline `up` fails while the SDK starts its callbacks
// server (resource hooks), @pulumi/pulumi's connect loop can keep retrying in this process; the
// sandbox's own stop() already ends every process it started and removes its dir.
import * as assert from "assert";
import { execFile } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { branchFilterExpression, webhookPath } from "../../lib/flux";
import { paths } from "../cluster/kubeApi";
import { freePort, waitFor } from "../cluster/processes";
import { fluxCli, Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack, SandboxStack } from "../stack";
import { Delivery, pushPayload } from "../standins/githubApi";
import { Clone, voteDeployment } from "../standins/gitServer";

const run = promisify(execFile);

interface Condition { type: string; status: string; reason?: string; message?: string }
interface Receiver { metadata: { name: string; annotations?: Record<string, string> }; spec: { resourceFilter?: string; secretRef: { name: string } }; status?: { webhookPath?: string; conditions?: Condition[] } }
interface Kustomization { spec: { interval: string }; status?: { lastAppliedRevision?: string; lastHandledReconcileAt?: string; conditions?: Condition[] } }
interface GitRepository { metadata: { annotations?: Record<string, string> }; spec: { interval: string }; status?: { artifact?: { revision: string } } }
interface Service { metadata: { annotations?: Record<string, string> }; spec: { type: string; externalTrafficPolicy?: string; ports: { port: number; nodePort?: number; targetPort?: string | number; name?: string }[] } }
interface NetworkPolicy { spec: { ingress: { from: { ipBlock?: { cidr: string } }[] }[] } }
interface DeliveryCheckOutput { mode: string; ok?: boolean; statusCode?: number; deliveredAt?: string; durationSeconds?: number; checkSeconds?: number; message?: string }
interface RepositoryOutputs { payloadUrl: string; webhookPath: string; webhookId: string; receiver: string; deliveryCheck: DeliveryCheckOutput; commitStatus?: { provider: string; alert: string } }
interface List<T> { items: T[] }

const ns = "flux-system";
const ready = (c?: Condition[]) => c?.find((x) => x.type === "Ready")?.status === "True";
const GitHubHookRanges = ["192.30.252.0/22", "185.199.108.0/22", "2a0a:a440::/29"];

describe("sandbox end to end (real engine, kubernetes provider, API server, Flux 2.9 and its CLI)", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let s: SandboxStack;
    let stack: Stack;
    let outputs: OutputMap;
    let repo: RepositoryOutputs;
    let token: string;
    let clone: Clone;
    let config: Record<string, unknown> = {};
    const statusToken = "ghp_status" + Math.random().toString(36).slice(2);
    const printed: string[] = [];
    const timings: Record<string, number> = {};

    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const flux = (...args: string[]) => fluxCli(sb, ns, ...args);
    const tokenSecretName = () => `webhook-token-${outputs.tokenGeneration.value as string}`;
    const secretToken = async () => {
        const secret = await get<{ data: { token: string } }>(paths.secret(ns, tokenSecretName()));
        return Buffer.from(secret?.data.token ?? "", "base64").toString();
    };
    const hooks = () => sb.github.listHooks(SandboxOwner, "instavote");
    const deliveriesOf = (hookId: string | number) => sb.github.deliveries.filter((d) => d.hookId === Number(hookId));
    const timed = async <T>(what: string, fn: () => Promise<T>) => {
        const t = Date.now();
        const v = await fn();
        timings[what] = (Date.now() - t) / 1000;
        return v;
    };
    const configure = (overrides: Record<string, unknown>) => {
        config = overrides;
        s.setConfig(sandboxConfig(sb, overrides));
    };
    const up = async () => {
        const res = await stack.up({ onOutput: (o) => printed.push(o) });
        outputs = res.outputs;
        repo = (outputs.repositories.value as Record<string, RepositoryOutputs>).instavote;
        return res;
    };
    /** Posts to the exposed receiver as GitHub would, signed with `secret`. */
    const postHook = async (url: string, event: string, body: string, secret: string) => {
        const res = await fetch(url, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-GitHub-Event": event, "X-Hub-Signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` },
            body,
        });
        return res.status;
    };
    const requestedAt = async () => (await get<GitRepository>(paths.gitRepository(ns, "instavote")))?.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
    const appliedRevision = async () => (await get<Kustomization>(paths.kustomization(ns, "vote-staging")))?.status?.lastAppliedRevision ?? "";
    const waitApplied = (sha: string, timeoutMs = 60000) => waitFor(`vote-staging to apply ${sha}`, async () => ((await appliedRevision()).endsWith(sha) ? true : undefined), timeoutMs, 50);

    /** The guide's test: set replicas, push, deliver; wait until Flux applied exactly that commit. */
    const pushReplicas = async (replicas: number) => {
        const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `vote: ${replicas} replicas`);
        const started = Date.now();
        const deliveries = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after, message: `vote: ${replicas} replicas` });
        assert.deepStrictEqual(deliveries.map((d) => d.statusCode), [200], JSON.stringify(deliveries.map((d) => d.responseBody)));
        await waitFor(`vote at ${replicas} replicas from ${after}`, async () => {
            const dep = await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
            return (await appliedRevision()).endsWith(after) && dep?.spec.replicas === replicas ? true : undefined;
        }, 60000, 50);
        return { after, seconds: (Date.now() - started) / 1000 };
    };
    const statusesOf = (sha: string) => sb.github.listStatuses(SandboxOwner, "instavote", sha);

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        sb.github.setHookRanges(GitHubHookRanges);
        // The commit-status token as GitHub would know it: may write statuses, nothing else.
        sb.github.addToken(statusToken, { type: "fine-grained", statuses: "write" });
        s = await sandboxStack(sb, "sandbox", sandboxConfig(sb));
        stack = s.stack;
        await stack.setConfig("flux-push:commitStatusToken", { value: statusToken, secret: true });
        clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify({ ...sb?.timings, ...timings })}`);
        await sb?.stop();
    });

    it("1. up creates Secret webhook-token-<generation>, the NodePort, a Ready Receiver at the computed path, the target namespace and the Flux objects", async () => {
        const res = await timed("up", up);
        assert.strictEqual(res.summary.result, "succeeded");
        assert.match(outputs.tokenGeneration.value as string, /^[0-9a-f]{10}$/);
        token = await secretToken();
        assert.match(token, /^[A-Za-z0-9]{48}$/);

        const svc = await get<Service>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "NodePort");
        assert.strictEqual(svc?.spec.ports.find((p) => p.port === 80)?.nodePort, 31234);

        assert.strictEqual(repo.receiver, `instavote-${outputs.tokenGeneration.value as string}`);
        const computed = webhookPath(token, repo.receiver, ns);
        assert.strictEqual(repo.webhookPath, computed);
        const receiver = await get<Receiver>(paths.receiver(ns, repo.receiver));
        assert.ok(ready(receiver?.status?.conditions), JSON.stringify(receiver?.status));
        assert.strictEqual(receiver?.status?.webhookPath, computed, "notification-controller's path equals the computed one");
        assert.strictEqual(receiver?.spec.secretRef.name, tokenSecretName());
        assert.strictEqual(receiver?.spec.resourceFilter, branchFilterExpression("main"));
        assert.strictEqual(repo.payloadUrl, `http://127.0.0.1:31234${computed}`);

        assert.ok(await get(paths.namespace("instavote")), "the stack created the target namespace (createTargetNamespace)");
        assert.strictEqual((await get<GitRepository>(paths.gitRepository(ns, "instavote")))?.spec.interval, "1h");
        assert.strictEqual((await get<Kustomization>(paths.kustomization(ns, "vote-staging")))?.spec.interval, "1h");
    });

    it("2. GitHub holds one hook (made at /api/v3/, where the github provider resolves github:baseUrl's host root); the delivery check pinged it and recorded GitHub's 200", async () => {
        await sb.github.idle();
        const [hook, ...more] = hooks();
        assert.deepStrictEqual(more, []);
        assert.strictEqual(String(hook.id), repo.webhookId);
        assert.deepStrictEqual({ url: hook.config.url, type: hook.config.content_type, insecure: hook.config.insecure_ssl, events: hook.events, active: hook.active },
            { url: repo.payloadUrl, type: "json", insecure: "0", events: ["push"], active: true });
        assert.strictEqual(hook.config.secret, token, "the hook's secret is the Secret's token");
        assert.ok(sb.github.requests.includes(`POST /api/v3/repos/${SandboxOwner}/instavote/hooks 201`), "the github provider took github:baseUrl from its config and resolved it to the REST root");
        // GitHub's own ping on creation, then the delivery check's: both answered 200 by notification-controller.
        assert.deepStrictEqual(deliveriesOf(hook.id).map((d) => `${d.event} ${d.statusCode}`), ["ping 200", "ping 200"]);
        const check = repo.deliveryCheck;
        assert.deepStrictEqual({ mode: check.mode, ok: check.ok, statusCode: check.statusCode }, { mode: "fail", ok: true, statusCode: 200 });
        assert.strictEqual(check.deliveredAt, deliveriesOf(hook.id)[1].deliveredAt);
        assert.ok((check.durationSeconds ?? -1) >= 0 && (check.checkSeconds ?? -1) >= 0);
        assert.strictEqual(config.allowPrivateAddresses, undefined, "the opt-in comes from sandboxConfig itself");
        assert.strictEqual(sandboxConfig(sb)["flux-push:allowPrivateAddresses"], true, "loopback payload URLs need the private-network opt-in");
        assert.deepStrictEqual(sb.github.unknownRoutes, []);
    });

    it("3. preview right after shows no changes and runs no check; a changed interval previews exactly that one update, nothing else", async () => {
        const before = sb.github.deliveries.length;
        await timed("preview (no changes)", () => stack.preview({ expectNoChanges: true, onOutput: (o) => printed.push(o) }));
        await timed("up (no changes)", () => stack.up({ onOutput: (o) => printed.push(o) }));
        assert.strictEqual(sb.github.deliveries.length, before, "a second up with nothing changed pings nothing");
        configure({ kustomizationInterval: "2h" });
        const updates: string[] = [];
        const res = await stack.preview({
            onOutput: (o) => printed.push(o),
            onEvent: (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m && m.op !== "same" && m.op !== "read") updates.push(`${m.op} ${m.type}::${m.urn.split("::").pop()}`);
            },
        });
        // Only the Kustomization: the program's own resources are the flux-push-github plugin's, whose
        // default provider gets no config (the dynamic providers' did before: every config change updated it).
        assert.deepStrictEqual(updates, [
            "update kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization::instavote-kustomization-vote-staging",
        ]);
        assert.strictEqual(res.changeSummary.update, 1);
        configure({});
    });

    it("4. neither the state file, `pulumi stack export`, nor the output holds the token, the GitHub token or the commit-status token", async () => {
        const state = s.stateFile();
        assert.ok(state.length > 1000);
        for (const [what, secret] of [["token", token], ["GitHub token", sb.githubToken], ["commit-status token", statusToken]]) {
            assert.ok(!state.includes(secret), `state file: ${what}`);
        }
        const exported = (await run(sb.tools.pulumi, ["stack", "export", "--stack", "sandbox", "--cwd", s.workDir], { env: { ...process.env, ...sb.pulumiEnv } })).stdout;
        assert.ok(exported.includes("webhook-token") && !exported.includes(token) && !exported.includes(sb.githubToken), "pulumi stack export (without --show-secrets)");
        assert.ok(printed.join("").length > 0 && !printed.join("").includes(token), "up/preview output");
        const stackFile = fs.readFileSync(path.join(s.workDir, "Pulumi.sandbox.yaml"), "utf8");
        assert.ok(!stackFile.includes(sb.githubToken) && !stackFile.includes(statusToken), "tokens are stored encrypted");
    });

    it("5. the guide's test: replicas 2 -> 5, push, deliver: Flux applies exactly the pushed commit, and GitHub shows success on it", async () => {
        await waitFor("the vote Deployment at 2 replicas", async () => (await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote")))?.spec.replicas === 2 ? true : undefined, 60000);
        const { after, seconds } = await pushReplicas(5);
        timings["push -> applied (s)"] = seconds;
        assert.strictEqual(await clone.head(), after);
        const status = await waitFor(`a success status on ${after}`, async () => statusesOf(after).find((x) => x.state === "success"), 30000, 50);
        assert.match(status.context, /^kustomization\/vote-staging/);
        assert.deepStrictEqual(statusesOf(after).map((x) => x.state), ["success"], "exactly one status, for exactly the pushed SHA");
    });

    it("6. the guide's own flux commands: get receivers (URL = the stack's path), reconcile source and kustomization, get kustomizations (revision = the pushed SHA)", async () => {
        const receivers = await flux("get", "receivers");
        const line = receivers.split("\n").find((l) => l.startsWith(repo.receiver));
        assert.ok(line, receivers);
        assert.match(line, /\tTrue\s*\t/, "READY");
        assert.ok(line.includes(repo.webhookPath), `the Receiver's URL column names ${repo.webhookPath}: ${line}`);
        assert.match(await flux("reconcile", "source", "git", "instavote"), /fetched revision main@sha1:[0-9a-f]{40}/);
        assert.match(await flux("reconcile", "kustomization", "vote-staging"), /applied revision main@sha1:[0-9a-f]{40}/);
        const head = await clone.head();
        const kustomizations = await flux("get", "kustomizations");
        const ks = kustomizations.split("\n").find((l) => l.startsWith("vote-staging"));
        assert.ok(ks?.includes(`main@sha1:${head.slice(0, 8)}`), `vote-staging's revision is the pushed ${head}: ${kustomizations}`);
    });

    it("7. branch filter: a push to another branch gets 200 and reconciles nothing; a push to main reconciles", async () => {
        const before = await requestedAt();
        const pushed = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(4) }, "feature work", "feature/faster-vote");
        const [delivery] = await sb.github.deliverPush(SandboxOwner, "instavote", { ref: "refs/heads/feature/faster-vote", ...pushed });
        assert.strictEqual(delivery.statusCode, 200, "GitHub sees success: the Receiver accepted the push and chose not to reconcile");
        await new Promise((r) => setTimeout(r, 1500));
        assert.strictEqual(await requestedAt(), before, "no reconcile.fluxcd.io/requestedAt for another branch");
        const { after } = await pushReplicas(3);
        assert.notStrictEqual(await requestedAt(), before);
        assert.ok((await appliedRevision()).endsWith(after));
    });

    it("8. bad input at the receiver: wrong signature 400, an event not in spec.events 400, unknown path 404; nothing is reconciled", async () => {
        const before = await requestedAt();
        const [hook] = hooks();
        const payload = pushPayload(SandboxOwner, "instavote", { before: "0".repeat(40), after: "1".repeat(40) });
        assert.strictEqual((await sb.github.deliverEvent(hook.id, "push", payload, "not-the-token")).statusCode, 400);
        assert.strictEqual((await sb.github.deliverEvent(hook.id, "issues", { action: "opened" })).statusCode, 400);
        assert.strictEqual(await postHook(`http://127.0.0.1:31234/hook/${"0".repeat(64)}`, "push", JSON.stringify(payload), token), 404);
        await new Promise((r) => setTimeout(r, 1000));
        assert.strictEqual(await requestedAt(), before, "no new reconcile.fluxcd.io/requestedAt");
    });

    it("9. a push of a broken manifest shows failure on its commit; the fix shows success", async () => {
        const broken = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(3).replace("replicas: 3", "replicas: three") }, "vote: broken");
        assert.deepStrictEqual((await sb.github.deliverPush(SandboxOwner, "instavote", broken)).map((d) => d.statusCode), [200]);
        const failure = await waitFor(`a failure status on ${broken.after}`, async () => statusesOf(broken.after).find((x) => x.state === "failure"), 60000, 100);
        assert.match(failure.context, /^kustomization\/vote-staging/);
        assert.ok(!statusesOf(broken.after).some((x) => x.state === "success"));
        const { after } = await pushReplicas(2);
        await waitFor(`a success status on ${after}`, async () => statusesOf(after).find((x) => x.state === "success"), 30000, 50);
    });

    it("10. Flux's own reconcile of flux-system (forced) leaves the NodePort exposure in place", async () => {
        const at = new Date().toISOString();
        await sb.controlPlane.api.mergePatch(paths.kustomization(ns, "flux-system"), { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } });
        const ks = await waitFor("flux-system to handle the reconcile request", async () => {
            const k = await get<Kustomization>(paths.kustomization(ns, "flux-system"));
            return k?.status?.lastHandledReconcileAt === at ? k : undefined;
        }, 60000);
        assert.ok(ready(ks.status?.conditions), JSON.stringify(ks.status?.conditions));
        const svc = await get<Service>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "NodePort");
        assert.strictEqual(svc?.spec.ports.find((p) => p.port === 80)?.nodePort, 31234);
        assert.strictEqual(svc?.metadata.annotations?.["kustomize.toolkit.fluxcd.io/ssa"], "Ignore");
    });

    it("11. rotation under a stream of pushes (one every 250 ms): every delivery gets 200, the last commit is applied within seconds, the old pair is gone after", async () => {
        const old = { url: repo.payloadUrl, token, receiver: repo.receiver, secret: tokenSecretName() };
        const stream: { sha: string; delivery: Delivery }[] = [];
        let streaming = true;
        let n = 0;
        const pusher = (async () => {
            while (streaming) {
                const started = Date.now();
                const pushed = await clone.commitAndPush({ "deploy/vote/staging/stream.txt": `push ${++n}\n` }, `stream ${n}`);
                for (const d of await sb.github.deliverPush(SandboxOwner, "instavote", pushed)) stream.push({ sha: pushed.after, delivery: d });
                await new Promise((r) => setTimeout(r, Math.max(0, 250 - (Date.now() - started))));
            }
        })();
        configure({ tokenRotation: "rotated-1" });
        try {
            await timed("up (rotation under a stream)", up);
        } finally {
            await new Promise((r) => setTimeout(r, 1000)); // a few pushes after the switch too
            streaming = false;
            await pusher;
        }
        const streamEnded = Date.now();
        const last = stream[stream.length - 1].sha;
        await waitApplied(last, 30000);
        timings["rotation: stream end -> last commit applied (s)"] = (Date.now() - streamEnded) / 1000;
        const failed = stream.filter((x) => x.delivery.statusCode !== 200);
        timings["rotation: pushes in the stream"] = stream.length;
        assert.ok(stream.length >= 8, `a stream of ${stream.length} pushes`);
        assert.deepStrictEqual(failed.map((x) => `${x.delivery.statusCode} ${x.delivery.url === old.url ? "old URL" : "new URL"}`), [], "every delivery during the rotation got 200");
        assert.ok(stream.some((x) => x.delivery.url === old.url) && stream.some((x) => x.delivery.url !== old.url), "the stream spanned the switch");

        token = await secretToken();
        assert.notStrictEqual(token, old.token);
        assert.notStrictEqual(repo.receiver, old.receiver);
        const [hook, ...more] = hooks();
        assert.deepStrictEqual(more, []);
        assert.deepStrictEqual({ secret: hook.config.secret, url: hook.config.url }, { secret: token, url: repo.payloadUrl });
        assert.strictEqual(await get(paths.receiver(ns, old.receiver)), undefined, "the old Receiver is deleted after the switch");
        assert.strictEqual(await get(paths.secret(ns, old.secret)), undefined, "and the old Secret");
        const body = JSON.stringify(pushPayload(SandboxOwner, "instavote", { before: "0".repeat(40), after: "1".repeat(40) }));
        assert.strictEqual(await postHook(old.url, "push", body, old.token), 404, "the old URL is no longer served");
        assert.strictEqual(repo.deliveryCheck.ok, true, "the delivery check pinged the moved hook");
    });

    it("12. exposure: patch-nodeport -> nodeport-service -> patch-nodeport on the same nodePort, each in one up, a push delivered after each", async () => {
        configure({ tokenRotation: "rotated-1", exposure: "nodeport-service" });
        await timed("up (to nodeport-service)", up);
        const own = await get<Service>(paths.service(ns, "webhook-receiver-external"));
        assert.strictEqual(own?.spec.ports[0].nodePort, 31234);
        assert.strictEqual((await get<Service>(paths.service(ns, "webhook-receiver")))?.spec.type, "ClusterIP", "Flux's Service is Flux's again");
        assert.strictEqual(repo.deliveryCheck.ok, true, "the check ran again: a new object serves the URL");
        await pushReplicas(4);
        configure({ tokenRotation: "rotated-1" });
        await timed("up (back to patch-nodeport)", up);
        assert.strictEqual(await get(paths.service(ns, "webhook-receiver-external")), undefined);
        assert.strictEqual((await get<Service>(paths.service(ns, "webhook-receiver")))?.spec.ports.find((p) => p.port === 80)?.nodePort, 31234);
        await pushReplicas(2);
    });

    it("13. a payload URL nothing answers: the probe stops the up before the hook moves; without the probe GitHub's ping says why; warn lets it through", async () => {
        const dead = `http://127.0.0.1:${await freePort()}`;
        const hookUrl = hooks()[0].config.url;
        configure({ tokenRotation: "rotated-1", exposure: "url", nodeAddress: undefined, publicUrl: dead, deliveryCheckTimeout: 12 });
        await assert.rejects(up(), (err: Error) => {
            assert.match(err.message, /probing the new payload URL on 127\.0\.0\.1:\d+ from where `pulumi up` runs, before GitHub's hook moves to it.*The hook was not moved/s);
            return true;
        });
        assert.strictEqual(hooks()[0].config.url, hookUrl, "the hook still points at the URL that works");

        configure({ tokenRotation: "rotated-1", exposure: "url", nodeAddress: undefined, publicUrl: dead, receiverProbe: "off", deliveryCheckTimeout: 12 });
        await assert.rejects(up(), (err: Error) => {
            assert.match(err.message, /GitHub's ping of the sandbox-org\/instavote webhook \(payload URL on 127\.0\.0\.1:\d+\) got no response \(failed to connect to network\): GitHub cannot reach the payload URL/);
            return true;
        });
        configure({ tokenRotation: "rotated-1", exposure: "url", nodeAddress: undefined, publicUrl: dead, receiverProbe: "off", deliveryCheck: "warn", deliveryCheckTimeout: 12 });
        const res = await up();
        assert.strictEqual(res.summary.result, "succeeded");
        assert.deepStrictEqual({ ok: repo.deliveryCheck.ok, statusCode: repo.deliveryCheck.statusCode }, { ok: false, statusCode: 0 });
        assert.match(printed.join(""), /warning: .*GitHub cannot reach the payload URL/);

        configure({ tokenRotation: "rotated-1" });
        await timed("up (back to a working URL)", up);
        assert.strictEqual(repo.deliveryCheck.ok, true);
        await pushReplicas(5);
    });

    it("14. allowedSources github: the NetworkPolicy admits exactly GitHub's /meta hook ranges; new ranges show in the next preview", async () => {
        configure({ tokenRotation: "rotated-1", allowedSources: "github" });
        await timed("up (allowedSources github)", up);
        const policy = await get<NetworkPolicy>("/apis/networking.k8s.io/v1/namespaces/flux-system/networkpolicies/webhook-receiver-github-hooks");
        assert.deepStrictEqual(policy?.spec.ingress[0].from.map((f) => f.ipBlock?.cidr), GitHubHookRanges);
        assert.strictEqual((await get<Service>(paths.service(ns, "webhook-receiver")))?.spec.externalTrafficPolicy, "Local");
        sb.github.setHookRanges([...GitHubHookRanges, "143.55.64.0/20"]);
        const changed: string[] = [];
        await stack.preview({ onEvent: (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op === "update") changed.push(m.urn.split("::").pop() ?? "");
        } });
        assert.ok(changed.includes("webhook-receiver-sources"), `the preview updates the NetworkPolicy: ${changed.join(", ")}`);
        sb.github.setHookRanges(GitHubHookRanges);
        configure({ tokenRotation: "rotated-1" });
        await up();
        assert.strictEqual(await get("/apis/networking.k8s.io/v1/namespaces/flux-system/networkpolicies/webhook-receiver-github-hooks"), undefined);
    });

    it("15. GHES allows 250 push hooks per repository: one with 20 gets the stack's hook as its 21st; at 250 the stack fails before a 251st, counting them and naming the options", async () => {
        assert.strictEqual(sb.github.maxHooksPerEvent, 250, "the sandbox's GitHub is a GitHub Enterprise Server");
        sb.github.addRepository(SandboxOwner, "fleet-repo");
        const fleetHooks = () => sb.github.listHooks(SandboxOwner, "fleet-repo");
        // Other clusters' hooks, made as GitHub's API makes them: each config unique ("Hook already exists").
        const addForeignHooks = async (count: number) => {
            for (let n = fleetHooks().length, end = n + count; n < end; n++) {
                const res = await fetch(new URL(`repos/${SandboxOwner}/fleet-repo/hooks`, sb.github.apiUrl), {
                    method: "POST",
                    headers: { Authorization: `Bearer ${sb.githubToken}`, "Content-Type": "application/json" },
                    body: JSON.stringify({ name: "web", active: false, events: ["push"], config: { url: `https://cluster-${n}.example.com/hook/x`, content_type: "json" } }),
                });
                assert.strictEqual(res.status, 201, await res.text());
            }
        };
        await addForeignHooks(20);
        const fleet = await sandboxStack(sb, "fleet", sandboxConfig(sb, {
            exposure: "url", nodeAddress: undefined, publicUrl: "http://127.0.0.1:31234",
            repositories: [{ name: "instavote", githubRepository: "fleet-repo", existing: true }],
        }));
        const res = await timed("up (21st hook)", () => fleet.stack.up());
        assert.strictEqual(res.summary.result, "succeeded");
        const own = (res.outputs.repositories.value as Record<string, RepositoryOutputs>).instavote;
        assert.strictEqual(fleetHooks().length, 21);
        assert.deepStrictEqual(fleetHooks().filter((h) => h.config.url === own.payloadUrl).map((h) => String(h.id)), [own.webhookId], "the 21st is the stack's");
        assert.strictEqual(own.deliveryCheck.ok, true, "and GitHub's ping of it reached the Receiver");
        await fleet.stack.destroy();

        await addForeignHooks(250 - fleetHooks().length);
        await assert.rejects(fleet.stack.up(), (err: Error) => {
            assert.match(err.message, /sandbox-org\/fleet-repo already has 250 webhooks for the "push" event, and GitHub Enterprise Server allows at most 250 per event per repository.*fewer clusters.*one Receiver reconcile several GitRepositories.*organization webhook/s);
            return true;
        });
        assert.strictEqual(fleetHooks().length, 250, "no 251st hook");
        await fleet.stack.destroy();
    });

    it("16. a cluster without Flux: preview and up stop before anything is created, naming what is missing and `flux install`", async () => {
        const bare = await sb.startBareCluster();
        const noFlux = await sandboxStack(sb, "no-flux", { ...sandboxConfig(sb), "kubernetes:kubeconfig": bare.kubeconfig });
        for (const op of [() => noFlux.stack.preview(), () => noFlux.stack.up()]) {
            await assert.rejects(op(), (err: Error) => {
                assert.match(err.message, /the cluster is not ready for this stack \(2 problems\); nothing was changed/);
                assert.match(err.message, /Flux is not installed on https:\/\/127\.0\.0\.1:\d+ .*: the cluster serves no GitRepository \(source\.toolkit\.fluxcd\.io\/v1\), Kustomization \(kustomize\.toolkit\.fluxcd\.io\/v1\), Receiver \(notification\.toolkit\.fluxcd\.io\/v1\); install Flux 2\.5 or later into namespace flux-system \(`flux install --namespace flux-system`/);
                assert.match(err.message, /Service flux-system\/webhook-receiver does not exist/);
                return true;
            });
        }
        const exported = await noFlux.stack.exportStack();
        const resources = ((exported.deployment as { resources?: { type: string }[] }).resources ?? []).map((r) => r.type);
        assert.deepStrictEqual(resources.filter((t) => t !== "pulumi:pulumi:Stack"), [], "no resource but the stack itself");
        assert.strictEqual((await bare.api.get<List<unknown>>("/api/v1/secrets"))?.items.length, 0, "no Secret in the cluster");
        assert.strictEqual(await bare.api.get("/api/v1/namespaces/flux-system/services/webhook-receiver"), undefined, "no selector-less webhook-receiver made by a patch");
    });

    it("17. an invalid config makes preview fail with the validation message and creates nothing", async () => {
        const bad = await sandboxStack(sb, "invalid", sandboxConfig(sb, { nodePort: 80, repositories: [{ name: "Instavote", url: "git@github.com:o/r.git" }] }));
        await assert.rejects(bad.stack.preview(), (err: Error) => {
            assert.match(err.message, /invalid stack configuration \(3 problems\); nothing was changed/);
            assert.match(err.message, /flux-push:nodePort: 80 is outside Kubernetes' NodePort range 30000-32767/);
            assert.match(err.message, /flux-push:repositories\[0\]\.name: "Instavote" is not a valid name/);
            return true;
        });
        const exported = await bad.stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
    });

    it("18. destroy: webhook-receiver is Flux's ClusterIP Service again, the stack's objects and the hook are gone, the namespace it made is kept, Flux still runs", async () => {
        const generation = outputs.tokenGeneration.value as string;
        await timed("destroy", () => stack.destroy({ onOutput: (o) => printed.push(o) }));
        const svc = await get<Service>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "ClusterIP");
        assert.ok(svc?.spec.ports.every((p) => p.nodePort === undefined));
        assert.strictEqual(svc?.metadata.annotations?.["kustomize.toolkit.fluxcd.io/ssa"], undefined);
        assert.deepStrictEqual(svc?.spec.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort })), [{ name: "http", port: 80, targetPort: "http-webhook" }]);
        for (const p of [paths.secret(ns, `webhook-token-${generation}`), paths.secret(ns, "github-commit-status"), paths.receiver(ns, `instavote-${generation}`),
            paths.gitRepository(ns, "instavote"), paths.kustomization(ns, "vote-staging"), paths.alert(ns, "instavote-commit-status"), paths.provider(ns, "instavote-commit-status")]) {
            assert.strictEqual(await get(p), undefined, `${p} is gone`);
        }
        assert.ok(await get(paths.namespace("instavote")), "a namespace the stack created is kept (retainOnDelete)");
        assert.deepStrictEqual(hooks(), []);
        const exported = await stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
        assert.ok(ready((await get<Kustomization>(paths.kustomization(ns, "flux-system")))?.status?.conditions));
        assert.ok(!printed.join("").includes(token), "destroy output");
    });
});
