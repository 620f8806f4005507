// End to end, the Actions OIDC trigger (issue 17): the real Pulumi CLI and engine, the kubernetes
// provider, kube-apiserver, Flux 2.9's controllers (notification-controller v1.9.3 verifies every
// token for real: discovery, JWKS, RS256, audience, expiry, the CEL validations) and the real flux
// CLI v2.9.5 in the jobs. Stand-ins (test doubles): GitHub's API and GitHub Actions (a job's `run:`
// steps in a shell in place of a runner), the OIDC issuer, the Git host, and cluster networking for
// the runner (its requests for webhook-receiver.flux-system.svc.cluster.local go to
// notification-controller's receiver address). The checks run in order on one sandbox.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { EngineEvent, OutputMap, Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { inClusterReceiverUrl } from "../../lib/actionsConfig";
import { oidcWebhookPath } from "../../lib/oidc";
import { renderWorkflow } from "../../lib/workflow";
import { installCrds, yamlObjects } from "../cluster/flux";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { Sandbox, SandboxOwner, SandboxRunner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack, SandboxStack } from "../stack";
import { RunRecord } from "../standins/githubActions";
import { Clone, voteDeployment } from "../standins/gitServer";

const run = promisify(execFile);

interface Condition { type: string; status: string; reason?: string; message?: string }
interface Receiver { spec: { type: string; secretRef?: unknown; oidcProviders: { issuerURL: string; audience: string; validations: { expression: string }[] }[] }; status?: { webhookPath?: string; conditions?: Condition[] } }
interface Workflow { path: string; branch: string; delivery: string; content: string }
interface Proof { mode: string; ok?: boolean; state?: string; seconds?: number; runId?: number; message?: string }
interface Actions { receiver: string; webhookPath: string; workflow: Workflow; proof: Proof }
interface List<T> { items: T[] }

const ns = "flux-system";
const workflowPath = ".github/workflows/flux-push.yml";
const ready = (c?: Condition[]) => c?.find((x) => x.type === "Ready")?.status === "True";

