// The verification report of one stack, and the words the issue uses: its title, its body, the
// comment when what fails changes, and the closing comment. Pure; the workflow only moves text.
import { createHash } from "crypto";
import { hookSettingsUrl } from "../../lib/github";
import { DeliveryRule, describeReason, describeResponse, hint, isSuccess, Verdict } from "./deliveries";
import { DriftVerdict, urnName, urnType } from "./drift";
import { HookTarget, Targets } from "./targets";

export const IssueLabel = "push-path-broken";
/** The issue body carries this marker, so a run can tell whether what fails has changed. */
export const SignatureMarker = "flux-push-verify-signature";

export type HookResult =
    | { readonly target: HookTarget; readonly verdict: Verdict }
    | { readonly target: HookTarget; readonly error: string };

export type WebhookCheck =
    | {
          readonly status: "checked";
          readonly rule: DeliveryRule;
          readonly hooks: readonly HookResult[];
          readonly problems: Targets["problems"];
          /** The web origin of the stack's GitHub (https://github.com, https://NAME.ghe.com, https://HOST), for the links. */
          readonly webOrigin?: string;
      }
    | { readonly status: "not-run"; readonly why: string };

export type DriftCheck = DriftVerdict | { readonly status: "not-run"; readonly why: string };

export interface Report {
    readonly stack: string;
    readonly ok: boolean;
    readonly checkedAt: string;
    readonly runUrl: string;
    readonly webhooks: WebhookCheck;
    readonly drift: DriftCheck;
    /** Identifies *what* fails (not when), so a repeated failure updates the issue quietly. */
    readonly signature: string;
}

function hookFailing(h: HookResult): boolean {
    return "error" in h || !h.verdict.ok;
}

export function webhooksOk(w: WebhookCheck): boolean {
    return w.status === "checked" && w.problems.length === 0 && !w.hooks.some(hookFailing);
}

export function issueTitle(stack: string): string {
    return `Push path broken: ${stack}`;
}

function signatureOf(webhooks: WebhookCheck, drift: DriftCheck): string {
    const hooks =
        webhooks.status === "not-run"
            ? "not-run"
            : [
                  ...webhooks.hooks.filter(hookFailing).map((h) => `${h.target.owner}/${h.target.repository}#${h.target.hookId}:${"error" in h ? "error" : h.verdict.reasons.map((r) => r.kind).join("+")}`),
                  ...webhooks.problems.map((p) => `${p.name}:${p.problem}`),
              ].sort();
    const driftPart = drift.status === "changes" ? drift.changes.map((c) => `${c.op} ${c.urn}`) : drift.status;
    return createHash("sha256").update(JSON.stringify({ hooks, drift: driftPart })).digest("hex").slice(0, 16);
}

export function buildReport(a: { stack: string; checkedAt: string; runUrl: string; webhooks: WebhookCheck; drift: DriftCheck }): Report {
    const ok = webhooksOk(a.webhooks) && a.drift.status === "clean";
    return { ...a, ok, signature: signatureOf(a.webhooks, a.drift) };
}

function hookLabel(t: HookTarget): string {
    return `${t.owner}/${t.repository} hook ${t.hookId} (${t.name})`;
}


const OpSymbol: Record<string, string> = { create: "+", update: "~", delete: "-", replace: "+-", "create-replacement": "++", "delete-replaced": "--", import: "=" };

export function webhookSummary(w: WebhookCheck): string {
    if (w.status === "not-run") return `not checked: ${w.why}`;
    const failing = w.hooks.filter(hookFailing).length + w.problems.length;
    const total = w.hooks.length + w.problems.length;
    return failing === 0 ? `${total === 1 ? "the hook's" : `all ${total} hooks'`} recent deliveries are healthy` : `${failing} of ${total} ${total === 1 ? "hook" : "hooks"} failing`;
}

export function driftSummary(d: DriftCheck): string {
    switch (d.status) {
        case "clean":
            return "no changes";
        case "changes":
            return `${d.changes.length || Object.values(d.summary).reduce((a, b) => a + b, 0)} ${d.changes.length === 1 ? "change" : "changes"} proposed`;
        case "error":
            return `could not run (exit ${d.exitCode}): ${d.detail}`;
        case "not-run":
            return `not checked: ${d.why}`;
    }
}

/** One line for the job log and the step summary. */
export function summaryLine(r: Report): string {
    return `${r.stack}: ${r.ok ? "OK" : "FAILING"}; webhook deliveries: ${webhookSummary(r.webhooks)}; drift: ${driftSummary(r.drift)}`;
}

function deliveriesTable(v: Verdict): string[] {
    if (v.recent.length === 0) return [];
    return [
        "",
        "| delivered (UTC) | event | response | redelivery |",
        "|---|---|---|---|",
        ...v.recent.map((d) => `| ${d.delivered_at} | ${d.event} | ${isSuccess(d) ? "✅" : "❌"} ${describeResponse(d)} | ${d.redelivery ? "yes" : ""} |`),
    ];
}

