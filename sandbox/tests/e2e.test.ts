// End to end, for real: the Pulumi CLI and engine, the kubernetes provider, kube-apiserver and
// Flux's own controllers. Stand-ins (test doubles): the random and github providers, GitHub's API,
// the Git host and kube-proxy. The checks run in order on one sandbox: up, preview, the push
// flow of the original guide, bad input at the receiver, Flux's own reconcile, rotation, destroy.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { createHmac } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { webhookPath } from "../../lib/flux";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack, SandboxStack } from "../stack";
import { pushPayload } from "../standins/githubApi";
import { Clone, voteDeployment } from "../standins/gitServer";

interface Condition { type: string; status: string; reason?: string }
interface Receiver { metadata: { annotations?: Record<string, string> }; status?: { webhookPath?: string; conditions?: Condition[] } }
interface Kustomization { spec: { interval: string }; status?: { lastAppliedRevision?: string; lastHandledReconcileAt?: string; conditions?: Condition[] } }
interface GitRepository { metadata: { annotations?: Record<string, string> }; spec: { interval: string }; status?: { artifact?: { revision: string } } }
interface Service { metadata: { annotations?: Record<string, string> }; spec: { type: string; ports: { port: number; nodePort?: number; targetPort?: string | number; name?: string }[] } }
interface RepositoryOutputs { payloadUrl: string; webhookPath: string; webhookId: string; receiver: string }

const ns = "flux-system";
const ready = (c?: Condition[]) => c?.find((x) => x.type === "Ready")?.status === "True";

