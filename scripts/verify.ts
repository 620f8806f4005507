// Scheduled verification of a stack's push path, as the verify workflow runs it. Three steps, each
// writing JSON the next one reads, so a failing step still leaves a report behind:
//
//   verify.ts webhooks --stack S --outputs repositories.json --out webhooks.json
//       reads each hook's recent deliveries from GitHub (GITHUB_TOKEN) at the stack's github:baseUrl
//       (Pulumi.<stack>.yaml; the runner's GITHUB_API_URL only when the stack sets none)
//   verify.ts drift --exit-code N --preview preview.json --out drift.json
//       judges `pulumi preview --refresh --expect-no-changes --json`; exits 0 clean, 1 changes, 2 error
//   verify.ts report --stack S --webhooks webhooks.json --drift drift.json --run-url URL --out-dir DIR
//       writes report.json and the issue texts; exits 1 unless everything passed
//
// Run with the repository's ts-node: `npx ts-node --transpile-only scripts/verify.ts ...`.
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import { DefaultRule, DeliveryRule, describeReason, describeResponse, judgeDeliveries } from "./verify/deliveries";
import { DriftVerdict, judgePreview } from "./verify/drift";
import { fetchDeliveries, GitHubApiError } from "./verify/github";
import { buildReport, changedComment, DriftCheck, HookResult, issueBody, issueTitle, Report, resolvedComment, summaryLine, WebhookCheck } from "./verify/report";
import { hookTargets, readStackFile } from "./verify/targets";
import { resolveGitHubBase } from "../lib/github";

const root = path.resolve(__dirname, "..");

function args(argv: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (!a.startsWith("--")) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
        const v = argv[i + 1];
        if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
        out.set(a.slice(2), v);
        i++;
    }
    return out;
}

function need(a: Map<string, string>, k: string): string {
    const v = a.get(k);
    if (v === undefined || v === "") throw new Error(`--${k} is required`);
    return v;
}

