// Cross-check against Flux's own generators: for the staging stack, the Receiver, GitRepository and
// Kustomization the program declares equal what the flux CLI (v2.9.5, built by the toolchain)
// writes with `flux create ... --export`, but for the fields the program adds on purpose (named
// below); and the webhook path equals the one `flux create secret receiver` computes.
import * as assert from "assert";
import { execFile } from "child_process";
import { promisify } from "util";
import { parse } from "yaml";
import { webhookPath } from "../../lib/flux";
import { registered, Registered, resetMocks } from "../../tests/support/mocks";
import { runStack } from "../../tests/support/program";
import { stackConfig } from "../../tests/support/projectConfig";
import { toolchainPaths } from "../toolchain";

const run = promisify(execFile);

interface FluxObject { apiVersion: string; kind: string; metadata: { name: string; namespace: string; annotations?: Record<string, string> }; spec?: Record<string, unknown>; stringData?: Record<string, string> }

/** Go's duration, as Flux prints it (1h0m0s), in seconds; the program writes the config's form (1h). */
function seconds(d: string): number {
    const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
    return [...d.matchAll(/([0-9.]+)(ms|h|m|s)/g)].reduce((t, [, n, u]) => t + Number(n) * unit[u], 0);
}

/** The spec with `interval` as seconds, so 1h and 1h0m0s compare equal. */
function normalized(spec: Record<string, unknown> | undefined): Record<string, unknown> {
    const s = { ...(spec ?? {}) };
    if (typeof s.interval === "string") s.interval = seconds(s.interval);
    return s;
}

describe("the program's Flux objects equal `flux create ... --export` (flux CLI v2.9.5)", function () {
    this.timeout(60000);
    const fluxCli = toolchainPaths().flux;
    let objects: Registered[];
    const find = (kind: string) => {
        const o = objects.find((r) => (r.inputs as { kind?: string }).kind === kind);
        assert.ok(o, `the staging stack declares a ${kind}`);
        return o.inputs as unknown as FluxObject;
    };
    const flux = async (...args: string[]): Promise<FluxObject> => {
        const { stdout } = await run(fluxCli, [...args, "--namespace", "flux-system", "--export"]);
        return parse(stdout) as FluxObject;
    };

    before(async () => {
        await resetMocks();
        await runStack(stackConfig("staging").raw);
        objects = [...registered];
    });

    it("Receiver: equal, but for spec.resourceFilter (the branch filter)", async () => {
        const ours = find("Receiver");
        const theirs = await flux("create", "receiver", ours.metadata.name, "--type", "github", "--event", "ping", "--event", "push",
            "--secret-ref", (ours.spec?.secretRef as { name: string }).name, "--resource", "GitRepository/instavote");
        const { resourceFilter, ...rest } = ours.spec ?? {};
        assert.strictEqual(resourceFilter, "has(req.ref) ? req.ref == 'refs/heads/main' : true", "added on purpose: only pushes to the tracked branch reconcile");
        assert.deepStrictEqual(normalized(rest), normalized(theirs.spec));
        assert.deepStrictEqual(ours.metadata, theirs.metadata);
        assert.strictEqual(ours.apiVersion, theirs.apiVersion);
    });

    it("GitRepository: equal (the interval as Flux prints it)", async () => {
        const ours = find("GitRepository");
        const theirs = await flux("create", "source", "git", "instavote", "--url", String(ours.spec?.url), "--branch", "main", "--interval", String(ours.spec?.interval));
        assert.strictEqual(theirs.spec?.interval, "1h0m0s");
        assert.deepStrictEqual(normalized(ours.spec), normalized(theirs.spec));
        assert.deepStrictEqual(ours.metadata, theirs.metadata);
        assert.strictEqual(ours.apiVersion, theirs.apiVersion);
    });

    it("Kustomization: equal", async () => {
        const ours = find("Kustomization");
        const theirs = await flux("create", "kustomization", "vote-staging", "--source", "GitRepository/instavote", "--path", String(ours.spec?.path),
            "--prune", String(ours.spec?.prune), "--interval", String(ours.spec?.interval), "--target-namespace", String(ours.spec?.targetNamespace));
        assert.deepStrictEqual(normalized(ours.spec), normalized(theirs.spec));
        assert.deepStrictEqual(ours.metadata, theirs.metadata);
        assert.strictEqual(ours.apiVersion, theirs.apiVersion);
    });

    it("the webhook path equals the one `flux create secret receiver` computes for the same token, name and namespace", async () => {
        const receiver = find("Receiver").metadata.name;
        const token = objects.find((r) => r.type === "kubernetes:core/v1:Secret")?.inputs as unknown as FluxObject;
        const secret = await flux("create", "secret", "receiver", receiver, "--type", "github", "--token", String(token.stringData?.token), "--hostname", "203.0.113.10:31234");
        const url = new URL(String(secret.metadata.annotations?.["notification.toolkit.fluxcd.io/webhook"]));
        assert.strictEqual(url.pathname, webhookPath(String(token.stringData?.token), receiver, "flux-system"));
        assert.strictEqual(secret.stringData?.token, token.stringData?.token);
    });
});