describe("sandbox end to end: the Actions OIDC trigger (generic-oidc Receiver, no exposure, no secret)", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let s: SandboxStack;
    let stack: Stack;
    let outputs: OutputMap;
    let actions: Actions;
    let clone: Clone;
    const statusToken = "ghp_status" + Math.random().toString(36).slice(2);
    const printed: string[] = [];
    const timings: Record<string, number | string> = {};

    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const overrides = (extra: Record<string, unknown> = {}) => ({
        exposure: "none",
        nodeAddress: undefined,
        actionsRunners: [{ job: "sandbox", runsOn: SandboxRunner.labels }],
        repositories: [{
            name: "instavote", url: sb.repositories.instavote, branch: "main", triggers: ["actions-oidc"],
            kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, targetNamespace: "instavote", createTargetNamespace: true }],
        }],
        ...extra,
    });
    const configure = (extra: Record<string, unknown> = {}) => s.setConfig(sandboxConfig(sb, overrides(extra)));
    const up = async () => {
        const res = await stack.up({ onOutput: (o) => printed.push(o) });
        outputs = res.outputs;
        actions = (outputs.repositories.value as Record<string, { actions: Actions }>).instavote.actions;
        return res;
    };
    const requestedAt = async () => (await get<{ metadata: { annotations?: Record<string, string> } }>(paths.gitRepository(ns, "instavote")))?.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
    const appliedRevision = async () => (await get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization(ns, "vote-staging")))?.status?.lastAppliedRevision ?? "";
    const statusesOf = (sha: string) => sb.github.listStatuses(SandboxOwner, "instavote", sha);
    const runsOf = (pathName: string, sha?: string) => sb.actions.runs.filter((r) => r.path === pathName && (sha === undefined || r.headSha === sha));
    /** A push GitHub learns of: hooks (none here) and Actions (the pushed commit's workflows). */
    const push = async (files: Record<string, string>, message: string, branch = "main") => {
        const pushed = await clone.commitAndPush(files, message, branch);
        const at = Date.now();
        await sb.github.deliverPush(SandboxOwner, "instavote", { ref: `refs/heads/${branch}`, ...pushed, message });
        return { ...pushed, at };
    };
    const jobDone = (r: () => RunRecord | undefined, what: string) => waitFor(what, async () => {
        const x = r();
        return x && x.jobs[0].status === "completed" ? x : undefined;
    }, 120000, 50);
    /** The flux CLI posting a token straight to notification-controller's receiver (what the runner's request reaches). */
    const trigger = async (token: string) => {
        try {
            const out = await run(sb.tools.flux, ["trigger", "receiver", "instavote-actions", `--namespace=${ns}`, "--type=generic-oidc", `--oidc-token=${token}`, `--url=http://${sb.flux.receiverAddr}`, "--retries=0"], { env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir() } });
            return { ok: true, out: out.stdout + out.stderr };
        } catch (e) {
            const err = e as { stdout?: string; stderr?: string };
            return { ok: false, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
        }
    };

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        sb.github.addToken(statusToken, { type: "fine-grained", statuses: "write" });
        s = await sandboxStack(sb, "oidc", sandboxConfig(sb, overrides()));
        stack = s.stack;
        await stack.setConfig("flux-push:commitStatusToken", { value: statusToken, secret: true });
        clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote-oidc"));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings: ${JSON.stringify({ ...sb?.timings, ...timings })}`);
        await sb?.stop();
    });

    it("1. up: a Ready generic-oidc Receiver at the computed path (issuer: the GitHub host's /_services/token), webhook-receiver left ClusterIP, no token, Secret or hook; the workflow is an output, and the proof says to commit it", async () => {
        const t = Date.now();
        const res = await up();
        timings["up (first, output delivery)"] = (Date.now() - t) / 1000;
        assert.strictEqual(res.summary.result, "succeeded");
        const receiver = await get<Receiver>(paths.receiver(ns, "instavote-actions"));
        assert.ok(ready(receiver?.status?.conditions), JSON.stringify(receiver?.status));
        assert.strictEqual(receiver?.status?.webhookPath, oidcWebhookPath("instavote-actions", ns), "notification-controller's path equals the computed one");
        assert.strictEqual(actions.webhookPath, receiver?.status?.webhookPath);
        assert.strictEqual(receiver?.spec.type, "generic-oidc");
        assert.strictEqual(receiver?.spec.secretRef, undefined);
        assert.strictEqual(receiver?.spec.oidcProviders[0].issuerURL, `${sb.github.url}_services/token`);
        const repoId = sb.github.repository(SandboxOwner, "instavote")?.id;
        assert.ok(receiver?.spec.oidcProviders[0].validations.some((v) => v.expression === `claims.repository_id == '${repoId}'`));
        assert.strictEqual((await get<{ spec: { type: string } }>(paths.service(ns, "webhook-receiver")))?.spec.type, "ClusterIP");
        const secrets = (await get<List<{ metadata: { name: string } }>>(`/api/v1/namespaces/${ns}/secrets`))?.items.map((x) => x.metadata.name) ?? [];
        assert.deepStrictEqual(secrets.filter((n) => n.startsWith("webhook-token")), []);
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        assert.strictEqual(outputs.tokenSecret, undefined);
        assert.strictEqual(actions.workflow.delivery, "output");
        assert.strictEqual(actions.workflow.content, renderWorkflow({
            repositoryName: "instavote", path: workflowPath, branch: "main", receiverName: "instavote-actions", namespace: ns, audience: "notification-controller",
            runners: [{ job: "sandbox", runsOn: SandboxRunner.labels, receiverUrl: inClusterReceiverUrl(ns) }],
        }));
        assert.deepStrictEqual({ ok: actions.proof.ok, state: actions.proof.state }, { ok: false, state: "not-committed" });
        assert.match(printed.join(""), /warning: .*is not on main yet; commit the stack output/);
        assert.deepStrictEqual(sb.github.unknownRoutes, []);
    });

    it("2. a person commits the output; its push runs the workflow (real flux CLI, id-token: write) and Flux reconciles; the next up proves it by workflow_dispatch", async () => {
        const before = await requestedAt();
        const pushed = await push({ [workflowPath]: actions.workflow.content }, "Add the flux-push workflow");
        const r = await jobDone(() => runsOf(workflowPath, pushed.after).find((x) => x.event === "push"), "the push's run");
        assert.strictEqual(r.jobs[0].conclusion, "success", r.jobs[0].log.join("\n"));
        assert.match(r.jobs[0].log.join("\n"), /Receiver flux-system\/instavote-actions triggered/);
        assert.notStrictEqual(await requestedAt(), before);
        const t = Date.now();
        await up();
        timings["up with the proof (dispatch -> reconcile)"] = (Date.now() - t) / 1000;
        timings["proof itself (s)"] = actions.proof.seconds ?? -1;
        assert.deepStrictEqual({ ok: actions.proof.ok, state: actions.proof.state }, { ok: true, state: "reconciled" }, actions.proof.message);
        const dispatched = sb.actions.runs.find((x) => x.id === actions.proof.runId);
        assert.strictEqual(dispatched?.event, "workflow_dispatch");
        assert.strictEqual(dispatched?.jobs[0].name, "sandbox");
    });

    it("3. preview right after shows no changes and dispatches nothing", async () => {
        const runs = sb.actions.runs.length;
        await stack.preview({ expectNoChanges: true, onOutput: (o) => printed.push(o) });
        assert.strictEqual(sb.actions.runs.length, runs);
    });

    it("4. the guide's test: replicas 2 -> 5, push: the workflow's job triggers the Receiver, Flux applies exactly the pushed commit, GitHub shows success on it", async () => {
        await waitFor("the vote Deployment at 2 replicas", async () => (await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote")))?.spec.replicas === 2 ? true : undefined, 60000);
        const pushed = await push({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(5) }, "vote: 5 replicas");
        await waitFor("vote at 5 replicas from the pushed commit", async () => {
            const dep = await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
            return (await appliedRevision()).endsWith(pushed.after) && dep?.spec.replicas === 5 ? true : undefined;
        }, 120000, 50);
        timings["push -> applied via Actions OIDC (s)"] = (Date.now() - pushed.at) / 1000;
        const r = runsOf(workflowPath, pushed.after)[0];
        timings["push -> stand-in runner started the job (s)"] = ((r.jobs[0].startedMs ?? 0) - pushed.at) / 1000;
        const status = await waitFor(`a success status on ${pushed.after}`, async () => statusesOf(pushed.after).find((x) => x.state === "success"), 30000, 50);
        assert.match(status.context, /^kustomization\/vote-staging/);
    });

    it("5. refused, nothing reconciled: a token for another repository, another branch, a wrong audience, an expired one (a correct one, as the control, is accepted)", async () => {
        const r = runsOf(workflowPath).filter((x) => x.event === "push").pop() as RunRecord;
        const claims = sb.actions.claims(r, r.jobs[0], "notification-controller");
        const infra = sb.github.repository(SandboxOwner, "flux-infra");
        const mint = (extra: Record<string, unknown>, issuedAt?: number) => sb.actions.issuer.mint({ ...claims, ...extra }, issuedAt ? { issuedAt } : {});
        const cases: [string, string][] = [
            ["another repository", mint({ repository: `${SandboxOwner}/flux-infra`, repository_id: String(infra?.id), workflow_ref: `${SandboxOwner}/flux-infra/${workflowPath}@refs/heads/main`, job_workflow_ref: `${SandboxOwner}/flux-infra/${workflowPath}@refs/heads/main` })],
            ["another branch", mint({ ref: "refs/heads/feature", workflow_ref: `${SandboxOwner}/instavote/${workflowPath}@refs/heads/feature`, job_workflow_ref: `${SandboxOwner}/instavote/${workflowPath}@refs/heads/feature` })],
            ["a wrong audience", mint({ aud: "https://127.0.0.1/sandbox-org" })],
            ["an expired token", mint({}, Math.floor(Date.now() / 1000) - 3600)],
        ];
        for (const [what, token] of cases) {
            const before = await requestedAt();
            const res = await trigger(token);
            assert.ok(!res.ok, `${what}: refused`);
            assert.match(res.out, /failed with status 400 Bad Request/, what);
            await new Promise((x) => setTimeout(x, 1000));
            assert.strictEqual(await requestedAt(), before, `${what}: nothing reconciled`);
        }
        const before = await requestedAt();
        const control = await trigger(mint({}));
        assert.ok(control.ok, control.out);
        assert.notStrictEqual(await requestedAt(), before, "a correct minted token is accepted: the refusals above are each one claim's");
    });

    it("6. branch filter: the workflow run for another branch (its own copy of the file lists it) gets 400; nothing is reconciled", async () => {
        const before = await requestedAt();
        const onFeature = actions.workflow.content.replace(`- "main"`, `- "feature/**"`);
        assert.notStrictEqual(onFeature, actions.workflow.content);
        const pushed = await push({ [workflowPath]: onFeature, "deploy/vote/staging/vote-deployment.yaml": voteDeployment(4) }, "feature work", "feature/x");
        const r = await jobDone(() => runsOf(workflowPath, pushed.after)[0], "the feature branch's run");
        assert.strictEqual(r.jobs[0].conclusion, "failure");
        assert.match(r.jobs[0].log.join("\n"), /failed with status 400 Bad Request/);
        assert.strictEqual(await requestedAt(), before);
        const logs = fs.readdirSync(path.join(sb.dir, "logs")).find((f) => f.startsWith("notification-controller"));
        assert.match(fs.readFileSync(path.join(sb.dir, "logs", logs as string), "utf8"), /token validation failed: the workflow ran for another ref than refs\/heads\/main/);
    });

    it("7. commit delivery, a new audience: preview shows the Receiver and the file changing; up commits the file (a real commit and push run), and the proof passes with the new audience", async () => {
        configure({ actionsWorkflowDelivery: "commit", actionsAudience: "flux-sandbox" });
        const changed: string[] = [];
        await stack.preview({ onEvent: (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && (m.op === "update" || m.op === "create")) changed.push(`${m.op} ${m.urn.split("::").pop()}`);
        } });
        assert.ok(changed.includes("update instavote-actions-receiver"), changed.join(", "));
        assert.ok(changed.includes("create instavote-workflow-file"), changed.join(", "));
        const head = await run("git", ["ls-remote", sb.repositories.instavote, "refs/heads/main"]);
        await up();
        const after = (await run("git", ["ls-remote", sb.repositories.instavote, "refs/heads/main"])).stdout.split("\t")[0];
        assert.notStrictEqual(after, head.stdout.split("\t")[0], "the stack committed the new workflow");
        const show = await run("git", ["--git-dir", path.join(sb.git.root, "instavote.git"), "show", `${after}:${workflowPath}`]);
        assert.match(show.stdout, /--oidc-audience=flux-sandbox/);
        assert.strictEqual(show.stdout, actions.workflow.content);
        const receiver = await get<Receiver>(paths.receiver(ns, "instavote-actions"));
        assert.strictEqual(receiver?.spec.oidcProviders[0].audience, "flux-sandbox");
        assert.deepStrictEqual({ ok: actions.proof.ok, state: actions.proof.state }, { ok: true, state: "reconciled" }, actions.proof.message);
        assert.ok((parse(show.stdout) as { jobs: Record<string, unknown> }).jobs.sandbox);
    });

    /**
     * An up whose proof fails: in `fail` the update stops with the explanation, in `warn` it succeeds
     * and says it as a warning and in the outputs. Returns the explanation and the seconds from the
     * start of `up` to the first output line carrying it (what a user waits for).
     */
    const failingUp = async (mode: "fail" | "warn", extra: Record<string, unknown>, why: RegExp, label: string) => {
        configure({ actionsWorkflowDelivery: "commit", actionsAudience: "flux-sandbox", actionsCheck: mode, ...extra });
        const started = Date.now();
        let seenAt: number | undefined;
        const lines: string[] = [];
        const run = stack.up({ onOutput: (o) => {
            lines.push(o);
            if (seenAt === undefined && why.test(o)) seenAt = Date.now();
        } }).then((res) => {
            outputs = res.outputs;
            actions = (outputs.repositories.value as Record<string, { actions: Actions }>).instavote.actions;
            return res;
        });
        if (mode === "fail") {
            await assert.rejects(run, (e: Error) => {
                assert.match(e.message, why);
                assert.doesNotMatch(e.message, /github:baseUrl/);
                return true;
            });
        } else {
            const res = await run;
            assert.strictEqual(res.summary.result, "succeeded");
            assert.match(lines.join(""), new RegExp(`warning: .*${why.source}`));
            assert.deepStrictEqual({ mode: actions.proof.mode, ok: actions.proof.ok }, { mode: "warn", ok: false });
            assert.match(String(actions.proof.message), why);
        }
        assert.ok(seenAt !== undefined, `${label}: the explanation was printed during up:\n${lines.join("")}`);
        timings[`${label}: up start -> the explanation printed (s)`] = ((seenAt as number) - started) / 1000;
        return lines.join("");
    };

    it("7a. a Receiver that refuses the token (a validation the dispatched run fails): fail stops the update naming the job, the step and the 400; warn succeeds with it as a warning and output", async () => {
        const repoId = sb.github.repository(SandboxOwner, "instavote")?.id;
        // Pins the repository (by id), and admits pushes only: up's workflow_dispatch run is refused (400), the workflow unchanged.
        const repositories = [{
            name: "instavote", url: sb.repositories.instavote, branch: "main", triggers: ["actions-oidc"],
            kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, targetNamespace: "instavote", createTargetNamespace: true }],
            actionsValidations: [
                { expression: `claims.repository_id == '${repoId}'`, message: "not instavote" },
                { expression: "claims.event_name == 'push'", message: "only pushes reconcile" },
            ],
        }];
        const why = /job sandbox of run \d+ concluded failure at step "Ask Flux to reconcile \(Receiver flux-system\/instavote-actions\)" \(the Receiver answered 400\): the Receiver flux-system\/instavote-actions answered 400: it refused the token/;
        await failingUp("fail", { repositories }, why, "refusing Receiver, fail");
        await failingUp("warn", { repositories }, why, "refusing Receiver, warn");
        assert.strictEqual(actions.proof.state, "job-failed");
        const logs = fs.readdirSync(path.join(sb.dir, "logs")).find((f) => f.startsWith("notification-controller"));
        assert.match(fs.readFileSync(path.join(sb.dir, "logs", logs as string), "utf8"), /only pushes reconcile/, "notification-controller logged the validation's message");
    });

    it("7b. a runner that never comes (labels no runner serves): fail stops the update at actionsCheckTimeout naming the labels; warn succeeds with it", async () => {
        const why = new RegExp(`no runner took job sandbox \\(runs-on sandbox-nobody\\) of run \\d+ within 30 s: check that a runner with these labels is online for ${SandboxOwner}/instavote`);
        const extra = { actionsRunners: [{ job: "sandbox", runsOn: ["sandbox-nobody"] }], actionsCheckTimeout: 30 };
        await failingUp("fail", extra, why, "runner never comes, fail");
        await failingUp("warn", extra, why, "runner never comes, warn");
        assert.strictEqual(actions.proof.state, "timeout");
        // Back to a runner that exists, for the checks that follow.
        configure({ actionsWorkflowDelivery: "commit", actionsAudience: "flux-sandbox" });
        await up();
        assert.deepStrictEqual({ ok: actions.proof.ok, state: actions.proof.state }, { ok: true, state: "reconciled" }, actions.proof.message);
    });

    it("8. a Flux without generic-oidc (a Receiver CRD without spec.oidcProviders): preview and up stop before anything is created, naming Flux 2.9", async () => {
        const bare = await sb.startBareCluster();
        // The toolchain holds Flux 2.9's CRDs only: this Receiver CRD is 2.9's without what 2.9 added (oidcProviders, the generic-oidc type).
        const old = path.join(sb.dir, "old-crds");
        fs.mkdirSync(old, { recursive: true });
        for (const f of fs.readdirSync(sb.tools.fluxCrds).filter((x) => x.endsWith(".yaml"))) {
            const docs = yamlObjects(fs.readFileSync(path.join(sb.tools.fluxCrds, f), "utf8")) as unknown as { metadata: { name: string }; spec: { versions: { schema?: { openAPIV3Schema?: { properties?: { spec?: { properties?: Record<string, { enum?: string[] }> } } } } }[] } }[];
            for (const d of docs) {
                if (d.metadata.name !== "receivers.notification.toolkit.fluxcd.io") continue;
                for (const v of d.spec.versions) {
                    const props = v.schema?.openAPIV3Schema?.properties?.spec?.properties ?? {};
                    delete props.oidcProviders;
                    if (props.type?.enum) props.type.enum = props.type.enum.filter((t) => t !== "generic-oidc");
                    delete (v.schema?.openAPIV3Schema?.properties?.spec as { "x-kubernetes-validations"?: unknown } | undefined)?.["x-kubernetes-validations"];
                }
            }
            fs.writeFileSync(path.join(old, f), docs.map((d) => JSON.stringify(d)).join("\n---\n"));
        }
        await installCrds(bare, old);
        await bare.api.apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }]);
        await bare.api.apply(yamlObjects(fs.readFileSync(sb.tools.webhookReceiverService, "utf8")).map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } })));
        const older = await sandboxStack(sb, "oidc-old-flux", { ...sandboxConfig(sb, overrides()), "kubernetes:kubeconfig": bare.kubeconfig });
        for (const op of [() => older.stack.preview(), () => older.stack.up()]) {
            await assert.rejects(op(), (err: Error) => {
                assert.match(err.message, /the cluster is not ready for this stack \(1 problem\); nothing was changed/);
                assert.match(err.message, /cannot serve a generic-oidc Receiver: its Receiver CRD \(notification\.toolkit\.fluxcd\.io\/v1.*\) has no spec\.oidcProviders and the type generic-oidc, which notification-controller v1\.9 \(Flux 2\.9\) added; instavote uses the actions-oidc trigger\. Upgrade Flux to 2\.9 or later/);
                return true;
            });
        }
        const exported = await older.stack.exportStack();
        assert.deepStrictEqual(((exported.deployment as { resources?: { type: string }[] }).resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack"), []);
        // A CRD just installed can answer 429 "storage is (re)initializing" for a moment: ask until it answers.
        const receivers = await waitFor("the bare cluster to list Receivers", async () => (await bare.api.get<List<unknown>>(`/apis/notification.toolkit.fluxcd.io/v1/namespaces/${ns}/receivers`).catch(() => undefined))?.items, 30000);
        assert.deepStrictEqual(receivers, [], "no Receiver was created");
    });

    /** A new GitHub token for the stack (as a user rotates a fine-grained token), the one it replaces revoked at GitHub. */
    let currentToken = "";
    const rotateGitHubToken = async () => {
        const next = "ghp_rotated" + Math.random().toString(36).slice(2);
        sb.github.addToken(next, { type: "classic", webhooks: "write", statuses: "write" });
        sb.actions.addToken(next, { actions: "write", contents: "write", workflows: "write" });
        await stack.setConfig("github:token", { value: next, secret: true });
        sb.github.revokeToken(currentToken || sb.githubToken);
        currentToken = next;
        return next;
    };

    it("8b. the GitHub token is rotated and the old one revoked: preview changes only the providers' configuration, up succeeds, and the state keeps neither token in plaintext", async () => {
        const old = sb.githubToken;
        const next = await rotateGitHubToken();
        const changed: string[] = [];
        await stack.preview({ onEvent: (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m && m.op !== "same") changed.push(`${m.op} ${m.type}::${m.urn.split("::").pop()}`);
        } });
        assert.deepStrictEqual(changed.filter((c) => !c.includes("pulumi:providers:")), [], `only providers change: ${changed.join(", ")}`);
        assert.ok(changed.includes("update pulumi:providers:flux-push-github::flux-push-github"), changed.join(", "));
        await up();
        const state = s.stateFile();
        for (const t of [old, next]) assert.ok(!state.includes(t), "no GitHub token in plaintext in the state");
    });

    it("9. destroy, after one more rotation and with --run-program (the stack's current credentials, no `up` in between), leaves nothing: the Receiver, Flux objects, Provider/Alert and the committed workflow file are gone; webhook-receiver is Flux's ClusterIP Service as before; Flux still runs", async () => {
        await rotateGitHubToken();
        const t = Date.now();
        // Without --run-program the engine would configure the providers from the state (the revoked token), as for any provider.
        await stack.destroy({ runProgram: true, onOutput: (o) => printed.push(o) });
        timings["destroy"] = (Date.now() - t) / 1000;
        for (const p of [paths.receiver(ns, "instavote-actions"), paths.gitRepository(ns, "instavote"), paths.kustomization(ns, "vote-staging"),
            paths.alert(ns, "instavote-commit-status"), paths.provider(ns, "instavote-commit-status"), paths.secret(ns, "github-commit-status")]) {
            assert.strictEqual(await get(p), undefined, `${p} is gone`);
        }
        const head = (await run("git", ["ls-remote", sb.repositories.instavote, "refs/heads/main"])).stdout.split("\t")[0];
        const files = (await run("git", ["--git-dir", path.join(sb.git.root, "instavote.git"), "ls-tree", "-r", "--name-only", head])).stdout;
        assert.ok(!files.includes(workflowPath), "the workflow the stack committed is removed (a commit)");
        assert.strictEqual((await get<{ spec: { type: string } }>(paths.service(ns, "webhook-receiver")))?.spec.type, "ClusterIP");
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        const exported = await stack.exportStack();
        assert.deepStrictEqual((exported.deployment as { resources?: unknown[] }).resources ?? [], []);
        assert.ok(ready((await get<{ status?: { conditions?: Condition[] } }>(paths.kustomization(ns, "flux-system")))?.status?.conditions));
    });
});
