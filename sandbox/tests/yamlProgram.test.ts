// The stack as a component from another language: a Pulumi YAML program declares
// flux-push-github:PushReconciliation (Pulumi.yaml `packages:` pointing at the committed project's
// package, plugin/) and runs through Pulumi's real YAML language host (pulumi-language-yaml
// v1.25.0, built by build.sh from its module) and the sandbox's real CLI. The engine starts the
// package's plugin through the Node language host (the sandbox's stand-in) and asks it to construct
// the component; its children are the stack's own resources, against the sandbox (real engine,
// kubernetes provider, API server, Flux 2.9; stand-ins for random/github, GitHub's API, the Git
// host, kube-proxy, the Node language host). The checks run in order on one stack.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { ComponentTypes, ProviderPackage } from "../../resources/lifecycle";
import { paths } from "../cluster/kubeApi";
import { waitFor } from "../cluster/processes";
import { Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxSettings } from "../stack";
import { Clone, voteDeployment } from "../standins/gitServer";
import { kubernetesProviderProvenance, languageYamlPath } from "../toolchain";
import { CliResult, copyProject, runPulumi } from "../userPath";

interface Condition { type: string; status: string }
interface RepositoryOutputs { payloadUrl: string; webhookPath: string; webhookId: string; receiver: string; gitRepository: string; deliveryCheck: { mode: string; ok?: boolean; statusCode?: number } }
interface Outputs { namespace: string; tokenSecret: string; exposure: { mode: string }; repositories: Record<string, RepositoryOutputs>; webhookPath: string; payloadUrl: string }
interface Schema { resources: Record<string, { isComponent?: boolean; description?: string; inputProperties: Record<string, { description?: string; secret?: boolean }>; requiredInputs?: string[] }> }

const ns = "flux-system";
const StackName = "yaml";
const ready = (c?: Condition[]) => c?.find((x) => x.type === "Ready")?.status === "True";

