// Judging `pulumi preview --refresh --expect-no-changes --json` (scripts/verify/drift.ts). The digests
// follow the CLI's PreviewDigest shape: steps with op/urn/diffReasons/detailedDiff, changeSummary.
import * as assert from "assert";
import { judgePreview, urnName, urnType } from "../scripts/verify/drift";

const urn = (type: string, name: string, parent = "") => `urn:pulumi:staging::flux-push::${parent ? `${parent}$` : ""}${type}::${name}`;
const hook = urn("github:index/repositoryWebhook:RepositoryWebhook", "instavote-webhook", "flux-push:index:PushReceiver");
const secret = urn("kubernetes:core/v1:Secret", "webhook-token-secret", "flux-push:index:WebhookToken");

function digest(steps: unknown[], changeSummary: Record<string, number>): string {
    return JSON.stringify({ config: {}, steps, diagnostics: [], duration: 123, changeSummary }, null, 2);
}

describe("drift: judging the preview", () => {
    it("exit 0 with only refreshed/same steps: clean", () => {
        const out = digest([{ op: "refresh", urn: hook }, { op: "same", urn: secret }], { same: 2 });
        assert.deepStrictEqual(judgePreview(0, out), { status: "clean" });
    });

    it("exit 7 (expectation not met) with an update: changes, with property names sorted and never values", () => {
        const out = digest(
            [
                { op: "update", urn: hook, diffReasons: ["configuration", "active"], detailedDiff: { active: { kind: "update" }, "configuration.url": { kind: "update" } }, oldState: { outputs: { active: false, note: "visible-old-value" } }, newState: { inputs: { active: true, note: "visible-new-value" } } },
                { op: "refresh", urn: secret },
            ],
            { update: 1, same: 1 },
        );
        const v = judgePreview(7, out);
        assert.deepStrictEqual(v, { status: "changes", changes: [{ op: "update", urn: hook, keys: ["active", "configuration.url"] }], summary: { update: 1 } });
        assert.doesNotMatch(JSON.stringify(v), /visible-(old|new)-value/);
    });

    it("falls back to diffReasons when there is no detailed diff", () => {
        const v = judgePreview(7, digest([{ op: "update", urn: secret, diffReasons: ["data", "data", "metadata"] }], { update: 1 }));
        assert.ok(v.status === "changes");
        assert.deepStrictEqual(v.changes[0].keys, ["data", "metadata"]);
    });

    it("a hook deleted by hand: the refresh drops it, the preview creates it again", () => {
        const v = judgePreview(7, digest([{ op: "create", urn: hook }], { create: 1, same: 9 }));
        assert.deepStrictEqual(v, { status: "changes", changes: [{ op: "create", urn: hook, keys: [] }], summary: { create: 1 } });
    });

    it("an older CLI's exit 255 with changes in the digest is still changes, not an error", () => {
        assert.strictEqual(judgePreview(255, digest([{ op: "delete", urn: secret }], { delete: 1 })).status, "changes");
    });

    it("reads of objects the stack does not own are not changes", () => {
        assert.deepStrictEqual(judgePreview(0, digest([{ op: "read", urn: urn("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "instavote") }], { same: 1 })), { status: "clean" });
    });

    it("changes from the summary alone count (a digest without steps)", () => {
        assert.deepStrictEqual(judgePreview(7, JSON.stringify({ changeSummary: { update: 2, same: 3 } })), { status: "changes", changes: [], summary: { update: 2 } });
    });

    it("lists changes in a stable order (the CLI's step order varies between runs)", () => {
        const a = { op: "update", urn: secret, diffReasons: ["data"] };
        const b = { op: "create", urn: hook };
        assert.deepStrictEqual(judgePreview(7, digest([a, b], { update: 1, create: 1 })), judgePreview(7, digest([b, a], { create: 1, update: 1 })));
    });

    it("no output at all: an error before the preview (login, stack, config)", () => {
        assert.deepStrictEqual(judgePreview(255, ""), { status: "error", exitCode: 255, detail: "no preview was produced (login, stack selection, config or program error)" });
        assert.deepStrictEqual(judgePreview(3, "{}\n").status, "error");
    });

    it("a digest with diagnostics but no changes and a non-zero exit: the preview failed", () => {
        const out = JSON.stringify({ steps: [], diagnostics: [{ severity: "error", message: "boom" }], changeSummary: {} });
        assert.deepStrictEqual(judgePreview(255, out), { status: "error", exitCode: 255, detail: "the preview failed (a provider or program error)" });
    });

    it("exit 7 with unreadable output: an error that says changes were reported", () => {
        assert.deepStrictEqual(judgePreview(7, "not json"), { status: "error", exitCode: 7, detail: "the CLI reported changes, but its output held no readable preview" });
    });
});

describe("drift: URNs", () => {
    it("takes the name and the type, also of a component's child", () => {
        assert.strictEqual(urnName(hook), "instavote-webhook");
        assert.strictEqual(urnType(hook), "github:index/repositoryWebhook:RepositoryWebhook");
        assert.strictEqual(urnType(urn("random:index/randomPassword:RandomPassword", "webhook-token")), "random:index/randomPassword:RandomPassword");
        assert.strictEqual(urnName("not-a-urn"), "not-a-urn");
        assert.strictEqual(urnType("not-a-urn"), "");
    });
});