function readJson<T>(file: string | undefined): T | undefined {
    if (file === undefined || !fs.existsSync(file) || fs.statSync(file).size === 0) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

function rule(a: Map<string, string>): DeliveryRule {
    const n = (k: string, d: number) => (a.has(k) ? Number(a.get(k)) : d);
    return { windowHours: n("window-hours", DefaultRule.windowHours), sample: n("sample", DefaultRule.sample), maxFailures: n("max-failures", DefaultRule.maxFailures) };
}

/**
 * Checks every hook of the stack on the GitHub the stack uses: its `github:baseUrl`, resolved as the
 * program resolves it (a GHES stack is never checked against api.github.com); the runner's
 * GITHUB_API_URL only when the stack file sets none. API errors become per-hook results, never a crash.
 */
export async function checkWebhooks(o: { stack: string; outputsJson: string; root: string; runnerApiUrl: string | undefined; token: string; now: number; rule: DeliveryRule; fetchImpl?: typeof fetch }): Promise<WebhookCheck> {
    const stackFile = readStackFile(o.root, o.stack);
    const base = stackFile.baseUrl !== undefined
        ? resolveGitHubBase(stackFile.baseUrl, `Pulumi.${o.stack}.yaml github:baseUrl`)
        : resolveGitHubBase(o.runnerApiUrl, "GITHUB_API_URL (the stack file sets no github:baseUrl)");
    if (!base.ok) return { status: "checked", rule: o.rule, hooks: [], problems: [{ name: "(stack file)", problem: base.problem }] };
    const targets = hookTargets(o.outputsJson, stackFile);
    const hooks: HookResult[] = [];
    for (const target of targets.hooks) {
        try {
            const deliveries = await fetchDeliveries(base.restBase, o.token, target, o.fetchImpl);
            hooks.push({ target, verdict: judgeDeliveries(deliveries, o.now, o.rule) });
        } catch (e) {
            hooks.push({ target, error: e instanceof GitHubApiError ? e.message : `could not reach GitHub: ${(e as Error).message}` });
        }
    }
    return { status: "checked", rule: o.rule, hooks, problems: targets.problems, webOrigin: base.webOrigin };
}

function printWebhooks(w: WebhookCheck): void {
    if (w.status === "not-run") return console.log(`webhook deliveries: not checked: ${w.why}`);
    for (const p of w.problems) console.log(`FAIL ${p.name}: ${p.problem}`);
    for (const h of w.hooks) {
        const label = `${h.target.owner}/${h.target.repository} hook ${h.target.hookId} (${h.target.name})`;
        if ("error" in h) console.log(`FAIL ${label}: ${h.error}`);
        else if (h.verdict.ok) console.log(`ok   ${label}: ${h.verdict.inWindow} deliveries in the window${h.verdict.recent[0] ? `, latest ${describeResponse(h.verdict.recent[0])}` : ""}`);
        else console.log(`FAIL ${label}: ${h.verdict.reasons.map(describeReason).join("; ")}`);
    }
}

/** Writes name<<DELIM ... DELIM to $GITHUB_OUTPUT, with a delimiter the value cannot contain. */
function setOutput(name: string, value: string): void {
    const file = process.env.GITHUB_OUTPUT;
    if (!file) return;
    let delim: string;
    do delim = `EOF_${randomBytes(12).toString("hex")}`;
    while (value.includes(delim));
    fs.appendFileSync(file, `${name}<<${delim}\n${value}\n${delim}\n`);
}

export async function main(argv: readonly string[]): Promise<number> {
    const [command, ...rest] = argv;
    const a = args(rest);
    switch (command) {
        case "webhooks": {
            const token = process.env.GITHUB_TOKEN ?? "";
            const out = need(a, "out");
            let check: WebhookCheck;
            if (token === "") check = { status: "not-run", why: "no GitHub token (the GitHub App: FLUX_PUSH_APP_CLIENT_ID and FLUX_PUSH_APP_PRIVATE_KEY; or FLUX_PUSH_GITHUB_TOKEN, or FLUX_PUSH_GITHUB_TOKEN in the ESC environment)" };
            else {
                const outputs = a.get("outputs");
                const outputsJson = outputs !== undefined && fs.existsSync(outputs) ? fs.readFileSync(outputs, "utf8") : "";
                check = await checkWebhooks({ stack: need(a, "stack"), outputsJson, root: a.get("root") ?? root, runnerApiUrl: process.env.GITHUB_API_URL || undefined, token, now: Date.now(), rule: rule(a) });
            }
            fs.writeFileSync(out, JSON.stringify(check, null, 2));
            printWebhooks(check);
            return 0;
        }
        case "drift": {
            const exitCode = Number(need(a, "exit-code"));
            const preview = a.get("preview");
            const stdout = preview !== undefined && fs.existsSync(preview) ? fs.readFileSync(preview, "utf8") : "";
            const verdict = judgePreview(exitCode, stdout);
            fs.writeFileSync(need(a, "out"), JSON.stringify(verdict, null, 2));
            if (verdict.status === "changes") for (const c of verdict.changes) console.log(`${c.op} ${c.urn}${c.keys.length ? ` [${c.keys.join(", ")}]` : ""}`);
            console.log(`drift: ${verdict.status}${verdict.status === "error" ? ` (exit ${verdict.exitCode}: ${verdict.detail})` : ""}`);
            return verdict.status === "clean" ? 0 : verdict.status === "changes" ? 1 : 2;
        }
        case "report": {
            const stack = need(a, "stack");
            const dir = need(a, "out-dir");
            fs.mkdirSync(dir, { recursive: true });
            const webhooks: WebhookCheck = readJson<WebhookCheck>(a.get("webhooks")) ?? { status: "not-run", why: "the step did not run (an earlier step failed: credentials, login or stack outputs)" };
            const drift: DriftCheck = readJson<DriftVerdict>(a.get("drift")) ?? { status: "not-run", why: "the step did not run (an earlier step failed)" };
            const report: Report = buildReport({ stack, checkedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"), runUrl: need(a, "run-url"), webhooks, drift });
            const texts: Record<string, string> = {
                title: issueTitle(stack),
                body: issueBody(report),
                changed: changedComment(report, false),
                reopened: changedComment(report, true),
                resolved: resolvedComment(report),
            };
            fs.writeFileSync(path.join(dir, "report.json"), JSON.stringify(report, null, 2));
            for (const [k, v] of Object.entries(texts)) fs.writeFileSync(path.join(dir, `${k}.md`), v);
            setOutput("ok", String(report.ok));
            setOutput("signature", report.signature);
            for (const [k, v] of Object.entries(texts)) setOutput(k, v);
            if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${report.ok ? summaryLine(report) : texts.body}\n`);
            console.log(summaryLine(report));
            return report.ok ? 0 : 1;
        }
        default:
            throw new Error(`usage: verify.ts webhooks|drift|report --flag value ... (got ${JSON.stringify(command)})`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: Error) => {
            console.error(`verify.ts: ${e.message}`);
            process.exit(3);
        },
    );
}