describe("a Pulumi YAML program declaring the stack as a component (the real YAML language host)", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let tmp: string;
    let project: string;
    let program: string;
    let env: Record<string, string>;
    let outputs: Outputs;
    const timings: Record<string, number> = {};

    const pulumi = async (what: string, cwd: string, ...args: string[]): Promise<CliResult> => {
        const res = await runPulumi(sb.tools.pulumi, cwd, env, args);
        timings[what] = Math.round(res.seconds * 100) / 100;
        return res;
    };
    const ok = async (what: string, ...args: string[]) => {
        const res = await pulumi(what, program, ...args);
        assert.strictEqual(res.code, 0, `pulumi ${args.join(" ")} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
        return res;
    };
    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);
    const appliedRevision = async () => (await get<{ status?: { lastAppliedRevision?: string } }>(paths.kustomization(ns, "vote-staging")))?.status?.lastAppliedRevision ?? "";

    /** The YAML program: the component with the sandbox's settings, its outputs exported. */
    const programFile = (properties: Record<string, unknown>) => stringify({
        name: "flux-push-yaml",
        runtime: "yaml",
        description: "flux-push's stack as a component, from Pulumi YAML",
        packages: { [ProviderPackage]: path.join(project, "plugin") },
        resources: { flux: { type: `${ProviderPackage}:PushReconciliation`, properties } },
        outputs: {
            namespace: "${flux.namespace}", tokenSecret: "${flux.tokenSecret}", exposure: "${flux.exposure}", repositories: "${flux.repositories}",
            // The secret leaves, exported one by one (the whole map shows them as {}: check 4).
            webhookPath: "${flux.repositories.instavote.webhookPath}", payloadUrl: "${flux.repositories.instavote.payloadUrl}",
        },
    });
    // The component's inputs: the sandbox stack's settings.
    const properties = () => sandboxSettings(sb);

    before(async function () {
        this.timeout(5 * 60 * 1000);
        const yamlHost = languageYamlPath();
        if (!fs.existsSync(yamlHost)) throw new Error(`${yamlHost} is not built: run bash sandbox/toolchain/build.sh pulumi-language-yaml`);
        sb = await startSandbox({ quiet: true });
        env = { ...sb.pulumiEnv, PATH: `${path.dirname(yamlHost)}${path.delimiter}${sb.pulumiEnv.PATH}` };
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flux-push-yaml-"));
        project = await copyProject(path.join(tmp, "project"));
        program = path.join(tmp, "program");
        fs.mkdirSync(program);
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), programFile(properties()));
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        console.log(`      timings (s): ${JSON.stringify(timings)}`);
        console.log(`      ${kubernetesProviderProvenance()}`);
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
        await sb?.stop();
    });

    it("1. `pulumi package get-schema` of the project shows the component, every input documented, the token secret", async () => {
        const res = await pulumi("package get-schema", project, "package", "get-schema", ProviderPackage);
        assert.strictEqual(res.code, 0, res.stderr);
        const component = (JSON.parse(res.stdout) as Schema).resources[ComponentTypes.pushReconciliation];
        assert.strictEqual(component?.isComponent, true);
        const undocumented = Object.entries(component.inputProperties).filter(([, p]) => !p.description).map(([k]) => k);
        assert.deepStrictEqual(undocumented, []);
        assert.ok(Object.keys(component.inputProperties).length >= 30, Object.keys(component.inputProperties).join(", "));
        assert.strictEqual(component.inputProperties.commitStatusToken.secret, true);
    });

    it("2. stack init and the consuming stack's own GitHub and cluster settings (the token with --secret)", async () => {
        await ok("stack init", "stack", "init", StackName);
        await ok("config set", "config", "set", "github:owner", SandboxOwner);
        await ok("config set", "config", "set", "github:baseUrl", sb.github.url);
        await ok("config set", "config", "set", "kubernetes:kubeconfig", sb.controlPlane.kubeconfig);
        await ok("config set --secret", "config", "set", "--secret", "github:token", sb.githubToken);
    });

    it("3. a bad input: one message naming the component's input and the fix there, a non-zero exit, nothing created", async () => {
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), programFile({ ...properties(), exposure: "nodeport" }));
        const res = await pulumi("up (bad input)", program, "up", "--yes", "--skip-preview");
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), programFile(properties()));
        assert.notStrictEqual(res.code, 0);
        const text = `${res.stdout}\n${res.stderr}`;
        assert.match(text, /invalid PushReconciliation inputs \(1 problem\); nothing was changed:/);
        assert.match(text, /PushReconciliation input exposure: "nodeport" is not an exposure mode; allowed: patch-nodeport, .* \(e\.g\. `exposure: patch-nodeport` in the PushReconciliation inputs\)/);
        assert.doesNotMatch(text, /flux-push:exposure|pulumi config set exposure/);
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        assert.strictEqual(await get(paths.namespace("instavote")), undefined);
    });

    it("4. up: the component's children are the stack's resources; a Ready Receiver at the computed path, the hook, and the delivery check's 200", async () => {
        const res = await ok("up", "up", "--yes", "--skip-preview");
        assert.match(res.stdout, /Resources:\n\s+\+ \d+ created/);
        outputs = JSON.parse((await ok("stack output", "stack", "output", "--json", "--show-secrets")).stdout) as Outputs;
        const repo = outputs.repositories.instavote;
        assert.strictEqual(outputs.namespace, ns);
        assert.strictEqual(outputs.exposure.mode, "patch-nodeport");
        const receiver = await get<{ status?: { webhookPath?: string; conditions?: Condition[] } }>(paths.receiver(ns, repo.receiver));
        assert.ok(ready(receiver?.status?.conditions), JSON.stringify(receiver?.status));
        assert.strictEqual(receiver?.status?.webhookPath, outputs.webhookPath, "the secret leaf, exported on its own");
        assert.strictEqual(outputs.payloadUrl, `http://127.0.0.1:31234${outputs.webhookPath}`);
        // What the YAML host (v1.25.0) makes of the secret values inside the exported map: recorded, not required.
        console.log(`      repositories.instavote.webhookPath as the whole map exports it: ${JSON.stringify(repo.webhookPath)}`);
        const [hook, ...more] = sb.github.listHooks(SandboxOwner, "instavote");
        assert.deepStrictEqual(more, []);
        assert.strictEqual(String(hook.id), repo.webhookId);
        assert.strictEqual(hook.config.url, outputs.payloadUrl);
        assert.deepStrictEqual({ mode: repo.deliveryCheck.mode, ok: repo.deliveryCheck.ok, statusCode: repo.deliveryCheck.statusCode }, { mode: "fail", ok: true, statusCode: 200 }, "the delivery check");
        const exported = JSON.parse((await ok("stack export", "stack", "export")).stdout) as { deployment: { resources: { urn: string; type: string; parent?: string; outputs?: { repositories?: Record<string, Record<string, unknown>> } }[] } };
        const component = exported.deployment.resources.find((r) => r.type === ComponentTypes.pushReconciliation);
        assert.ok(component, "the component is in the state");
        console.log(`      the component's state: repositories.instavote.webhookPath = ${JSON.stringify(component.outputs?.repositories?.instavote?.webhookPath)?.slice(0, 120)}`);
        const receivers = exported.deployment.resources.filter((r) => r.type === "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver");
        assert.strictEqual(receivers.length, 1);
        assert.ok(receivers[0].urn.includes(`${ComponentTypes.pushReconciliation}$`), `${receivers[0].urn} is under the component`);
    });

    it("5. a push applied: replicas 2 -> 5, pushed and delivered, Flux applies exactly that commit", async () => {
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote-yaml"));
        await waitFor("the vote Deployment at 2 replicas", async () => (await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote")))?.spec.replicas === 2 ? true : undefined, 60000);
        const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(5) }, "vote: 5 replicas");
        const started = Date.now();
        const deliveries = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after, message: "vote: 5 replicas" });
        assert.deepStrictEqual(deliveries.map((d) => d.statusCode), [200]);
        await waitFor(`vote at 5 replicas from ${after}`, async () => {
            const dep = await get<{ spec: { replicas: number } }>(paths.deployment("instavote", "vote"));
            return (await appliedRevision()).endsWith(after) && dep?.spec.replicas === 5 ? true : undefined;
        }, 60000, 50);
        timings["push -> applied"] = (Date.now() - started) / 1000;
    });

    it("6. preview --expect-no-changes right after up passes", async () => {
        await ok("preview --expect-no-changes", "preview", "--expect-no-changes");
    });

    it("7. destroy removes what the component made: the hook, the Receiver, the Secret; Flux's Service is ClusterIP again", async () => {
        const repo = outputs.repositories.instavote;
        await ok("destroy", "destroy", "--yes", "--skip-preview");
        assert.deepStrictEqual(sb.github.listHooks(SandboxOwner, "instavote"), []);
        assert.strictEqual(await get(paths.receiver(ns, repo.receiver)), undefined);
        assert.strictEqual(await get(paths.secret(ns, outputs.tokenSecret)), undefined);
        const svc = await get<{ spec: { type: string } }>(paths.service(ns, "webhook-receiver"));
        assert.strictEqual(svc?.spec.type, "ClusterIP");
        await ok("stack rm", "stack", "rm", "--yes", StackName);
    });
});
