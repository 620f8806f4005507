// Verification end to end against the GitHub API stand-in (sandbox/standins/githubApi.ts): real
// HTTP, real deliveries to a local receiver, the real deliveries route, the script's own client;
// then the CLI's three steps as the workflow runs them.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as path from "path";
import { appJwt } from "../lib/githubApp";
import { GitHubApi } from "../sandbox/standins/githubApi";
import { DefaultRule } from "../scripts/verify/deliveries";
import { checkWebhooks, main } from "../scripts/verify";
import { buildReport, issueBody } from "../scripts/verify/report";
import { tempDir } from "./support/tempDir";
import { projectWith } from "./support/verifyProject";

/** A receiver standing in for notification-controller; its answer can change between pushes. */
async function receiver(): Promise<{ url: string; status: { code: number }; close: () => Promise<void> }> {
    const status = { code: 200 };
    const server = http.createServer((req, res) => {
        req.resume();
        req.on("end", () => res.writeHead(status.code).end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/abc`, status, close: () => new Promise((r) => server.close(() => r())) };
}

describe("verify against the GitHub API stand-in", function () {
    this.timeout(20000);
    let api: GitHubApi;
    let rx: Awaited<ReturnType<typeof receiver>>;
    let hookId: number;
    let dir: string;
    const push = (after: string) => api.deliverPush("acme", "vote-app", { before: "0".repeat(40), after });
    const outputs = () => JSON.stringify({ vote: { webhookId: String(hookId), payloadUrl: "[secret]" } });
    const check = (token = "t0k", outputsJson = outputs()) =>
        checkWebhooks({ stack: "t", outputsJson, root: dir, runnerApiUrl: api.apiUrl, token, now: Date.now(), rule: DefaultRule });

    beforeEach(async () => {
        // A loopback GitHub is a GitHub Enterprise Server to the program (REST under /api/v3/): so is the stand-in.
        api = await GitHubApi.start({ flavor: "ghes", token: "t0k", repositories: [{ owner: "acme", name: "vote-app" }] });
        rx = await receiver();
        const res = await fetch(new URL("repos/acme/vote-app/hooks", api.apiUrl), {
            method: "POST",
            headers: { Authorization: "Bearer t0k", "Content-Type": "application/json" },
            body: JSON.stringify({ name: "web", active: true, events: ["push"], config: { url: rx.url, content_type: "json", secret: "s" } }),
        });
        hookId = ((await res.json()) as { id: number }).id;
        await api.idle(); // GitHub's ping on creation
        dir = projectWith("t", {
            "github:owner": "acme",
            "flux-push:nodeAddress": "203.0.113.10",
            "flux-push:repositories": [{ name: "vote", githubRepository: "vote-app", url: "https://github.com/acme/vote-app.git" }],
        });
    });
    afterEach(async () => {
        await api.close();
        await rx.close();
    });

    it("a working push path passes: the ping and a push, both 200", async () => {
        await push("a".repeat(40));
        const w = await check();
        assert.ok(w.status === "checked");
        assert.deepStrictEqual(w.problems, []);
        const h = w.hooks[0];
        assert.ok("verdict" in h);
        assert.deepStrictEqual([h.target, h.verdict.ok, h.verdict.inWindow, h.verdict.recent.map((d) => [d.event, d.status_code])], [
            { name: "vote", owner: "acme", repository: "vote-app", hookId },
            true,
            2,
            [["push", 200], ["ping", 200]],
        ]);
    });

    it("a receiver that stopped answering 2xx fails on its latest delivery", async () => {
        await push("a".repeat(40));
        rx.status.code = 404;
        await push("b".repeat(40));
        const w = await check();
        assert.ok(w.status === "checked");
        const h = w.hooks[0];
        assert.ok("verdict" in h);
        assert.strictEqual(h.verdict.ok, false);
        assert.deepStrictEqual(h.verdict.reasons.map((r) => r.kind), ["latest-failed"]);
        assert.strictEqual(h.verdict.recent[0].status_code, 404);
    });

    it("a bad token and a deleted hook become per-hook errors that say so", async () => {
        const bad = await check("wrong");
        assert.ok(bad.status === "checked" && "error" in bad.hooks[0]);
        assert.match(bad.hooks[0].error, /^GitHub rejected the token \(401\): FLUX_PUSH_GITHUB_TOKEN is missing, expired or revoked \(GitHub: "Bad credentials"\)$/);
        await fetch(new URL(`repos/acme/vote-app/hooks/${hookId}`, api.apiUrl), { method: "DELETE", headers: { Authorization: "Bearer t0k" } });
        const gone = await check();
        assert.ok(gone.status === "checked" && "error" in gone.hooks[0]);
        assert.match(gone.hooks[0].error, new RegExp(`^GitHub answers 404 for hook ${hookId} of acme/vote-app: the hook was deleted outside Pulumi`));
    });

    it("with a GitHub App's installation token (what create-github-app-token hands the job): read-only Webhooks passes; without it the error names the App permission", async () => {
        const token = async (permissions: Record<string, "read" | "write">) => {
            const { app, privateKey } = api.createApp(`verify-${Object.keys(permissions).join("-") || "none"}`, permissions, "acme");
            const inst = api.apps.install(app.id, "acme");
            const res = await fetch(new URL(`app/installations/${inst.id}/access_tokens`, api.apiUrl), { method: "POST", headers: { Authorization: `Bearer ${appJwt(String(app.id), privateKey, Date.now())}` } });
            return ((await res.json()) as { token: string }).token;
        };
        await push("a".repeat(40));
        const ok = await check(await token({ repository_hooks: "read" }));
        assert.ok(ok.status === "checked" && "verdict" in ok.hooks[0] && ok.hooks[0].verdict.ok);
        const refused = await check(await token({ statuses: "write" }));
        assert.ok(refused.status === "checked" && "error" in refused.hooks[0]);
        assert.match(refused.hooks[0].error, /^GitHub refused \(403\): the token is the GitHub App's \(FLUX_PUSH_APP_CLIENT_ID\) and the GitHub App's installation needs "Webhooks: read-only": add it in the App's settings/);
    });

    it("the CLI's steps, as the workflow runs them: webhooks, drift, report (with GITHUB_OUTPUT)", async () => {
        rx.status.code = 502;
        await push("c".repeat(40));
        const work = tempDir("verify-cli-");
        fs.writeFileSync(path.join(work, "repositories.json"), outputs());
        fs.writeFileSync(path.join(work, "preview.json"), JSON.stringify({ steps: [{ op: "same", urn: "urn:pulumi:t::flux-push::x::y" }], changeSummary: { same: 1 } }));
        const saved = { ...process.env };
        const log = console.log;
        const printed: string[] = [];
        try {
            Object.assign(process.env, { GITHUB_TOKEN: "t0k", GITHUB_API_URL: api.apiUrl, GITHUB_OUTPUT: path.join(work, "output"), GITHUB_STEP_SUMMARY: path.join(work, "summary") });
            console.log = (...a: unknown[]) => void printed.push(a.join(" "));
            assert.strictEqual(await main(["webhooks", "--stack", "t", "--root", dir, "--outputs", path.join(work, "repositories.json"), "--out", path.join(work, "webhooks.json")]), 0);
            assert.strictEqual(await main(["drift", "--exit-code", "0", "--preview", path.join(work, "preview.json"), "--out", path.join(work, "drift.json")]), 0);
            assert.strictEqual(await main(["drift", "--exit-code", "255", "--preview", path.join(work, "missing.json"), "--out", path.join(work, "drift-error.json")]), 2);
            const code = await main(["report", "--stack", "t", "--webhooks", path.join(work, "webhooks.json"), "--drift", path.join(work, "drift.json"), "--run-url", "https://example.test/run/1", "--out-dir", path.join(work, "out")]);
            assert.strictEqual(code, 1, "a failing report fails the step");
        } finally {
            console.log = log;
            process.env = saved;
        }
        assert.ok(printed.some((l) => l.startsWith(`FAIL acme/vote-app hook ${hookId} (vote): the latest delivery (push, `) && l.endsWith("got 502 (Invalid HTTP Response: 502)")), printed.join("\n"));
        const report = JSON.parse(fs.readFileSync(path.join(work, "out", "report.json"), "utf8")) as { ok: boolean; signature: string; drift: { status: string } };
        assert.deepStrictEqual([report.ok, report.drift.status], [false, "clean"]);
        // GITHUB_OUTPUT: multi-line values framed by delimiters that the values cannot contain.
        const out = fs.readFileSync(path.join(work, "output"), "utf8");
        const values = new Map<string, string>();
        const re = /^([\w-]+)<<(EOF_[0-9a-f]{24})\n([\s\S]*?)\n\2\n/gm;
        for (let m = re.exec(out); m; m = re.exec(out)) values.set(m[1], m[3]);
        assert.deepStrictEqual([...values.keys()], ["ok", "signature", "title", "body", "changed", "reopened", "resolved"]);
        assert.strictEqual(values.get("ok"), "false");
        assert.strictEqual(values.get("title"), "Push path broken: t");
        assert.strictEqual(values.get("body"), fs.readFileSync(path.join(work, "out", "body.md"), "utf8"));
        assert.ok(values.get("body")?.includes(`<!-- flux-push-verify-signature: ${report.signature} -->`));
        assert.ok(fs.readFileSync(path.join(work, "summary"), "utf8").startsWith("**The push path of `t` needs attention.**"));
    });

    it("checks the GitHub the stack uses: its github:baseUrl (a GHES host root -> /api/v3/), never the runner's GITHUB_API_URL; links to that host", async () => {
        const ghes = projectWith("t", {
            "github:owner": "acme",
            "github:baseUrl": "https://ghe.example.com/",
            "flux-push:nodeAddress": "203.0.113.10",
            "flux-push:repositories": [{ name: "vote", githubRepository: "vote-app", url: "https://ghe.example.com/acme/vote-app.git" }],
        });
        const asked: string[] = [];
        const fetchImpl = (async (u: string | URL) => {
            asked.push(String(u));
            const failing = [{ id: 9, guid: "g", delivered_at: new Date().toISOString(), redelivery: false, duration: 0.1, status: "Invalid HTTP Response: 404", status_code: 404, event: "push" }];
            return { status: 200, headers: new Headers({ "content-type": "application/json" }), text: async () => JSON.stringify(failing) } as unknown as Response;
        }) as typeof fetch;
        const w = await checkWebhooks({ stack: "t", outputsJson: outputs(), root: ghes, runnerApiUrl: "https://api.github.com", token: "t0k", now: Date.now(), rule: DefaultRule, fetchImpl });
        assert.deepStrictEqual(asked, [`https://ghe.example.com/api/v3/repos/acme/vote-app/hooks/${hookId}/deliveries?per_page=100`]);
        assert.ok(w.status === "checked" && w.webOrigin === "https://ghe.example.com");
        const body = issueBody(buildReport({ stack: "t", checkedAt: "2026-11-25T12:00:00Z", runUrl: "u", webhooks: w, drift: { status: "clean" } }));
        assert.ok(body.includes(`](https://ghe.example.com/acme/vote-app/settings/hooks/${hookId})`), body);
        assert.ok(!body.includes("https://github.com/"), "no github.com link for a GHES stack");
    });

    it("a stack without github:baseUrl is checked at the runner's GITHUB_API_URL; a github:baseUrl nobody could use is a problem, not a guess", async () => {
        const asked: string[] = [];
        const fetchImpl = (async (u: string | URL) => {
            asked.push(String(u));
            return { status: 200, headers: new Headers({ "content-type": "application/json" }), text: async () => "[]" } as unknown as Response;
        }) as typeof fetch;
        await checkWebhooks({ stack: "t", outputsJson: outputs(), root: dir, runnerApiUrl: "https://ghe.example.com/api/v3", token: "t0k", now: Date.now(), rule: DefaultRule, fetchImpl });
        assert.deepStrictEqual(asked, [`https://ghe.example.com/api/v3/repos/acme/vote-app/hooks/${hookId}/deliveries?per_page=100`]);
        const bad = projectWith("t", { "github:owner": "acme", "github:baseUrl": "https://ghe.example.com/login", "flux-push:nodeAddress": "203.0.113.10", "flux-push:repositories": [{ name: "vote", url: "https://x/acme/vote.git" }] });
        const w = await checkWebhooks({ stack: "t", outputsJson: outputs(), root: bad, runnerApiUrl: undefined, token: "t0k", now: Date.now(), rule: DefaultRule, fetchImpl });
        assert.ok(w.status === "checked");
        assert.match(w.problems[0].problem, /^Pulumi.t.yaml github:baseUrl: "https:\/\/ghe.example.com\/login" has a path/);
    });

    it("the report step still reports when the earlier steps left nothing behind", async () => {
        const work = tempDir("verify-cli-");
        const saved = { ...process.env };
        try {
            delete process.env.GITHUB_OUTPUT;
            delete process.env.GITHUB_STEP_SUMMARY;
            const log = console.log;
            console.log = () => undefined;
            try {
                assert.strictEqual(await main(["report", "--stack", "t", "--webhooks", path.join(work, "none.json"), "--drift", path.join(work, "none.json"), "--run-url", "u", "--out-dir", work]), 1);
            } finally {
                console.log = log;
            }
        } finally {
            process.env = saved;
        }
        const body = fs.readFileSync(path.join(work, "body.md"), "utf8");
        assert.ok(body.includes("| Webhook deliveries | ❌ not checked: the step did not run (an earlier step failed: credentials, login or stack outputs) |"), body);
        assert.ok(body.includes("| Drift | ❌ not checked: the step did not run (an earlier step failed) |"));
    });
});
