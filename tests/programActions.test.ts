// The stack with the actions-oidc trigger, under Pulumi's mocks: the generic-oidc Receiver's inputs
// exactly, what is not made (no token, hook or exposure), the workflow output, the dependency order
// of the proof, secrecy, and the preflight that refuses a Flux without generic-oidc.
import * as assert from "assert";
import { parse } from "yaml";
import { oidcWebhookPath } from "../lib/oidc";
import { renderWorkflow } from "../lib/workflow";
import { DynamicTypes } from "../resources/lifecycle";
import { dependsOn, dependsOnTransitively } from "./support/graph";
import { byType, isSecret, isWireSecret, one, promiseOf, registered, resetMocks } from "./support/mocks";
import { fluxCluster, receiverCrd, runStack } from "./support/program";
import { withDefaults } from "./support/projectConfig";

const T = {
    password: "random:index/randomPassword:RandomPassword",
    secret: "kubernetes:core/v1:Secret",
    servicePatch: "kubernetes:core/v1:ServicePatch",
    fluxReceiver: "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver",
    webhook: "github:index/repositoryWebhook:RepositoryWebhook",
    ping: "flux-push-github:index:WebhookPing",
    proof: "flux-push-github:index:ActionsProof",
    workflowFile: "flux-push-github:index:WorkflowFile",
    pluginProvider: "pulumi:providers:flux-push-github",
    trigger: "flux-push:index:ActionsTrigger",
};
const instavote = {
    name: "instavote",
    url: "https://github.com/example-org/instavote.git",
    kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }],
};
const runner = { job: "staging", runsOn: ["self-hosted", "staging"] };
const oidc = (overrides: Record<string, unknown> = {}) => withDefaults({
    exposure: "none", repositories: [{ ...instavote, triggers: ["actions-oidc"] }], actionsRunners: [runner], ...overrides,
});

interface ReceiverInputs { metadata: { name: string; namespace: string }; spec: Record<string, unknown> }

