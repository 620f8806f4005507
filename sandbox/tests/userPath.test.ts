// The user's path, end to end: what a user types, in the committed project directory, with the
// plain `pulumi` CLI (the sandbox's, v3.276.0). The engine starts the program through the Node language host
// (sandbox/bin/pulumi-language-nodejs, the sandbox's stand-in for Pulumi's Go one) exactly as
// `pulumi up` does: index.ts through @pulumi/pulumi's runner, compiled by ts-node under the
// project's tsconfig.json, Pulumi.yaml's runtime options, the stack's config and secrets, and the
// policy pack in policy/. Same sandbox as the e2e suite (real engine, kubernetes provider, API
// server, Flux 2.9; stand-ins for random/github, GitHub's API, the Git host, kube-proxy).
// The checks run in order on one stack; each says what it proves.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { webhookPath } from "../../lib/flux";
import { paths } from "../cluster/kubeApi";
import { Sandbox, SandboxOwner, SandboxRunner, startSandbox } from "../sandbox";
import { sandboxConfig } from "../stack";
import { ProviderPackage, ResourceTypes, typeOfUrn } from "../../resources/lifecycle";
import { kubernetesProviderProvenance } from "../toolchain";
import { CliResult, configCommands, copyProject, DynamicProvidersRef, hasCommit, PluginDefaultProviderRef, PluginOverrideRef, runPulumi } from "../userPath";

interface RepositoryOutputs { payloadUrl: string; webhookPath: string; webhookId: string; receiver: string; deliveryCheck: { mode: string; ok?: boolean; statusCode?: number } }
interface Outputs { namespace: string; tokenSecret: string; tokenGeneration: string; exposure: unknown; repositories: Record<string, RepositoryOutputs> }

const StackName = "user";

interface State { checkpoint: { latest: { resources: { urn: string; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] } } }
const ns = "flux-system";