describe("sandbox end to end (real engine, kubernetes provider, API server and Flux controllers)", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let s: SandboxStack;
    let stack: Stack;
    let outputs: OutputMap;
    let repo: RepositoryOutputs;
    let token: string;
    let clone: Clone;
    const printed: string[] = [];
    const timings: Record<string, number> = {};

    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const secretToken = async () => {
        const secret = await get<{ data: { token: string } }>(paths.secret(ns, "webhook-token"));
        return Buffer.from(secret?.data.token ?? "", "base64").toString();
    };
    const hooks = () => sb.github.listHooks(SandboxOwner, "instavote");
    const timed = async <T>(what: string, fn: () => Promise<T>) => {
        const t = Date.now();
        const v = await fn();
        timings[what] = (Date.now() - t) / 1000;
        return v;
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

    /** The guide's test: set replicas, push, deliver; wait until Flux applied exactly that commit. */
    const pushReplicas = async (replicas: number) => {
        const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(replicas) }, `vote: ${replicas} replicas`);
        const started = Date.now();
        const deliveries = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after, message: `vote: ${replicas} replicas` });
        assert.deepStrictEqual(deliveries.map((d) => d.statusCode), [200], JSON.stringify(deliveries.map((d) => d.responseBody)));
        await waitFor(`vote at ${replicas} replicas from ${after}`, async () => {
            const ks = await get<Kustomization>(paths.kustomization(ns, "vote-staging"));
            const dep = await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
            return ks?.status?.lastAppliedRevision?.endsWith(after) && dep?.spec.replicas === replicas ? true : undefined;
        }, 60000, 50);
        return { after, seconds: (Date.now() - started) / 1000 };
    };

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        s = await sandboxStack(sb, "sandbox", sandboxConfig(sb));
        stack = s.stack;
        clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote"));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify({ ...sb?.timings, ...timings })}`);
        await sb?.stop();
    });

    it("1. up creates the Secret, the NodePort exposure, a Ready Receiver at the computed path, and the Flux objects", async () => {
        const res = await timed("up", up);
        assert.strictEqual(res.summary.result, "succeeded");
        token = await secretToken();
        assert.match(token, /^[A-Za-z0-9]{48}$/);

        const svc = await get<Service>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "NodePort");
        assert.strictEqual(svc?.spec.ports.find((p) => p.port === 80)?.nodePort, 31234);

        const computed = webhookPath(token, "instavote", ns);
        assert.strictEqual(repo.webhookPath, computed);
        const receiver = await waitFor("Receiver Ready with its webhook path", async () => {
            const r = await get<Receiver>(paths.receiver(ns, "instavote"));
            return ready(r?.status?.conditions) && r?.status?.webhookPath ? r : undefined;
        }, 30000);
        assert.strictEqual(receiver.status?.webhookPath, computed, "notification-controller's path equals the computed one");
        assert.strictEqual(repo.payloadUrl, `http://127.0.0.1:31234${computed}`);

        assert.strictEqual((await get<GitRepository>(paths.gitRepository(ns, "instavote")))?.spec.interval, "1h");
        assert.strictEqual((await get<Kustomization>(paths.kustomization(ns, "vote-staging")))?.spec.interval, "1h");
    });

    it("2. the GitHub stand-in holds one hook: the payload URL, json, push, the token; its ping got 200 from notification-controller", async () => {
        await sb.github.idle();
        const [hook, ...more] = hooks();
        assert.deepStrictEqual(more, []);
        assert.strictEqual(String(hook.id), repo.webhookId);
        assert.deepStrictEqual({ url: hook.config.url, type: hook.config.content_type, insecure: hook.config.insecure_ssl, events: hook.events, active: hook.active },
            { url: repo.payloadUrl, type: "json", insecure: "0", events: ["push"], active: true });
        assert.strictEqual(hook.config.secret, token, "the hook's secret is the Secret's token");
        const pings = sb.github.deliveries.filter((d) => d.hookId === hook.id && d.event === "ping");
        assert.deepStrictEqual(pings.map((d) => d.statusCode), [200]);
        assert.deepStrictEqual(sb.github.unknownRoutes, []);
        // The github provider took owner, base URL and token from the stack's config (no GITHUB_* in
        // its environment) and, like the real one for a host other than api.github.com, added api/v3/.
        assert.ok(sb.github.requests.includes(`POST /api/v3/repos/${SandboxOwner}/instavote/hooks 201`), JSON.stringify(sb.github.requests));
    });

    it("3. preview right after shows no changes; a changed interval previews exactly that one update", async () => {
        await timed("preview (no changes)", () => stack.preview({ expectNoChanges: true, onOutput: (o) => printed.push(o) }));
        s.setConfig(sandboxConfig(sb, { kustomizationInterval: "2h" }));
        const updates: string[] = [];
        const res = await stack.preview({
            onOutput: (o) => printed.push(o),
            onEvent: (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m && m.op !== "same" && m.op !== "read") updates.push(`${m.op} ${m.type}::${m.urn.split("::").pop()}`);
            },
        });
        assert.deepStrictEqual(updates, ["update kubernetes:kustomize.toolkit.fluxcd.io/v1:Kustomization::instavote-kustomization-vote-staging"]);
        assert.strictEqual(res.changeSummary.update, 1);
        s.setConfig(sandboxConfig(sb));
    });

    it("4. neither the state file, `pulumi stack export`, nor the up/preview output holds the token in plaintext", () => {
        assert.ok(s.stateFile().length > 1000);
        assert.ok(!s.stateFile().includes(token), "state file");
        const exported = execFileSync(sb.tools.pulumi, ["stack", "export", "--stack", "sandbox", "--cwd", s.workDir], { env: { ...process.env, ...sb.pulumiEnv } }).toString();
        assert.ok(exported.includes("webhook-token") && !exported.includes(token), "pulumi stack export (without --show-secrets)");
        assert.ok(printed.join("").length > 0 && !printed.join("").includes(token), "up/preview output");
        const stackFile = fs.readFileSync(path.join(s.workDir, "Pulumi.sandbox.yaml"), "utf8");
        assert.ok(!stackFile.includes(sb.githubToken), "the GitHub token is stored encrypted");
    });

    it("5. the guide's test: replicas 2 -> 5, push, deliver: Flux applies exactly the pushed commit (1h intervals: only the push explains it)", async () => {
        const dep = await waitFor("the vote Deployment at 2 replicas", async () => (await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote")))?.spec.replicas === 2 ? true : undefined, 60000);
        assert.ok(dep);
        const { after, seconds } = await pushReplicas(5);
        timings["push -> applied (s)"] = seconds;
        const ks = await get<Kustomization>(paths.kustomization(ns, "vote-staging"));
        assert.ok(ks?.status?.lastAppliedRevision?.includes(after), `lastAppliedRevision ${ks?.status?.lastAppliedRevision} names ${after}`);
        assert.strictEqual(await clone.head(), after);
    });

    it("6. bad input at the receiver: wrong signature 400, an event not in spec.events 400, unknown path 404; nothing is reconciled", async () => {
        const before = await requestedAt();
        const [hook] = hooks();
        const payload = pushPayload(SandboxOwner, "instavote", { before: "0".repeat(40), after: "1".repeat(40) });
        assert.strictEqual((await sb.github.deliverEvent(hook.id, "push", payload, "not-the-token")).statusCode, 400);
        assert.strictEqual((await sb.github.deliverEvent(hook.id, "issues", { action: "opened" })).statusCode, 400);
        assert.strictEqual(await postHook(`http://127.0.0.1:31234/hook/${"0".repeat(64)}`, "push", JSON.stringify(payload), token), 404);
        await new Promise((r) => setTimeout(r, 1000));
        assert.strictEqual(await requestedAt(), before, "no new reconcile.fluxcd.io/requestedAt");
    });

    it("7. Flux's own reconcile of flux-system (forced) leaves the NodePort exposure in place", async () => {
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

    it("8. rotation: one up changes the Secret, the hook's secret and URL together; the next push reconciles; the old URL answers 404", async () => {
        const oldUrl = repo.payloadUrl;
        const oldToken = token;
        s.setConfig(sandboxConfig(sb, { tokenRotation: "rotated-1" }));
        await timed("up (rotation)", up);
        token = await secretToken();
        assert.notStrictEqual(token, oldToken);
        const [hook, ...more] = hooks();
        assert.deepStrictEqual(more, []);
        assert.strictEqual(hook.config.secret, token);
        assert.strictEqual(hook.config.url, repo.payloadUrl);
        assert.notStrictEqual(repo.payloadUrl, oldUrl);
        await waitFor("the Receiver to move to the new path", async () => {
            const r = await get<Receiver>(paths.receiver(ns, "instavote"));
            return r?.status?.webhookPath === webhookPath(token, "instavote", ns) ? true : undefined;
        }, 30000);
        await pushReplicas(3);
        const body = JSON.stringify(pushPayload(SandboxOwner, "instavote", { before: "0".repeat(40), after: "1".repeat(40) }));
        assert.strictEqual(await postHook(oldUrl, "push", body, token), 404);
    });

    it("9. an invalid config makes preview fail with the validation message and creates nothing", async () => {
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

    it("10. destroy: webhook-receiver is Flux's ClusterIP Service again, the stack's objects and the hook are gone, the controllers still run", async () => {
        await timed("destroy", () => stack.destroy({ onOutput: (o) => printed.push(o) }));
        const svc = await get<Service>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "ClusterIP");
        assert.ok(svc?.spec.ports.every((p) => p.nodePort === undefined));
        assert.strictEqual(svc?.metadata.annotations?.["kustomize.toolkit.fluxcd.io/ssa"], undefined);
        const shipped = fs.readFileSync(sb.tools.webhookReceiverService, "utf8");
        assert.match(shipped, /targetPort: http-webhook/);
        assert.deepStrictEqual(svc?.spec.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort })), [{ name: "http", port: 80, targetPort: "http-webhook" }]);
        for (const p of [paths.secret(ns, "webhook-token"), paths.receiver(ns, "instavote"), paths.gitRepository(ns, "instavote"), paths.kustomization(ns, "vote-staging")]) {
            assert.strictEqual(await get(p), undefined, `${p} is gone`);
        }
        assert.deepStrictEqual(hooks(), []);
        const exported = await stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
        // Flux itself is untouched: flux-system still reconciles.
        assert.ok(ready((await get<Kustomization>(paths.kustomization(ns, "flux-system")))?.status?.conditions));
        assert.ok(!printed.join("").includes(token), "destroy output");
    });
});