describe("program: the actions-oidc trigger", () => {
    beforeEach(() => resetMocks());

    it("declares a generic-oidc Receiver <name>-actions: GitHub's issuer, Flux's audience, the repository's pinned validations, no secretRef", async () => {
        await runStack(oidc());
        const r = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        assert.deepStrictEqual(r.metadata, { name: "instavote-actions", namespace: "flux-system" });
        assert.deepStrictEqual(r.spec, {
            type: "generic-oidc",
            resources: [{ kind: "GitRepository", name: "instavote" }],
            oidcProviders: [{
                issuerURL: "https://token.actions.githubusercontent.com",
                audience: "notification-controller",
                validations: [
                    { expression: "claims.repository_id == '700000001'", message: "the token is not from repository Example-Org/instavote (repository_id 700000001)" },
                    { expression: "claims.repository == 'Example-Org/instavote'", message: "the token is not from repository Example-Org/instavote" },
                    { expression: "claims.repository_owner == 'Example-Org'", message: "the token is not from a repository of Example-Org" },
                    { expression: "claims.event_name in ['push', 'workflow_dispatch']", message: "the workflow run was not triggered by push or workflow_dispatch" },
                    { expression: "claims.ref == 'refs/heads/main'", message: "the workflow ran for another ref than refs/heads/main" },
                    { expression: "claims.workflow_ref == 'Example-Org/instavote/.github/workflows/flux-push.yml@refs/heads/main'", message: "the token is not from workflow .github/workflows/flux-push.yml on refs/heads/main" },
                    { expression: "claims.job_workflow_ref == 'Example-Org/instavote/.github/workflows/flux-push.yml@refs/heads/main'", message: "the job is not defined by workflow .github/workflows/flux-push.yml on refs/heads/main" },
                ],
            }],
        });
    });

    it("makes no token, Secret, hook, delivery check or exposure for it: webhook-receiver stays Flux's ClusterIP", async () => {
        const out = await runStack(oidc());
        for (const t of [T.password, T.secret, T.webhook, T.ping, T.servicePatch]) assert.deepStrictEqual(byType(t).map((r) => r.name), [], t);
        assert.deepStrictEqual(await promiseOf(out.exposure), { mode: "none", baseUrl: "http://webhook-receiver.flux-system.svc.cluster.local" });
        assert.strictEqual(out.tokenSecret, undefined);
        const repo = out.repositories.instavote;
        assert.strictEqual(repo.webhookId, undefined);
        assert.strictEqual(await promiseOf(repo.actions?.receiver as never), "instavote-actions");
        assert.strictEqual(await promiseOf(repo.actions?.webhookPath as never), oidcWebhookPath("instavote-actions", "flux-system"));
    });

    it("outputs the workflow (the default delivery), the same text the generator renders, and commits nothing", async () => {
        const out = await runStack(oidc());
        const wf = await promiseOf(out.repositories.instavote.actions?.workflow as never) as { path: string; branch: string; delivery: string; content: string };
        assert.deepStrictEqual({ path: wf.path, branch: wf.branch, delivery: wf.delivery }, { path: ".github/workflows/flux-push.yml", branch: "main", delivery: "output" });
        assert.strictEqual(wf.content, renderWorkflow({
            repositoryName: "instavote", path: ".github/workflows/flux-push.yml", branch: "main", receiverName: "instavote-actions", namespace: "flux-system",
            audience: "notification-controller", runners: [{ ...runner, receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local" }],
        }));
        assert.deepStrictEqual(byType(T.workflowFile), []);
    });

    it("the proof dispatches on the tracked branch, watches this cluster's job, and waits for the Receiver; its GitHub token is secret", async () => {
        await runStack(oidc());
        const proof = one(T.proof, "instavote-actions-proof");
        const p = proof.inputs.proof as Record<string, unknown>;
        assert.deepStrictEqual({ owner: p.owner, repository: p.repository, ref: p.ref, job: p.job, runsOn: p.runsOn, receiver: p.receiver, gitRepository: p.gitRepository, delivery: p.delivery, timeoutSeconds: p.timeoutSeconds },
            { owner: "example-org", repository: "instavote", ref: "main", job: "staging", runsOn: ["self-hosted", "staging"], receiver: "instavote-actions", gitRepository: "instavote", delivery: "output", timeoutSeconds: 300 });
        assert.strictEqual(proof.inputs.mode, "fail");
        assert.ok(dependsOn("instavote-actions-proof", "instavote-actions-receiver"), "the proof runs once the Receiver exists");
        assert.ok(dependsOnTransitively("instavote-actions-proof", "instavote-gitrepository"));
        const provider = one(T.pluginProvider, "flux-push-github");
        assert.strictEqual(proof.provider, `${provider.urn}::${provider.id}`, "the proof calls GitHub with the plugin provider's credentials");
        assert.ok(!("token" in proof.inputs) && !("apiBaseUrl" in proof.inputs), "and carries none of its own");
        assert.ok(isWireSecret(provider.wire, ["token"]), "the GitHub token reaches the engine as a secret");
        assert.deepStrictEqual(proof.aliases, [proof.urn.replace(`$${T.proof}::`, `$${DynamicTypes.actionsProof}::`)], "a stack from the dynamic-provider days keeps its proof");
    });

    it("commit delivery: the workflow file is committed after the Receiver exists, and the proof waits for the commit", async () => {
        await runStack(oidc({ actionsWorkflowDelivery: "commit" }));
        const file = one(T.workflowFile, "instavote-workflow-file");
        assert.deepStrictEqual({ repository: file.inputs.repository, path: file.inputs.path, branch: file.inputs.branch }, { repository: "instavote", path: ".github/workflows/flux-push.yml", branch: "main" });
        assert.match(String(file.inputs.content), /flux trigger receiver instavote-actions/);
        const provider = one(T.pluginProvider, "flux-push-github");
        assert.strictEqual(file.provider, `${provider.urn}::${provider.id}`, "committed and removed with the stack's current credentials");
        assert.ok(!("token" in file.inputs) && !("apiBaseUrl" in file.inputs));
        // At 5160d4a it was a dynamic resource: without the alias an upgrade created it anew, then ran the old delete.
        assert.deepStrictEqual(file.aliases, [file.urn.replace(`$${T.workflowFile}::`, `$${DynamicTypes.workflowFile}::`)]);
        assert.ok(dependsOn("instavote-workflow-file", "instavote-actions-receiver"));
        assert.ok(dependsOn("instavote-actions-proof", "instavote-workflow-file"));
    });

    it("a tracked branch other than the default: the workflow, the validations and the proof all use it", async () => {
        const out = await runStack(oidc({ repositories: [{ ...instavote, branch: "release", triggers: ["actions-oidc"] }] }));
        const wf = await promiseOf(out.repositories.instavote.actions?.workflow as never) as { branch: string; content: string };
        assert.strictEqual(wf.branch, "release");
        assert.deepStrictEqual((parse(wf.content) as { on: { push: { branches: string[] } } }).on.push.branches, ["release"]);
        assert.strictEqual((one(T.proof, "instavote-actions-proof").inputs.proof as { ref: string }).ref, "release");
        const r = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        assert.ok(JSON.stringify(r.spec).includes("claims.ref == 'refs/heads/release'"));
    });

    it("branchFilter: false: no ref pinned, the workflow's job_workflow_ref by prefix, the workflow on every push, the proof still dispatched on the tracked branch", async () => {
        const out = await runStack(oidc({ repositories: [{ ...instavote, branch: "release", branchFilter: false, triggers: ["actions-oidc"] }] }));
        const r = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        const expressions = (r.spec.oidcProviders as { validations: { expression: string }[] }[])[0].validations.map((v) => v.expression);
        assert.deepStrictEqual(expressions.slice(4), [
            "claims.workflow_ref.startsWith('Example-Org/instavote/.github/workflows/flux-push.yml@')",
            "claims.job_workflow_ref.startsWith('Example-Org/instavote/.github/workflows/flux-push.yml@')",
        ]);
        const wf = await promiseOf(out.repositories.instavote.actions?.workflow as never) as { branch: string; content: string };
        assert.strictEqual((parse(wf.content) as { on: { push: unknown } }).on.push, null, "every push: no branches filter");
        assert.strictEqual(wf.branch, "main", "with no branch of its own, the workflow goes to the default branch");
        assert.strictEqual((one(T.proof, "instavote-actions-proof").inputs.proof as { ref: string }).ref, "main");
    });

    it("looks the repository up under github:owner (the claims carry GitHub's spelling of that owner's repository)", async () => {
        await runStack(oidc(), { github: { owner: "other-org", apiBaseUrl: "https://api.github.com/", token: "t" } });
        const r = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        assert.ok(JSON.stringify(r.spec).includes("claims.repository == 'other-org/instavote'"), JSON.stringify(r.spec));
    });

    it("per repository: a webhook-only repository gets a hook, an actions-only one none", async () => {
        const result = { name: "result", url: "https://github.com/example-org/result.git", triggers: ["actions-oidc"] };
        await runStack(withDefaults({ nodeAddress: "203.0.113.10", actionsRunners: [runner], repositories: [instavote, result] }));
        assert.deepStrictEqual(byType(T.webhook).map((r) => r.inputs.repository), ["instavote"]);
        assert.deepStrictEqual(byType(T.fluxReceiver).map((r) => r.name).sort(), ["instavote-receiver", "result-actions-receiver"]);
    });

    it("actionsCheck off: no proof resource", async () => {
        const out = await runStack(oidc({ actionsCheck: "off" }));
        assert.deepStrictEqual(byType(T.proof), []);
        assert.deepStrictEqual(await promiseOf(out.repositories.instavote.actions?.proof as never), { mode: "off" });
    });

    it("both triggers: the webhook path (token, hook, check) stays as it was beside the actions Receiver", async () => {
        const out = await runStack(withDefaults({ nodeAddress: "203.0.113.10", actionsRunners: [runner], repositories: [{ ...instavote, triggers: ["webhook", "actions-oidc"] }] }));
        assert.strictEqual(byType(T.webhook).length, 1);
        assert.strictEqual(byType(T.password).length, 1);
        assert.deepStrictEqual(byType(T.fluxReceiver).map((r) => (r.inputs.spec as { type: string }).type).sort(), ["generic-oidc", "github"]);
        assert.ok(out.repositories.instavote.webhookId && out.repositories.instavote.actions);
        assert.strictEqual(await isSecret(out.repositories.instavote.actions?.webhookPath as never), false, "the OIDC path is not derived from a secret");
    });

    it("GitHub Enterprise Server: the issuer is the server's /_services/token; an issuer set by hand wins", async () => {
        await runStack(oidc(), { github: { owner: "example-org", apiBaseUrl: "https://ghes.example.com/api/v3/", token: "t" } });
        const ghes = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        assert.strictEqual((ghes.spec.oidcProviders as { issuerURL: string }[])[0].issuerURL, "https://ghes.example.com/_services/token");
        await resetMocks();
        await runStack(oidc({ actionsOidcIssuer: "https://token.actions.githubusercontent.com/acme" }));
        const slug = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        assert.strictEqual((slug.spec.oidcProviders as { issuerURL: string }[])[0].issuerURL, "https://token.actions.githubusercontent.com/acme");
    });

    it("actionsValidations replace the stack's own; a custom audience reaches the Receiver and the workflow", async () => {
        const mine = [{ expression: "claims.repository_owner_id == '65'", message: "not our org" }];
        const out = await runStack(oidc({ actionsAudience: "flux-prod", repositories: [{ ...instavote, triggers: ["actions-oidc"], actionsValidations: mine }] }));
        const r = one(T.fluxReceiver, "instavote-actions-receiver").inputs as unknown as ReceiverInputs;
        assert.deepStrictEqual(r.spec.oidcProviders, [{ issuerURL: "https://token.actions.githubusercontent.com", audience: "flux-prod", validations: mine }]);
        const wf = await promiseOf(out.repositories.instavote.actions?.workflow as never) as { content: string };
        assert.match(wf.content, /--oidc-audience=flux-prod/);
    });

    it("an existing GitRepository on a tag: no ref pinned, the workflow on every push, dispatched on the default branch", async () => {
        const cluster = fluxCluster({ "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/flux-system": { status: 200, body: { spec: { ref: { tag: "v1" } } } } });
        const out = await runStack(oidc({ repositories: [{ name: "flux-system", githubRepository: "fleet-infra", existing: true, triggers: ["actions-oidc"] }] }), { cluster });
        const r = one(T.fluxReceiver, "flux-system-actions-receiver").inputs as unknown as ReceiverInputs;
        const expressions = (r.spec.oidcProviders as { validations: { expression: string }[] }[])[0].validations.map((v) => v.expression);
        assert.ok(!expressions.some((e) => e.startsWith("claims.ref ")), expressions.join("\n"));
        const wf = await promiseOf(out.repositories["flux-system"].actions?.workflow as never) as { branch: string; content: string };
        assert.strictEqual(wf.branch, "main");
        assert.strictEqual((parse(wf.content) as { on: { push: unknown } }).on.push, null);
    });

    it("a Flux without generic-oidc (its Receiver CRD lacks spec.oidcProviders): refused before anything is registered, naming Flux 2.9", async () => {
        const cluster = fluxCluster({ "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/receivers.notification.toolkit.fluxcd.io": { status: 200, body: receiverCrd(false) } });
        await assert.rejects(runStack(oidc(), { cluster }), (err: Error) => {
            assert.match(err.message, /the cluster is not ready for this stack \(1 problem\); nothing was changed/);
            assert.match(err.message, /cannot serve a generic-oidc Receiver: its Receiver CRD \(notification\.toolkit\.fluxcd\.io\/v1, labelled Flux v2\.6\.4\) has no spec\.oidcProviders and the type generic-oidc, which notification-controller v1\.9 \(Flux 2\.9\) added; instavote uses the actions-oidc trigger\. Upgrade Flux to 2\.9 or later/);
            return true;
        });
        assert.deepStrictEqual(registered.filter((r) => r.custom), []);
    });

    it("webhook-only stacks do not read the CRD", async () => {
        const cluster = fluxCluster();
        await runStack(withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote] }), { cluster });
        assert.ok(!cluster.asked.some((p) => p.includes("customresourcedefinitions")));
    });
});
