// The Actions trigger's own resources (resources/actionsTrigger.ts) as the provider plugin runs
// them: through resources/lifecycle.ts `lifecycleProvider`, with the engine's wire values (secrets
// wrapped), against the GitHub API and Actions stand-ins on a real Git repository (the contents
// API's commits, dispatched runs, jobs whose log GitHub serves behind a redirect) and a small API
// server for the GitRepository. A script stands in for the flux CLI in the job: it either asks
// the "cluster" to annotate the GitRepository (the Receiver accepted) or fails as flux does when
// the Receiver answers 400.
import * as assert from "assert";
import * as fs from "fs";
import * as https from "https";
import * as path from "path";
import { ProofInputs } from "../lib/actionsProof";
import { renderWorkflow } from "../lib/workflow";
import { actionsProofProvider, workflowFileProvider } from "../resources/actionsTrigger";
import { lifecycleProvider, ResourceTypes, wireSecret } from "../resources/lifecycle";
import { GitHubActions } from "../sandbox/standins/githubActions";
import { GitHubApi } from "../sandbox/standins/githubApi";
import { createRepository, git, startGitServer } from "../sandbox/standins/gitServer";
import { tempDir } from "./support/tempDir";
import { close, listen, selfSigned } from "./support/servers";

const owner = "example-org";
const token = "ghp_lifecycle";
const workflowPath = ".github/workflows/flux-push.yml";
const urn = (type: string, name: string) => `urn:pulumi:test::flux-push::${type}::${name}`;
const plugin = lifecycleProvider({ [ResourceTypes.workflowFile]: workflowFileProvider, [ResourceTypes.actionsProof]: actionsProofProvider } as never, "0.0.0-test");
type Props = Record<string, unknown>;


