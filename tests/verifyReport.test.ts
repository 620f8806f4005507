// The report and the issue's words (scripts/verify/report.ts): what the issue says, and the
// signature that decides between a quiet update and a comment.
import * as assert from "assert";
import { DefaultRule, Delivery, judgeDeliveries } from "../scripts/verify/deliveries";
import { DriftCheck, HookResult, IssueLabel, SignatureMarker, WebhookCheck, buildReport, changedComment, issueBody, issueTitle, resolvedComment, summaryLine } from "../scripts/verify/report";
import { HookTarget } from "../scripts/verify/targets";

const now = Date.parse("2026-06-01T12:00:00Z");
const target: HookTarget = { name: "instavote", owner: "example-org", repository: "instavote", hookId: 501234567 };
const delivery = (id: number, status_code: number, at = "2026-06-01T11:00:00Z"): Delivery => ({ id, delivered_at: at, status_code, status: status_code === 200 ? "OK" : `Invalid HTTP Response: ${status_code}`, event: "push", redelivery: false });

const good: HookResult = { target, verdict: judgeDeliveries([delivery(1, 200)], now) };
const broken: HookResult = { target, verdict: judgeDeliveries([delivery(1, 200, "2026-06-01T10:00:00Z"), delivery(2, 404)], now) };
const checked = (...hooks: HookResult[]): WebhookCheck & { status: "checked" } => ({ status: "checked", rule: DefaultRule, hooks, problems: [] });
const hookUrn = "urn:pulumi:staging::flux-push::flux-push:index:PushReceiver$github:index/repositoryWebhook:RepositoryWebhook::instavote-webhook";
const drifted: DriftCheck = { status: "changes", changes: [{ op: "update", urn: hookUrn, keys: ["active"] }], summary: { update: 1 } };

const report = (webhooks: WebhookCheck, drift: DriftCheck, checkedAt = "2026-06-01T12:00:00Z", runUrl = "https://github.com/o/r/actions/runs/1") => buildReport({ stack: "staging", checkedAt, runUrl, webhooks, drift });

describe("verify report: pass or fail", () => {
    it("passes only when every hook is healthy and the preview is clean", () => {
        assert.strictEqual(report(checked(good), { status: "clean" }).ok, true);
        assert.strictEqual(report(checked(good, broken), { status: "clean" }).ok, false);
        assert.strictEqual(report(checked(good), drifted).ok, false);
        assert.strictEqual(report(checked(good), { status: "error", exitCode: 255, detail: "x" }).ok, false);
        assert.strictEqual(report(checked(good), { status: "not-run", why: "x" }).ok, false);
        assert.strictEqual(report({ status: "not-run", why: "no token" }, { status: "clean" }).ok, false);
        assert.strictEqual(report({ ...checked(good), problems: [{ name: "(outputs)", problem: "p" }] }, { status: "clean" }).ok, false);
        assert.strictEqual(report(checked({ target, error: "GitHub rejected the token (401)" }), { status: "clean" }).ok, false);
    });

    it("passes a stack whose hooks had no deliveries in the window", () => {
        assert.strictEqual(report(checked({ target, verdict: judgeDeliveries([], now) }), { status: "clean" }).ok, true);
    });
});

describe("verify report: the signature", () => {
    it("ignores when and which run: the same failure tomorrow has the same signature", () => {
        assert.strictEqual(report(checked(broken), drifted).signature, report(checked(broken), drifted, "2026-06-02T00:00:00Z", "https://github.com/o/r/actions/runs/2").signature);
        assert.match(report(checked(broken), drifted).signature, /^[0-9a-f]{16}$/);
    });

    it("changes when what fails changes", () => {
        const sigs = new Set([
            report(checked(broken), { status: "clean" }).signature,
            report(checked(good), drifted).signature,
            report(checked(broken), drifted).signature,
            report(checked(broken), { ...drifted, changes: [{ op: "delete", urn: hookUrn, keys: [] }] } as DriftCheck).signature,
            report(checked({ target: { ...target, hookId: 7 }, verdict: broken.verdict }), { status: "clean" }).signature,
            report(checked({ target, error: "401" }), { status: "clean" }).signature,
        ]);
        assert.strictEqual(sigs.size, 6);
    });
});

