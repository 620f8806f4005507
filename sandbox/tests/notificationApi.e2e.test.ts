// A stack upgraded across Flux 2.10's API change keeps its commit-status Provider and Alert: on a
// real engine, kubernetes provider and API server. The cluster starts as Flux 2.9 (v1beta3 only);
// then Flux 2.10's Alert and Provider CRDs (generated from notification-controller's api v1.10.0:
// v1 storage, v1beta3 still served) are applied over them, as an upgrade does. Flux 2.9's
// controllers keep running (2.10's notification-controller cannot be had here): they read the
// same objects as v1beta3, which shows the commit statuses still flow after the move.
import * as assert from "assert";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { installFlux210NotificationCrds } from "../cluster/flux";
import { waitFor } from "../cluster/processes";
import { Sandbox, SandboxOwner, startSandbox } from "../sandbox";
import { sandboxConfig, sandboxStack } from "../stack";
import { Clone, voteDeployment } from "../standins/gitServer";

interface FluxObject { apiVersion: string; metadata: { uid: string; creationTimestamp: string; managedFields?: { manager: string; apiVersion: string }[] } }
const ns = "flux-system";
const objectName = "instavote-commit-status";
const group = "notification.toolkit.fluxcd.io";
const objectPath = (version: string, plural: "providers" | "alerts") => `/apis/${group}/${version}/namespaces/${ns}/${plural}/${objectName}`;

describe("sandbox: commit statuses across Flux 2.10's move of Alert and Provider to v1", function () {
    this.timeout(10 * 60 * 1000);
    let sb: Sandbox;
    let stack: Stack;
    const statusToken = "ghp_status" + Math.random().toString(36).slice(2);
    const get = <T>(p: string) => sb.controlPlane.api.get<T>(p);

    /** `up`, with what it printed and each resource step the engine took (op, type, name). */
    const up = async () => {
        const printed: string[] = [];
        const steps: string[] = [];
        const res = await stack.up({
            onOutput: (o) => printed.push(o),
            onEvent: (e: EngineEvent) => {
                const m = e.resourcePreEvent?.metadata;
                if (m && m.op !== "same" && m.op !== "read") steps.push(`${m.op} ${m.type}::${m.urn.split("::").pop()}`);
            },
        });
        assert.strictEqual(res.summary.result, "succeeded");
        return { printed: printed.join(""), steps, changes: res.summary.resourceChanges ?? {} };
    };

    before(async function () {
        this.timeout(5 * 60 * 1000);
        sb = await startSandbox({ quiet: true });
        sb.github.addToken(statusToken, { type: "fine-grained", statuses: "write" });
        stack = (await sandboxStack(sb, "notification-api", sandboxConfig(sb))).stack;
        await stack.setConfig("flux-push:commitStatusToken", { value: statusToken, secret: true });
    });

    after(async function () {
        this.timeout(2 * 60 * 1000);
        await sb?.stop();
    });

    let provider: FluxObject;
    let alert: FluxObject;

    it("1. on Flux 2.9 (v1beta3 only) up writes Provider and Alert as v1beta3 and says so", async () => {
        const { printed } = await up();
        assert.match(printed, /preflight: commit statuses: Provider and Alert as notification\.toolkit\.fluxcd\.io\/v1beta3 \(the cluster serves no v1 Alert and Provider/);
        provider = await get<FluxObject>(objectPath("v1beta3", "providers")) as FluxObject;
        alert = await get<FluxObject>(objectPath("v1beta3", "alerts")) as FluxObject;
        assert.ok(provider?.metadata.uid && alert?.metadata.uid);
        assert.strictEqual(await get(`/apis/${group}/v1`).then((d) => ((d as { resources: { kind: string }[] }).resources ?? []).some((r) => r.kind === "Alert")), false, "Flux 2.9 serves no v1 Alert");
    });

    it("2. after Flux 2.10's CRDs, up moves both to v1 as updates of the same objects: no create, no delete, same uid", async () => {
        await installFlux210NotificationCrds(sb.controlPlane, sb.tools.flux210NotificationCrds);
        const { printed, steps, changes } = await up();
        assert.match(printed, /preflight: commit statuses: Provider and Alert as notification\.toolkit\.fluxcd\.io\/v1 \(the cluster serves them there: Flux 2\.10 or later\)/);
        assert.deepStrictEqual(steps.filter((s) => s.includes(":Provider::") || s.includes(":Alert::")).sort(), [
            `update kubernetes:${group}/v1:Alert::instavote-alert`,
            `update kubernetes:${group}/v1:Provider::instavote-provider`,
        ]);
        assert.strictEqual(changes.create ?? 0, 0, JSON.stringify(changes));
        assert.strictEqual(changes.delete ?? 0, 0, JSON.stringify(changes));
        assert.strictEqual(changes.replace ?? 0, 0, JSON.stringify(changes));
        for (const [before, plural] of [[provider, "providers"], [alert, "alerts"]] as const) {
            const now = await get<FluxObject>(objectPath("v1", plural));
            assert.strictEqual(now?.metadata.uid, before.metadata.uid, `${plural}: the same object`);
            assert.strictEqual(now?.metadata.creationTimestamp, before.metadata.creationTimestamp);
            const pulumiFields = (now?.metadata.managedFields ?? []).filter((f) => f.manager.startsWith("pulumi-kubernetes"));
            assert.deepStrictEqual(pulumiFields.map((f) => f.apiVersion), [`${group}/v1`], `${plural}: the stack now applies it as v1`);
        }
    });

    it("3. a preview right after shows no changes", async () => {
        await stack.preview({ expectNoChanges: true });
    });

    it("4. commit statuses still flow: a pushed commit gets success from Flux 2.9's notification-controller reading the moved objects", async () => {
        const clone = await Clone.open(sb.repositories.instavote, path.join(sb.dir, "work", "instavote-notification-api"));
        const { before, after } = await clone.commitAndPush({ "deploy/vote/staging/vote-deployment.yaml": voteDeployment(3) }, "vote: 3 replicas");
        const deliveries = await sb.github.deliverPush(SandboxOwner, "instavote", { before, after, message: "vote: 3 replicas" });
        assert.deepStrictEqual(deliveries.map((d) => d.statusCode), [200]);
        const status = await waitFor(`a success status on ${after}`, async () => sb.github.listStatuses(SandboxOwner, "instavote", after).find((x) => x.state === "success"), 60000, 100);
        assert.match(status.context, /^kustomization\/vote-staging/);
    });

    it("5. destroy deletes them (under v1)", async () => {
        await stack.destroy();
        assert.strictEqual(await get(objectPath("v1", "providers")), undefined);
        assert.strictEqual(await get(objectPath("v1", "alerts")), undefined);
    });
});