describe("the user's path: `pulumi` in the committed project directory, through the Node language host", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let tmp: string;
    let project: string;
    let outputs: Outputs;
    const timings: Record<string, number> = {};

    const pulumi = async (what: string, ...args: string[]): Promise<CliResult> => {
        const res = await runPulumi(sb.tools.pulumi, project, sb.pulumiEnv, args);
        timings[what] = Math.round(res.seconds * 100) / 100;
        return res;
    };
    const ok = async (what: string, ...args: string[]) => {
        const res = await pulumi(what, ...args);
        assert.strictEqual(res.code, 0, `pulumi ${args.join(" ")} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
        return res;
    };
    const all = (r: CliResult) => `${r.stdout}\n${r.stderr}`;
    const stateFile = (stack: string) => path.join(sb.pulumiEnv.PULUMI_BACKEND_URL.replace("file://", ""), ".pulumi", "stacks", "flux-push", `${stack}.json`);
    const WorkflowPath = ".github/workflows/flux-push.yml";
    const gitDir = () => path.join(sb.git.root, "instavote.git");
    const git = (...args: string[]) => new Promise<string>((resolve, reject) =>
        execFile("git", ["--git-dir", gitDir(), ...args], (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(" ")}: ${stderr}`)) : resolve(stdout))));
    const mainHead = async () => (await git("rev-parse", "refs/heads/main")).trim();
    const fileAt = (sha: string, file: string) => git("show", `${sha}:${file}`).catch(() => undefined);
    const workflowOnMain = async () => fileAt(await mainHead(), WorkflowPath);
    const commitsSince = async (sha: string) => (await git("rev-list", `${sha}..refs/heads/main`)).split("\n").filter((l) => l !== "");
    /** Lines in one text and not the other (either way). */
    const changedLines = (a: string, b: string) => {
        const x = a.split("\n");
        const y = b.split("\n");
        return [...x.filter((l) => !y.includes(l)), ...y.filter((l) => !x.includes(l))];
    };
    const secretToken = async () => {
        const secret = await sb.controlPlane.api.get<{ data: { token: string } }>(paths.secret(ns, outputs.tokenSecret));
        return Buffer.from(secret?.data.token ?? "", "base64").toString();
    };

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flux-push-user-"));
        project = await copyProject(path.join(tmp, "project"));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify(timings)}`);
        console.log(`      ${kubernetesProviderProvenance()}`);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        await sb?.stop();
    });

    it("1. stack init and config set (the GitHub token with --secret) write the stack file beside the committed ones", async () => {
        await ok("stack init", "stack", "init", StackName);
        for (const command of configCommands(sandboxConfig(sb))) await ok("config set", ...command);
        await ok("config set --secret", "config", "set", "--secret", "github:token", sb.githubToken);
        const stackFile = fs.readFileSync(path.join(project, `Pulumi.${StackName}.yaml`), "utf8");
        assert.match(stackFile, /github:token:\n\s+secure: v1:/, "the token is stored encrypted");
        assert.ok(!stackFile.includes(sb.githubToken));
        const shown = JSON.parse((await ok("config", "config", "--json")).stdout) as Record<string, { value?: unknown; objectValue?: unknown; secret: boolean }>;
        assert.deepStrictEqual(shown["github:token"], { secret: true }, "`pulumi config` does not show the token");
        assert.strictEqual(shown["flux-push:allowPrivateAddresses"].value, "true");
        assert.deepStrictEqual(shown["flux-push:repositories"].objectValue, sandboxConfig(sb)["flux-push:repositories"], "the nested repositories, typed (prune a boolean)");
    });

    it("2. preview from nothing shows what up will create, and creates nothing", async () => {
        const res = await ok("preview (create)", "preview");
        assert.match(res.stdout, /\+ \d+ to create/);
        assert.match(res.stdout, /\+\s+kubernetes:notification\.toolkit\.fluxcd\.io\/v1:Receiver instavote-receiver create/);
        assert.match(res.stdout, /\+\s+github:index:RepositoryWebhook instavote-webhook create/);
        assert.strictEqual(sb.github.listHooks(SandboxOwner, "instavote").length, 0);
    });

    it("3. up creates the stack: Secret, NodePort, a Ready Receiver at the computed path, the GitHub hook checked by its delivery", async () => {
        const res = await ok("up", "up", "--yes", "--skip-preview");
        assert.match(res.stdout, /Resources:\n\s+\+ \d+ created/);
        outputs = JSON.parse((await ok("stack output", "stack", "output", "--json", "--show-secrets")).stdout) as Outputs;
        const repo = outputs.repositories.instavote;
        const token = await secretToken();
        assert.match(token, /^[A-Za-z0-9]{48}$/);
        assert.strictEqual(repo.webhookPath, webhookPath(token, repo.receiver, ns));
        assert.strictEqual(repo.payloadUrl, `http://127.0.0.1:31234${repo.webhookPath}`);
        const receiver = await sb.controlPlane.api.get<{ status?: { webhookPath?: string } }>(paths.receiver(ns, repo.receiver));
        assert.strictEqual(receiver?.status?.webhookPath, repo.webhookPath, "notification-controller's path is the stack's");
        const [hook, ...more] = sb.github.listHooks(SandboxOwner, "instavote");
        assert.deepStrictEqual(more, []);
        assert.strictEqual(String(hook.id), repo.webhookId);
        assert.strictEqual(hook.config.url, repo.payloadUrl);
        assert.deepStrictEqual({ mode: repo.deliveryCheck.mode, ok: repo.deliveryCheck.ok, statusCode: repo.deliveryCheck.statusCode }, { mode: "fail", ok: true, statusCode: 200 });
    });

    it("4. stack output hides the secret payload URL and path unless --show-secrets", async () => {
        const hidden = JSON.parse((await ok("stack output (secrets hidden)", "stack", "output", "--json")).stdout) as { repositories: unknown };
        const text = JSON.stringify(hidden);
        assert.ok(!text.includes(outputs.repositories.instavote.webhookPath), "the webhook path (a digest of the token) is not shown");
        assert.match(text, /\[secret\]/);
        const state = fs.readFileSync(stateFile(StackName), "utf8");
        for (const secret of [await secretToken(), sb.githubToken]) assert.ok(!state.includes(secret), "no plaintext secret in the state file");
    });

    it("4b. the state holds no copy of the program's code; the program's own resources hold no GitHub credentials, their provider holds them encrypted, and no stack config", async () => {
        const state = JSON.parse(fs.readFileSync(stateFile(StackName), "utf8")) as State;
        const resources = state.checkpoint.latest.resources;
        assert.deepStrictEqual(resources.filter((r) => "__provider" in (r.inputs ?? {}) || "__provider" in (r.outputs ?? {}) || r.type.startsWith("pulumi-nodejs:")).map((r) => r.urn), []);
        const own = resources.filter((r) => r.type.startsWith(`${ProviderPackage}:index:`));
        assert.deepStrictEqual(own.map((r) => r.type).sort(), [ResourceTypes.hookCapacity, ResourceTypes.payloadUrlProbe, ResourceTypes.webhookPing].sort(), "the program's own resources, served by its plugin");
        for (const r of own) {
            assert.ok(!("apiBaseUrl" in (r.inputs ?? {})) && !("apiBaseUrl" in (r.outputs ?? {})), `${r.urn} keeps no REST base of its own`);
            assert.ok(r.type === ResourceTypes.payloadUrlProbe || (!("token" in (r.inputs ?? {})) && !("token" in (r.outputs ?? {}))), `${r.urn} keeps no GitHub token of its own`);
        }
        const providers = resources.filter((r) => r.type === `pulumi:providers:${ProviderPackage}`);
        assert.deepStrictEqual(providers.map((r) => r.urn.split("::").pop()), ["flux-push-github"], "one explicit provider, no default one");
        const [provider] = providers;
        assert.deepStrictEqual(Object.keys(provider.inputs ?? {}).filter((k) => k.includes(":")), [], "no stack config handed to it");
        assert.strictEqual(provider.inputs?.apiBaseUrl, new URL("/api/v3/", sb.github.url).href, "GitHub's REST base, resolved from github:baseUrl");
        assert.match(JSON.stringify(provider.inputs?.token), /ciphertext/, "the token, encrypted");
        for (const r of own) assert.match(String((r as { provider?: string }).provider), new RegExp(`::pulumi:providers:${ProviderPackage}::flux-push-github::`), `${r.urn} calls GitHub through it`);
    });

    it("5. preview --expect-no-changes right after up passes", async () => {
        const res = await ok("preview --expect-no-changes", "preview", "--expect-no-changes");
        assert.match(res.stdout, /\d+ unchanged/);
    });

    it("6. preview does not type-check at run time (Pulumi.yaml's tsconfig.pulumi.json: noCheck); tsc --noEmit, as CI runs it, does", async () => {
        const index = path.join(project, "index.ts");
        const committed = fs.readFileSync(index, "utf8");
        // Valid JavaScript, a type error: harmless at run time, refused by the type-checker.
        fs.writeFileSync(index, `${committed}\n((n: number) => n)("not a number");\n`);
        try {
            await ok("preview (type error in index.ts)", "preview", "--expect-no-changes");
            const tsc = await new Promise<{ code: number; out: string }>((resolve) => execFile(process.execPath,
                [path.join(project, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", project], (err, stdout) => resolve({ code: err ? 1 : 0, out: stdout })));
            assert.strictEqual(tsc.code, 1);
            assert.match(tsc.out, /index\.ts\(\d+,\d+\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
        } finally {
            fs.writeFileSync(index, committed);
        }
    });

    it("7. preview --policy-pack policy with a config listing the sandbox's node address passes every policy", async () => {
        const staging = JSON.parse(fs.readFileSync(path.join(project, "policy", "config", "staging.json"), "utf8")) as Record<string, Record<string, unknown>>;
        const passing = path.join(tmp, "policy-sandbox.json");
        fs.writeFileSync(passing, JSON.stringify({ ...staging, "payload-url-https": { ...staging["payload-url-https"], nodeAddresses: ["127.0.0.1"] } }));
        const res = await ok("preview --policy-pack (passes)", "preview", "--policy-pack", "policy", "--policy-pack-config", passing);
        assert.match(res.stdout, /Policies:\n\s+✅ flux-push@v0\.1\.0 \(local: policy\)/);
    });

    it("8. the committed staging policy config does not list the sandbox's address: payload-url-https refuses its http payload URL", async () => {
        const res = await pulumi("preview --policy-pack (fails)", "preview", "--policy-pack", "policy", "--policy-pack-config", path.join("policy", "config", "staging.json"));
        assert.notStrictEqual(res.code, 0, all(res));
        assert.match(res.stdout, /\[mandatory\] {2}payload-url-https/);
        assert.match(res.stdout, /webhook on instavote posts to plain http \(http:\/\/127\.0\.0\.1:31234\) but 127\.0\.0\.1 is not where this stack serves the receiver: NodePort 31234 of flux-system\/webhook-receiver, on a node address in payload-url-https nodeAddresses \(203\.0\.113\.10\); add the node's address there if it is one, or use exposure ingress/);
        assert.ok(!all(res).includes(outputs.repositories.instavote.webhookPath), "the message names the origin, never the path");
    });

    it("9. a bad config value: one clean message naming the setting, a non-zero exit, no stack trace, nothing changed", async () => {
        await ok("config set (bad)", "config", "set", "exposure", "nodeport");
        const res = await pulumi("preview (bad config)", "preview");
        assert.notStrictEqual(res.code, 0);
        const text = all(res);
        const message = /"nodeport" is not an exposure mode; allowed: patch-nodeport, nodeport-service, loadbalancer, ingress, gateway, url/g;
        assert.strictEqual(text.match(message)?.length, 1, text);
        assert.doesNotMatch(text, /^\s+at .+\(.*:\d+:\d+\)$/m, "no stack trace");
        assert.doesNotMatch(text, /Program exited with non-zero exit code/, "the program bailed with its own message (exit 32)");
        await ok("config rm", "config", "rm", "exposure");
        await ok("preview --expect-no-changes (again)", "preview", "--expect-no-changes");
    });

    it("10. destroy removes everything the stack made: the hook, the Receiver, the Secret; Flux's Service is ClusterIP again", async () => {
        const repo = outputs.repositories.instavote;
        await ok("destroy", "destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        assert.strictEqual(await sb.controlPlane.api.get(paths.receiver(ns, repo.receiver)), undefined);
        assert.strictEqual(await sb.controlPlane.api.get(paths.secret(ns, outputs.tokenSecret)), undefined);
        const svc = await sb.controlPlane.api.get<{ spec: { type: string } }>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "ClusterIP");
        await ok("stack rm", "stack", "rm", "--yes", StackName);
        assert.ok(!fs.existsSync(path.join(project, `Pulumi.${StackName}.yaml`)), "stack rm removed the stack file");
    });

    /**
     * A stack made by the project at `ref` (its own copy, same backend), then `up` from the committed
     * project: nothing created, replaced or deleted, the hook and the committed workflow kept.
     * Both triggers on one repository, the workflow committed by the stack.
     */
    async function upgradeFrom(ref: string, name: string, expectUpdated: readonly string[], exactly = false) {
        const before = await copyProject(path.join(tmp, `before-${name}`), ref);
        const inBefore = async (...args: string[]) => {
            const res = await runPulumi(sb.tools.pulumi, before, sb.pulumiEnv, args);
            assert.strictEqual(res.code, 0, `(${ref.slice(0, 7)}) pulumi ${args.join(" ")} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
            return res;
        };
        const config = sandboxConfig(sb, {
            repositories: [{ ...(sandboxConfig(sb)["flux-push:repositories"] as Record<string, unknown>[])[0], triggers: ["webhook", "actions-oidc"] }],
            actionsRunners: [{ job: "sandbox", runsOn: SandboxRunner.labels }],
            actionsWorkflowDelivery: "commit",
            // The older versions' workflow pins an action that does not exist (issue 23): on GitHub, and on
            // the sandbox's Actions stand-in, every job fails at "Set up job", and their proof then crashed
            // the update reading the job's log, in warn mode too. Such a stack can hold no ActionsProof:
            // the check was off (the proof's alias is the unit tests' programActions.test.ts).
            actionsCheck: "off",
        });
        await inBefore("stack", "init", name);
        for (const command of configCommands(config)) await inBefore(...command);
        await inBefore("config", "set", "--secret", "github:token", sb.githubToken);
        await inBefore("up", "--yes", "--skip-preview");
        const [hook] = sb.github.listHooks(SandboxOwner, "instavote");
        const committed = await workflowOnMain();
        assert.ok(committed !== undefined, `the version at ${ref.slice(0, 7)} committed ${WorkflowPath}`);
        const headBefore = await mainHead();

        fs.copyFileSync(path.join(before, `Pulumi.${name}.yaml`), path.join(project, `Pulumi.${name}.yaml`));
        await ok(`stack select (${name})`, "stack", "select", name);
        const preview = JSON.parse((await ok(`preview (${name})`, "preview", "--json")).stdout) as { steps: { op: string; urn: string }[] };
        const steps = preview.steps.filter((st) => st.op !== "same" && !st.urn.includes("::pulumi:providers:")).map((st) => `${st.op} ${typeOfUrn(st.urn)}::${st.urn.split("::").pop()}`).sort();
        const all = JSON.stringify(preview.steps.map((st) => [st.op, st.urn]));
        assert.deepStrictEqual(steps.filter((st) => !st.startsWith("update ")), [], `nothing created, replaced or deleted: ${all}`);
        for (const u of expectUpdated) assert.ok(steps.includes(`update ${u}`), `${u} is updated in place (its former state dropped): ${all}`);
        if (exactly) assert.deepStrictEqual(preview.steps.filter((st) => st.op !== "same" && !expectUpdated.some((u) => st.urn.endsWith(`${u.split("::")[0]}::${u.split("::")[1]}`))).map((st) => `${st.op} ${st.urn}`), [], `only these change, providers included: ${all}`);
        await ok(`up (${name})`, "up", "--yes", "--skip-preview");
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote").map((h) => h.id), [hook.id], "the same hook, not a new one");
        // The workflow was never removed: on every commit since, the file is there; what changed is only a pinned action.
        for (const sha of await commitsSince(headBefore)) assert.ok(await fileAt(sha, WorkflowPath) !== undefined, `${WorkflowPath} is missing at ${sha}: the upgrade deleted it`);
        const now = await workflowOnMain();
        assert.deepStrictEqual(changedLines(committed!, now ?? ""), changedLines(committed!, now ?? "").filter((l) => /^\s*-?\s*uses: /.test(l)), "only `uses:` lines differ");
        const upgraded = JSON.parse(fs.readFileSync(stateFile(name), "utf8")) as State;
        const left = upgraded.checkpoint.latest.resources;
        assert.deepStrictEqual(left.filter((r) => "__provider" in (r.inputs ?? {}) || "__provider" in (r.outputs ?? {}) || r.type.startsWith("pulumi-nodejs:") || r.type === "pulumi:providers:pulumi-nodejs").map((r) => r.urn), [], "no code left in state");
        for (const r of left.filter((x) => x.type.startsWith(`${ProviderPackage}:index:`) && x.type !== ResourceTypes.payloadUrlProbe)) {
            assert.ok(!("token" in (r.inputs ?? {})) && !("token" in (r.outputs ?? {})), `${r.urn} still keeps a GitHub token`);
        }
        assert.strictEqual(left.find((r) => r.type === ResourceTypes.webhookPing)?.outputs?.result, "accepted", "the delivery check's result is kept");
        await ok(`preview --expect-no-changes (${name})`, "preview", "--expect-no-changes");
        await ok(`destroy (${name})`, "destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        assert.strictEqual(await workflowOnMain(), undefined, "destroy removes the workflow the stack committed");
        await ok(`stack rm (${name})`, "stack", "rm", "--yes", name);
    }

    it("11. a stack made while the program's own resources were dynamic providers (both triggers, the workflow committed) upgrades in one `up`: its four are updated in place, the hook and the workflow stay", async function () {
        if (!(await hasCommit(DynamicProvidersRef))) {
            console.log(`      (skipped: this clone's history lacks ${DynamicProvidersRef}; a full clone runs it)`);
            this.skip();
        }
        await upgradeFrom(DynamicProvidersRef, "upgrade-dynamic", [
            `${ResourceTypes.hookCapacity}::instavote-hook-capacity`, `${ResourceTypes.webhookPing}::instavote-ping`, `${ResourceTypes.payloadUrlProbe}::instavote-probe`,
            `${ResourceTypes.workflowFile}::instavote-workflow-file`,
        ]);
    });

    it("12. a stack made while the plugin's resources kept the GitHub token they were created with upgrades in one `up`: they move to the plugin's provider, nothing replaced, the committed workflow kept", async function () {
        if (!(await hasCommit(PluginDefaultProviderRef))) {
            console.log(`      (skipped: this clone's history lacks ${PluginDefaultProviderRef}; a full clone runs it)`);
            this.skip();
        }
        await upgradeFrom(PluginDefaultProviderRef, "upgrade-plugin", [`${ResourceTypes.workflowFile}::instavote-workflow-file`]);
    });

    it("13. a stack made while Pulumi.yaml loaded the plugin through plugins.providers (compiled at every start) takes the package (packages:, compiled ahead) with no change but the committed workflow's pinned action", async function () {
        if (!(await hasCommit(PluginOverrideRef))) {
            console.log(`      (skipped: this clone's history lacks ${PluginOverrideRef}; a full clone runs it)`);
            this.skip();
        }
        // That version pinned fluxcd/flux2/action to a commit that does not exist (issue 23): the
        // workflow it committed is updated in place to the release pin, and nothing else changes.
        await upgradeFrom(PluginOverrideRef, "upgrade-override", [`${ResourceTypes.workflowFile}::instavote-workflow-file`], true);
    });
});