describe("verify report: the issue's words", () => {
    it("titles the issue with the stack's name, one title per stack", () => {
        assert.strictEqual(issueTitle("production"), "Push path broken: production");
        assert.strictEqual(IssueLabel, "push-path-broken");
    });

    it("says what failed, where to look, and carries the signature", () => {
        const r = report(checked(broken), drifted);
        const body = issueBody(r);
        assert.ok(body.startsWith("**The push path of `staging` needs attention.** Checked 2026-06-01T12:00:00Z by [this verify run](https://github.com/o/r/actions/runs/1)."), body);
        assert.ok(body.includes("| Webhook deliveries | ❌ 1 of 1 hook failing |"));
        assert.ok(body.includes("| Drift | ❌ 1 change proposed |"));
        assert.ok(body.includes("#### ❌ example-org/instavote hook 501234567 (instavote)"));
        assert.ok(body.includes("- the latest delivery (push, 2026-06-01T11:00:00Z) got 404 (Invalid HTTP Response: 404)"));
        assert.ok(body.includes("Likely cause: 404: nothing serves that path."));
        assert.ok(body.includes("| 2026-06-01T11:00:00Z | push | ❌ 404 (Invalid HTTP Response: 404) |  |"));
        assert.ok(body.includes("](https://github.com/example-org/instavote/settings/hooks/501234567)"));
        assert.ok(body.includes("- `~` update `github:index/repositoryWebhook:RepositoryWebhook` **instavote-webhook**: `active`"));
        assert.ok(body.includes("`pulumi preview --refresh --diff --stack staging`"));
        assert.ok(body.endsWith(`<!-- ${SignatureMarker}: ${r.signature} -->`));
    });

    it("shows a healthy hook in one line and a clean preview as such", () => {
        const body = issueBody(report(checked(good), { status: "error", exitCode: 3, detail: "no preview was produced (login, stack selection, config or program error)" }));
        assert.ok(body.includes("#### ✅ example-org/instavote hook 501234567 (instavote): 1 delivery in the last 24 h, latest 2026-06-01T11:00:00Z 200 (OK)"));
        assert.ok(body.includes("| Drift | ❌ could not run (exit 3): no preview was produced (login, stack selection, config or program error) |"));
    });

    it("says why a check did not run", () => {
        const body = issueBody(report({ status: "not-run", why: "the step did not run" }, { status: "not-run", why: "the step did not run" }));
        assert.ok(body.includes("| Webhook deliveries | ❌ not checked: the step did not run |"));
        assert.ok(body.includes("Not checked: the step did not run. Read the job log."));
    });

    it("stays bounded when a preview proposes many changes", () => {
        const many: DriftCheck = { status: "changes", changes: Array.from({ length: 80 }, (_, i) => ({ op: "create", urn: `${hookUrn}${i}`, keys: [] })), summary: { create: 80 } };
        const body = issueBody(report(checked(good), many));
        assert.ok(body.includes("- … and 30 more"));
        assert.strictEqual(body.split("\n").filter((l) => l.startsWith("- `+` create")).length, 50);
    });

    it("comments when the failure changes, and when it closes", () => {
        const r = report(checked(broken), { status: "clean" });
        assert.strictEqual(changedComment(r, false), "What fails has changed (2026-06-01T12:00:00Z, [run](https://github.com/o/r/actions/runs/1)): webhook deliveries: 1 of 1 hook failing; drift: no changes. The issue body shows the details.");
        assert.ok(changedComment(r, true).startsWith("Broken again (2026-06-01T12:00:00Z"));
        const ok = report(checked(good), { status: "clean" });
        assert.strictEqual(resolvedComment(ok), "Verification passed (2026-06-01T12:00:00Z, [run](https://github.com/o/r/actions/runs/1)): webhook deliveries: the hook's recent deliveries are healthy; drift: no changes. Closing.");
        assert.strictEqual(summaryLine(ok), "staging: OK; webhook deliveries: the hook's recent deliveries are healthy; drift: no changes");
    });
});