describe("the Actions trigger's resources as the provider plugin runs them (diff, create, update, delete)", function () {
    this.timeout(60000);
    let dir: string;
    let gh: GitHubApi;
    let actions: GitHubActions;
    let closeGit: () => Promise<void>;
    let bare: string;
    let apiBase: string;
    let kube: https.Server;
    let kubeconfig: string;
    let requestedAt = "before";
    const behaviour = () => path.join(dir, "flux-behaviour");

    const workflow = (job = "staging", runsOn = ["self-hosted", "staging"]) => renderWorkflow({
        repositoryName: "instavote", path: workflowPath, branch: "main", receiverName: "instavote-actions", namespace: "flux-system",
        audience: "notification-controller", runners: [{ job, runsOn, receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local" }],
    });
    const fileInputs = (content: string, over: Props = {}): Props => ({
        owner, repository: "instavote", path: workflowPath, branch: "main", content, ...over,
    });
    /** The file on main, as git prints it (its trailing newline trimmed by the helper), or undefined. */
    const onMain = async (file: string) => (await git(bare, ["show", `refs/heads/main:${file}`]).catch(() => undefined))?.trimEnd();
    const proofInputs = (mode: "fail" | "warn", over: Partial<ProofInputs> = {}): Props => ({
        owner, mode, receiverSpecDigest: "d1", trigger: "t1", kubeconfig: wireSecret(kubeconfig), context: "",
        proof: {
            owner, repository: "instavote", workflowPath, workflow: workflow(), ref: "main", job: "staging", runsOn: ["self-hosted", "staging"], namespace: "flux-system",
            gitRepository: "instavote", receiver: "instavote-actions", receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local", delivery: "commit", timeoutSeconds: 30, ...over,
        },
    });

    before(async () => {
        dir = tempDir("actions-lifecycle-");
        const server = await startGitServer(path.join(dir, "git"));
        closeGit = server.close;
        await createRepository(server, "instavote", { "README.md": "instavote\n" });
        bare = path.join(server.root, "instavote.git");
        gh = await GitHubApi.start({ flavor: "ghes", token, repositories: [{ owner, name: "instavote" }] });
        apiBase = new URL("api/v3/", gh.url).href;
        // The "cluster": the GitRepository's annotation, which the job's "flux" changes when the Receiver accepts.
        const tls = await selfSigned(dir);
        kube = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
            if (req.method === "POST" && req.url === "/annotate") {
                requestedAt = new Date().toISOString();
                return void res.writeHead(200).end();
            }
            const ok = req.url === "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories/instavote";
            res.writeHead(ok ? 200 : 404, { "Content-Type": "application/json" }).end(JSON.stringify(ok ? { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": requestedAt } } } : {}));
        });
        const kubePort = await listen(kube);
        kubeconfig = [
            "apiVersion: v1", "kind: Config", "current-context: test",
            "clusters:", "- name: c", `  cluster: { server: "https://127.0.0.1:${kubePort}", insecure-skip-tls-verify: true }`,
            "contexts:", "- name: test", "  context: { cluster: c, user: u }",
            "users:", "- name: u", "  user: { token: kube-token }", "",
        ].join("\n");
        const fakeFlux = path.join(dir, "flux");
        fs.writeFileSync(fakeFlux, [
            "#!/bin/sh",
            `if [ "$(cat ${behaviour()})" = accept ]; then`,
            `  curl -sk -X POST https://127.0.0.1:${kubePort}/annotate >/dev/null && echo "✔ Receiver flux-system/instavote-actions triggered"`,
            "else",
            "  echo \"✗ request to http://webhook-receiver.flux-system.svc.cluster.local/hook/abc failed with status 400 Bad Request\"; exit 1",
            "fi", "",
        ].join("\n"), { mode: 0o755 });
        fs.writeFileSync(behaviour(), "accept");
        actions = await GitHubActions.start({
            github: gh, gitRepository: (_o, n) => (n === "instavote" ? bare : undefined), fluxCli: fakeFlux, fluxVersion: "2.9.5",
            runners: [{ name: "r1", labels: ["self-hosted", "staging"] }], dir: path.join(dir, "actions"),
        });
        actions.addToken(token, { actions: "write", contents: "write", workflows: "write" });
        // GitHub's REST base and credentials are the plugin provider's configuration, as the engine sends them.
        plugin.configure({ apiBaseUrl: apiBase, token: wireSecret(token) });
    });

    after(async () => {
        await actions?.close();
        await gh?.close();
        await closeGit?.();
        if (kube) await close(kube);
    });

    describe("WorkflowFile", () => {
        const type = ResourceTypes.workflowFile;
        let outs: Props;
        let id: string;

        it("create commits the file (a real commit on the branch) with the provider's credentials, and keeps none in its outputs", async () => {
            const r = await plugin.create(urn(type, "f"), fileInputs(workflow()));
            id = r.id;
            outs = r.outs as Props;
            assert.strictEqual(await onMain(workflowPath), workflow().trimEnd());
            assert.ok(!("token" in outs) && !("apiBaseUrl" in outs) && !JSON.stringify(outs).includes(token), JSON.stringify(outs));
            assert.match(String(outs.commit), /^[0-9a-f]{40}$/);
            await actions.idle();
        });

        it("diff: the same content is no change; new content an update in place; another path or branch a replacement", async () => {
            assert.deepStrictEqual(await plugin.diff(id, urn(type, "f"), outs as never, fileInputs(workflow()) as never), { changes: false, replaces: [], deleteBeforeReplace: false });
            assert.deepStrictEqual(await plugin.diff(id, urn(type, "f"), outs as never, fileInputs(workflow("production")) as never), { changes: true, replaces: [], deleteBeforeReplace: false });
            assert.deepStrictEqual(await plugin.diff(id, urn(type, "f"), outs as never, fileInputs(workflow(), { path: ".github/workflows/other.yml" }) as never), { changes: true, replaces: ["path"], deleteBeforeReplace: false });
            assert.deepStrictEqual(await plugin.diff(id, urn(type, "f"), outs as never, fileInputs(workflow(), { branch: "release" }) as never), { changes: true, replaces: ["path"], deleteBeforeReplace: false });
        });

        it("update commits the new content and keeps the file the stack's (its commit), even when it writes nothing", async () => {
            const first = outs.commit;
            const r = await plugin.update(id, urn(type, "f"), outs as never, fileInputs(workflow("production")) as never);
            assert.strictEqual(await onMain(workflowPath), workflow("production").trimEnd());
            assert.notStrictEqual((r.outs as Props).commit, first);
            const same = await plugin.update(id, urn(type, "f"), r.outs as never, fileInputs(workflow("production")) as never);
            assert.strictEqual((same.outs as Props).commit, (r.outs as Props).commit, "nothing to commit: the file stays the stack's");
            outs = same.outs as Props;
            await actions.idle();
        });

        it("delete removes the file the stack wrote with the provider's current token (the one that committed it revoked); one a person changed since is left alone", async () => {
            const rotated = `${token}-rotated`;
            gh.addToken(rotated, { type: "classic", webhooks: "write", statuses: "write" });
            actions.addToken(rotated, { actions: "write", contents: "write", workflows: "write" });
            gh.revokeToken(token);
            plugin.configure({ apiBaseUrl: apiBase, token: wireSecret(rotated) });
            try {
                await plugin.delete(id, urn(type, "f"), outs as never);
            } finally {
                gh.addToken(token, { type: "classic", webhooks: "write", statuses: "write" });
                plugin.configure({ apiBaseUrl: apiBase, token: wireSecret(token) });
            }
            assert.strictEqual(await onMain(workflowPath), undefined, "removed by a commit");
            const again = await plugin.create(urn(type, "f"), fileInputs(workflow()));
            await actions.idle();
            const edited = await fetch(new URL(`repos/${owner}/instavote/contents/${workflowPath}`, apiBase), {
                method: "PUT", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
                body: JSON.stringify({ message: "edit", content: Buffer.from(workflow() + "# mine\n").toString("base64"), branch: "main", sha: (again.outs as Props).sha }),
            });
            assert.strictEqual(edited.status, 200);
            await plugin.delete(again.id, urn(type, "f"), again.outs as never);
            assert.strictEqual(await onMain(workflowPath), (workflow() + "# mine\n").trimEnd());
            await actions.idle();
        });
    });

    describe("ActionsProof", () => {
        const type = ResourceTypes.actionsProof;
        const commitWorkflow = async () => {
            const current = await fetch(new URL(`repos/${owner}/instavote/contents/${workflowPath}?ref=main`, apiBase), { headers: { Authorization: `Bearer ${token}` } });
            const sha = current.status === 200 ? ((await current.json()) as { sha: string }).sha : undefined;
            await fetch(new URL(`repos/${owner}/instavote/contents/${workflowPath}`, apiBase), {
                method: "PUT", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
                body: JSON.stringify({ message: "the generated workflow", content: Buffer.from(workflow()).toString("base64"), branch: "main", ...(sha ? { sha } : {}) }),
            });
            await new Promise((r) => setTimeout(r, 100));
            await actions.idle();
        };

        it("diff: again when what it proves changes, when the mode changes, and (warn) while the last proof failed; not otherwise", async () => {
            const outs = (await plugin.create(urn(type, "p"), proofInputs("warn", { workflow: "not what is on the branch\n" }))).outs as Props;
            assert.strictEqual(outs.ok, false);
            assert.deepStrictEqual(await plugin.diff("p", urn(type, "p"), outs as never, proofInputs("warn", { workflow: "not what is on the branch\n" }) as never), { changes: true }, "a failed proof is tried again at the next up");
            const passed = { ...outs, ok: true };
            assert.deepStrictEqual(await plugin.diff("p", urn(type, "p"), passed as never, proofInputs("warn", { workflow: "not what is on the branch\n" }) as never), { changes: false });
            assert.deepStrictEqual(await plugin.diff("p", urn(type, "p"), passed as never, proofInputs("fail", { workflow: "not what is on the branch\n" }) as never), { changes: true }, "the mode");
            assert.deepStrictEqual(await plugin.diff("p", urn(type, "p"), passed as never, { ...proofInputs("warn", { workflow: "not what is on the branch\n" }), trigger: "t2" } as never), { changes: true }, "deliveryCheckTrigger");
            assert.deepStrictEqual(await plugin.diff("p", urn(type, "p"), passed as never, proofInputs("warn") as never), { changes: true }, "another workflow");
        });

        it("a workflow not committed yet is a warning in both modes, never the update's error", async () => {
            for (const mode of ["fail", "warn"] as const) {
                const r = await plugin.create(urn(type, "p"), proofInputs(mode, { delivery: "output", workflowPath: ".github/workflows/not-yet.yml" }));
                assert.deepStrictEqual({ ok: (r.outs as Props).ok, state: (r.outs as Props).state }, { ok: false, state: "not-committed" }, mode);
            }
        });

        it("the Receiver accepts: reconciled, in the outputs, and no secret comes back in plaintext", async () => {
            await commitWorkflow();
            fs.writeFileSync(behaviour(), "accept");
            const r = await plugin.create(urn(type, "p"), proofInputs("fail"));
            const outs = r.outs as Props;
            assert.deepStrictEqual({ ok: outs.ok, state: outs.state }, { ok: true, state: "reconciled" }, String(outs.message));
            assert.ok(!JSON.stringify(outs).includes(token) && !JSON.stringify(outs).includes("kube-token"));
        });

        it("the Receiver refuses (400): fail stops the update with the job, the step and the answer; warn keeps it in the outputs; the update runs it again", async () => {
            fs.writeFileSync(behaviour(), "refuse");
            const why = /job staging of run \d+ concluded failure at step "Ask Flux to reconcile \(Receiver flux-system\/instavote-actions\)" \(the Receiver answered 400\): the Receiver flux-system\/instavote-actions answered 400: it refused the token/;
            await assert.rejects(plugin.create(urn(type, "p"), proofInputs("fail")), (e: Error) => why.test(e.message) && !/baseUrl/.test(e.message));
            const warned = await plugin.create(urn(type, "p"), proofInputs("warn"));
            assert.match(String((warned.outs as Props).message), why);
            assert.deepStrictEqual({ ok: (warned.outs as Props).ok, receiverStatus: (warned.outs as Props).receiverStatus }, { ok: false, receiverStatus: 400 });
            fs.writeFileSync(behaviour(), "accept");
            const updated = await plugin.update("p", urn(type, "p"), warned.outs as never, proofInputs("warn") as never);
            assert.strictEqual((updated.outs as Props).ok, true, "proven on the next up, once the Receiver accepts");
        });

        it("no runner comes: fail stops the update at the timeout, naming the labels; warn keeps it in the outputs", async () => {
            const nobody = { job: "staging", runsOn: ["gpu"], timeoutSeconds: 2 };
            const content = workflow("staging", ["gpu"]);
            await fetch(new URL(`repos/${owner}/instavote/contents/${workflowPath}?ref=main`, apiBase), { headers: { Authorization: `Bearer ${token}` } })
                .then((r) => r.json() as Promise<{ sha: string }>)
                .then((cur) => fetch(new URL(`repos/${owner}/instavote/contents/${workflowPath}`, apiBase), {
                    method: "PUT", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
                    body: JSON.stringify({ message: "gpu", content: Buffer.from(content).toString("base64"), branch: "main", sha: cur.sha }),
                }));
            await new Promise((r) => setTimeout(r, 100));
            const why = /no runner took job staging \(runs-on gpu\) of run \d+ within 2 s: check that a runner with these labels is online for example-org\/instavote/;
            await assert.rejects(plugin.create(urn(type, "p"), proofInputs("fail", { ...nobody, workflow: content })), why);
            const warned = await plugin.create(urn(type, "p"), proofInputs("warn", { ...nobody, workflow: content }));
            assert.deepStrictEqual({ ok: (warned.outs as Props).ok, state: (warned.outs as Props).state }, { ok: false, state: "timeout" });
            assert.match(String((warned.outs as Props).message), why);
        });
    });
});