function webhookSection(w: WebhookCheck): string[] {
    const out = ["### Webhook deliveries", ""];
    if (w.status === "not-run") return [...out, `Not checked: ${w.why}. Read the job log.`];
    const rule = w.rule;
    out.push(
        `Rule: over each hook's deliveries of the last ${rule.windowHours} h, a hook fails when its latest delivery is not 2xx, ` +
            `or when more than ${rule.maxFailures} of its last ${rule.sample} are not. No delivery in the window is not a failure (no pushes).`,
    );
    for (const p of w.problems) out.push("", `#### ${p.name}: cannot be checked`, "", p.problem);
    for (const h of w.hooks) {
        if ("error" in h) {
            out.push("", `#### ❌ ${hookLabel(h.target)}: could not read its deliveries`, "", h.error);
            continue;
        }
        const v = h.verdict;
        if (v.ok) {
            const note = v.inWindow === 0 ? `no deliveries in the last ${rule.windowHours} h` : `${v.inWindow} ${v.inWindow === 1 ? "delivery" : "deliveries"} in the last ${rule.windowHours} h, latest ${v.recent[0].delivered_at} ${describeResponse(v.recent[0])}`;
            out.push("", `#### ✅ ${hookLabel(h.target)}: ${note}`);
            continue;
        }
        out.push("", `#### ❌ ${hookLabel(h.target)}`, "", ...v.reasons.map((r) => `- ${describeReason(r)}`));
        const latestFailure = v.failures[0];
        if (latestFailure !== undefined) out.push("", `Likely cause: ${hint(latestFailure)}`);
        out.push(...deliveriesTable(v));
        out.push("", `Each delivery's request and response: [the hook's Recent Deliveries](${hookSettingsUrl(w.webOrigin ?? "https://github.com", h.target.owner, h.target.repository, h.target.hookId)}) (repository admins); "Redeliver" there re-sends one after a fix.`);
    }
    return out;
}

const MaxChangesListed = 50;

function driftSection(d: DriftCheck, stack: string): string[] {
    const out = ["### Drift", ""];
    switch (d.status) {
        case "clean":
            return [...out, "`pulumi preview --refresh --expect-no-changes` proposes no changes: the live objects match main."];
        case "not-run":
            return [...out, `Not checked: ${d.why}. Read the job log.`];
        case "error":
            return [...out, `The preview could not run (exit ${d.exitCode}): ${d.detail}. The job log has the CLI's error.`];
        case "changes": {
            const listed = d.changes.slice(0, MaxChangesListed).map((c) => `- \`${OpSymbol[c.op] ?? c.op}\` ${c.op} \`${urnType(c.urn)}\` **${urnName(c.urn)}**${c.keys.length > 0 ? `: ${c.keys.map((k) => `\`${k}\``).join(", ")}` : ""}`);
            const more = d.changes.length > MaxChangesListed ? [`- … and ${d.changes.length - MaxChangesListed} more`] : [];
            const counts = Object.entries(d.summary).map(([op, n]) => `${n} to ${op}`).join(", ");
            return [
                ...out,
                `After refreshing from the cluster and GitHub, \`pulumi preview\` proposes changes${counts ? ` (${counts})` : ""}. Property names only; values stay out of issues:`,
                "",
                ...listed,
                ...more,
                "",
                "Either something changed outside Pulumi (drift: a hook edited or deleted by hand, a Secret or Receiver changed with kubectl), " +
                    "or main holds changes not deployed to this stack yet (for production: a deploy still waiting for approval). " +
                    `See the values with \`pulumi preview --refresh --diff --stack ${stack}\`; \`pulumi up\` restores what main declares, \`pulumi refresh\` accepts the live state instead.`,
            ];
        }
    }
}

/** The issue body: the latest failing report. */
export function issueBody(r: Report): string {
    return [
        `**The push path of \`${r.stack}\` needs attention.** Checked ${r.checkedAt} by [this verify run](${r.runUrl}).`,
        "",
        "| check | result |",
        "|---|---|",
        `| Webhook deliveries | ${webhooksOk(r.webhooks) ? "✅" : "❌"} ${webhookSummary(r.webhooks)} |`,
        `| Drift | ${r.drift.status === "clean" ? "✅" : "❌"} ${driftSummary(r.drift)} |`,
        "",
        ...webhookSection(r.webhooks),
        "",
        ...driftSection(r.drift, r.stack),
        "",
        "### About this issue",
        "",
        `The verify workflow (\`.github/workflows/verify.yml\`) keeps one issue per stack, labelled \`${IssueLabel}\`. ` +
            "Each failing run rewrites this body; it comments when what fails changes, and closes the issue when a run passes. " +
            "Fix the cause (or redeliver after fixing), then re-run verify from the Actions tab to confirm. docs/ci-cd.md#scheduled-verification-verifyyml explains the checks.",
        "",
        `<!-- ${SignatureMarker}: ${r.signature} -->`,
    ].join("\n");
}

/** The comment added when the failure changes (or the issue is reopened). */
export function changedComment(r: Report, reopened: boolean): string {
    return `${reopened ? "Broken again" : "What fails has changed"} (${r.checkedAt}, [run](${r.runUrl})): webhook deliveries: ${webhookSummary(r.webhooks)}; drift: ${driftSummary(r.drift)}. The issue body shows the details.`;
}

/** The comment that closes the issue. */
export function resolvedComment(r: Report): string {
    return `Verification passed (${r.checkedAt}, [run](${r.runUrl})): webhook deliveries: ${webhookSummary(r.webhooks)}; drift: ${driftSummary(r.drift)}. Closing.`;
}

