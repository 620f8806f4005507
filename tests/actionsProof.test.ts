// The proof at `up` (lib/actionsProof.ts) against a scripted GitHub and cluster and a clock that
// moves only when the proof sleeps: which calls it makes, in which order, and what each outcome
// says. The sandbox's e2e runs it against the real notification-controller.
import * as assert from "assert";
import { ApiResponse, ClusterClient } from "../lib/cluster";
import { explainJobLog, GitHubCall, newDispatchRun, ProofInputs, proveActionsTrigger, receiverStatusInLog } from "../lib/actionsProof";
import { GitHubResponse } from "../lib/github";
import { readOidcSupport } from "../lib/oidcPreflight";
import { commitWorkflow, gitBlobSha, removeWorkflow } from "../lib/workflowFile";
import { receiverCrd } from "./support/program";

const workflow = "name: flux-push\non:\n  workflow_dispatch: {}\n";
const inputs: ProofInputs = {
    owner: "example-org", repository: "instavote", workflowPath: ".github/workflows/flux-push.yml", workflow, ref: "main",
    job: "staging", runsOn: ["self-hosted"], namespace: "flux-system", gitRepository: "instavote", receiver: "instavote-actions",
    receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local", delivery: "output", timeoutSeconds: 60,
};
const b64 = (s: string) => Buffer.from(s).toString("base64");

type Route = (method: string, path: string, body: unknown) => GitHubResponse<unknown> | undefined;
const reply = (status: number, body?: unknown): GitHubResponse<unknown> => ({ status, body, headers: {} });

/**
 * A GitHub answering from `routes` (first match wins), recording every call. A text resource (a
 * job's log) is a GET route whose body is a string (the file GitHub redirects to), or a refusal.
 */
function fakeGitHub(routes: Route[]): GitHubCall & { calls: string[] } {
    const calls: string[] = [];
    const answer = (method: string, path: string, body?: unknown) => {
        for (const r of routes) {
            const res = r(method, path, body);
            if (res) return res;
        }
        throw new Error(`unexpected call ${method} ${path}`);
    };
    const gh = Object.assign(async (method: string, path: string, body?: unknown) => {
        calls.push(`${method} ${path}`);
        return answer(method, path, body);
    }, {
        calls,
        text: async (path: string) => {
            calls.push(`TEXT ${path}`);
            const res = answer("GET", path);
            return typeof res.body === "string"
                ? { status: res.status, text: res.body, contentType: "text/plain; charset=utf-8" }
                : { status: res.status, text: String((res.body as { message?: string } | undefined)?.message ?? ""), contentType: "application/json" };
        },
    });
    return gh as GitHubCall & { calls: string[] };
}

/** A cluster whose GitRepository annotation changes when `annotate()` is called. */
function fakeCluster() {
    let requestedAt: string | undefined = "2026-11-01T00:00:00Z";
    const client: ClusterClient = {
        description: "test",
        get: async (): Promise<ApiResponse> => ({ status: 200, body: { metadata: { annotations: requestedAt ? { "reconcile.fluxcd.io/requestedAt": requestedAt } : {} } } }),
        patch: async () => ({ status: 200, body: {} }),
    };
    return { client, annotate: (v: string) => (requestedAt = v) };
}

/** A clock that advances by what the proof sleeps, running `onSleep` at each sleep (GitHub and the cluster moving meanwhile). */
function fakeClock(onSleep: (t: number) => void = () => undefined) {
    let t = 1_000_000;
    return { now: () => t, sleep: async (ms: number) => { t += ms; onSleep(t - 1_000_000); } };
}

const contentOk: Route = (m, p) => (m === "GET" && p.startsWith("repos/example-org/instavote/contents/.github/workflows/flux-push.yml?ref=main") ? reply(200, { content: b64(workflow), encoding: "base64", sha: gitBlobSha(workflow) }) : undefined);

describe("the Actions trigger's proof", () => {
    it("the workflow not on the branch yet (output delivery): says to commit the output, and dispatches nothing", async () => {
        const gh = fakeGitHub([(_m, p) => (p.includes("/contents/") ? reply(404, { message: "Not Found" }) : undefined)]);
        const r = await proveActionsTrigger(inputs, gh, fakeCluster().client, fakeClock());
        assert.strictEqual(r.state, "not-committed");
        assert.strictEqual(r.ok, false);
        assert.match(r.message, /\.github\/workflows\/flux-push\.yml is not on main yet; commit the stack output `repositories\.<name>\.actions\.workflow`/);
        assert.deepStrictEqual(gh.calls, ["GET repos/example-org/instavote/contents/.github/workflows/flux-push.yml?ref=main"]);
    });

    it("a workflow on the branch that differs from the generated one: outdated, nothing dispatched", async () => {
        const gh = fakeGitHub([(_m, p) => (p.includes("/contents/") ? reply(200, { content: b64(workflow + "# edited\n"), encoding: "base64" }) : undefined)]);
        const r = await proveActionsTrigger(inputs, gh, fakeCluster().client, fakeClock());
        assert.strictEqual(r.state, "outdated");
        assert.match(r.message, /differs from the one the stack generated/);
        assert.strictEqual(gh.calls.length, 1);
    });

    it("dispatch (204), find the new run, and succeed once the GitRepository's requestedAt changes", async () => {
        const cluster = fakeCluster();
        let dispatched = false;
        const gh = fakeGitHub([
            contentOk,
            (m, p) => (m === "GET" && p.includes("/actions/workflows/flux-push.yml/runs?event=workflow_dispatch&branch=main")
                ? reply(200, { workflow_runs: [...(dispatched ? [{ id: 12, event: "workflow_dispatch", status: "in_progress", conclusion: null }] : []), { id: 11, event: "workflow_dispatch", status: "completed", conclusion: "success" }] })
                : undefined),
            (m, p, body) => {
                if (m !== "POST" || !p.endsWith("/actions/workflows/flux-push.yml/dispatches")) return undefined;
                assert.deepStrictEqual(body, { ref: "main", return_run_details: true });
                dispatched = true;
                return reply(204);
            },
            (m, p) => (m === "GET" && p === "repos/example-org/instavote/actions/runs/12" ? reply(200, { id: 12, status: "in_progress", conclusion: null, html_url: "https://github.com/example-org/instavote/actions/runs/12" }) : undefined),
            (m, p) => (m === "GET" && p.startsWith("repos/example-org/instavote/actions/runs/12/jobs") ? reply(200, { jobs: [{ id: 5, name: "staging", status: "in_progress", conclusion: null }] }) : undefined),
        ]);
        const r = await proveActionsTrigger(inputs, gh, cluster.client, fakeClock((t) => {
            if (t > 1500) cluster.annotate("2026-11-27T10:00:00Z");
        }));
        assert.strictEqual(r.state, "reconciled", r.message);
        assert.strictEqual(r.ok, true);
        assert.strictEqual(r.runId, 12, "the run that was not there before the dispatch");
        assert.match(r.message, /^job staging of flux-push\.yml \(dispatched on main\) triggered Receiver flux-system\/instavote-actions: GitRepository flux-system\/instavote was asked to reconcile \(reconcile\.fluxcd\.io\/requestedAt: 2026-11-27T10:00:00Z\)/);
        const order = gh.calls.map((c) => c.split(" ")[0] + " " + c.split(" ")[1].split("?")[0].replace("repos/example-org/instavote/", ""));
        assert.deepStrictEqual(order.slice(0, 3), ["GET contents/.github/workflows/flux-push.yml", "GET actions/workflows/flux-push.yml/runs", "POST actions/workflows/flux-push.yml/dispatches"]);
    });

    it("a dispatch that names its run (200, return_run_details) is watched without listing runs again", async () => {
        const cluster = fakeCluster();
        const gh = fakeGitHub([
            contentOk,
            (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
            (_m, p) => (p.endsWith("/dispatches") ? reply(200, { workflow_run_id: 99, run_url: "u", html_url: "h" }) : undefined),
            (_m, p) => (p.endsWith("/actions/runs/99") ? reply(200, { id: 99, status: "queued", conclusion: null }) : undefined),
            (_m, p) => (p.includes("/actions/runs/99/jobs") ? reply(200, { jobs: [] }) : undefined),
        ]);
        const r = await proveActionsTrigger(inputs, gh, cluster.client, fakeClock((t) => t > 600 && cluster.annotate("x")));
        assert.strictEqual(r.runId, 99);
        assert.strictEqual(gh.calls.filter((c) => c.includes("/runs?")).length, 1, "listed once, before the dispatch");
    });

    it("the job failed: its conclusion, the failed step and the Receiver's answer from the log, explained", async () => {
        const gh = fakeGitHub([
            contentOk,
            (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
            (_m, p) => (p.endsWith("/dispatches") ? reply(200, { workflow_run_id: 7 }) : undefined),
            (_m, p) => (p.endsWith("/actions/runs/7") ? reply(200, { id: 7, status: "completed", conclusion: "failure", html_url: "https://ghes/runs/7" }) : undefined),
            (_m, p) => (p.includes("/actions/runs/7/jobs") ? reply(200, { jobs: [{ id: 70, name: "staging", status: "completed", conclusion: "failure", steps: [{ name: "Setup Flux CLI", status: "completed", conclusion: "success" }, { name: "Ask Flux to reconcile", status: "completed", conclusion: "failure" }] }] }) : undefined),
            (_m, p) => (p.endsWith("/actions/jobs/70/logs") ? reply(200, "► triggering Receiver flux-system/instavote-actions\n✗ request to http://webhook-receiver/hook/abc failed with status 400 Bad Request\n") : undefined),
        ]);
        const r = await proveActionsTrigger(inputs, gh, fakeCluster().client, fakeClock());
        assert.strictEqual(r.state, "job-failed");
        assert.deepStrictEqual({ ok: r.ok, jobConclusion: r.jobConclusion, receiverStatus: r.receiverStatus, runId: r.runId }, { ok: false, jobConclusion: "failure", receiverStatus: 400, runId: 7 });
        assert.match(r.message, /job staging of run 7 concluded failure at step "Ask Flux to reconcile" \(the Receiver answered 400\): the Receiver flux-system\/instavote-actions answered 400: it refused the token .*kubectl -n flux-system logs deploy\/notification-controller \| grep instavote-actions.*\(https:\/\/ghes\/runs\/7\)$/);
        assert.ok(gh.calls.includes("TEXT repos/example-org/instavote/actions/jobs/70/logs"), "the log is read as text (a redirect to a plain-text file), not as a JSON call");
    });

    /** A run whose job `staging` failed with these steps, and a log route (undefined: GitHub refuses it with `logStatus`). */
    const failedRun = (steps: { name: string; conclusion: string }[], log: string | undefined, logStatus = 404, extraJobs: unknown[] = []) => fakeGitHub([
        contentOk,
        (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
        (_m, p) => (p.endsWith("/dispatches") ? reply(200, { workflow_run_id: 7 }) : undefined),
        (_m, p) => (p.endsWith("/actions/runs/7") ? reply(200, { id: 7, status: "completed", conclusion: "failure" }) : undefined),
        (_m, p) => (p.includes("/actions/runs/7/jobs") ? reply(200, { jobs: [...extraJobs, { id: 70, name: "staging", status: "completed", conclusion: "failure", steps: steps.map((x) => ({ ...x, status: "completed" })) }] }) : undefined),
        (_m, p) => (p.endsWith("/actions/jobs/70/logs") ? (log !== undefined ? reply(200, log) : reply(logStatus, { message: logStatus === 410 ? "Gone" : "Not Found" })) : undefined),
    ]);
    const steps = (failedAt: string) => ["Set up job", "Setup Flux CLI", "Ask Flux to reconcile (Receiver flux-system/instavote-actions)", "Complete job"].map((name, i, all) => ({
        name, conclusion: name === failedAt ? "failure" : all.indexOf(failedAt) < i && name !== "Complete job" ? "skipped" : "success",
    }));

    it("a pin GitHub cannot resolve: the job failed at \"Set up job\"; says so in GitHub's words and that the Receiver was never called", async () => {
        const log = "Prepare all required actions\nGetting action download info\n##[error]Unable to resolve action `fluxcd/flux2/action@8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55`, unable to find version `8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55`\n";
        const r = await proveActionsTrigger(inputs, failedRun(steps("Set up job"), log), fakeCluster().client, fakeClock());
        assert.deepStrictEqual({ state: r.state, receiverStatus: r.receiverStatus }, { state: "job-failed", receiverStatus: 0 });
        assert.match(r.message, /job staging of run 7 concluded failure at step "Set up job" \(no answer of the Receiver in the job's log\): GitHub could not set the job up: Unable to resolve action `fluxcd\/flux2\/action@8d5f40dc.*`, unable to find version .*the Receiver was never called: commit the generated workflow again/);
    });

    it("a log GitHub will not serve (404, 410): says the log could not be read, and still explains from the job's steps; never blames github:baseUrl", async () => {
        for (const status of [404, 410]) {
            const r = await proveActionsTrigger(inputs, failedRun(steps("Ask Flux to reconcile (Receiver flux-system/instavote-actions)"), undefined, status), fakeCluster().client, fakeClock());
            assert.strictEqual(r.state, "job-failed");
            assert.match(r.message, new RegExp(`at step "Ask Flux to reconcile \\(Receiver flux-system/instavote-actions\\)" \\(no answer of the Receiver in the job's log\\): its log could not be read \\(GitHub answered ${status} "(Not Found|Gone)".*\\); from the job's steps: the flux CLI's call to Receiver flux-system/instavote-actions at http://webhook-receiver\\.flux-system\\.svc\\.cluster\\.local failed`));
            assert.doesNotMatch(r.message, /baseUrl/);
        }
        const setup = await proveActionsTrigger(inputs, failedRun(steps("Setup Flux CLI"), undefined), fakeCluster().client, fakeClock());
        assert.match(setup.message, /from the job's steps: installing the flux CLI failed .*the Receiver was never called/);
    });

    it("a log reader that fails outright (GitHub unreachable for the download): the same, with its reason", async () => {
        const gh = failedRun(steps("Set up job"), "");
        const broken = Object.assign((...a: Parameters<GitHubCall>) => gh(...a), { text: async () => { throw new Error("GET blob.example:443/log: no answer from blob.example within 30 s"); } }) as unknown as GitHubCall;
        const r = await proveActionsTrigger(inputs, broken, fakeCluster().client, fakeClock());
        assert.match(r.message, /its log could not be read \(GET blob\.example:443\/log: no answer from blob\.example within 30 s\); from the job's steps: GitHub could not set the job up/);
    });

    it("a fleet's workflow with two jobs: this stack's proof reads its own cluster's job only (another cluster's failure is not ours)", async () => {
        const other = { id: 71, name: "production", status: "completed", conclusion: "failure", steps: [{ name: "Set up job", status: "completed", conclusion: "failure" }] };
        const cluster = fakeCluster();
        const gh = fakeGitHub([
            contentOk,
            (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
            (_m, p) => (p.endsWith("/dispatches") ? reply(200, { workflow_run_id: 7 }) : undefined),
            (_m, p) => (p.endsWith("/actions/runs/7") ? reply(200, { id: 7, status: "in_progress", conclusion: null }) : undefined),
            (_m, p) => (p.includes("/actions/runs/7/jobs") ? reply(200, { jobs: [other, { id: 70, name: "staging", status: "in_progress", conclusion: null }] }) : undefined),
        ]);
        const r = await proveActionsTrigger(inputs, gh, cluster.client, fakeClock((t) => t > 1500 && cluster.annotate("2026-11-27T10:00:00Z")));
        assert.strictEqual(r.state, "reconciled", r.message);
        assert.ok(!gh.calls.some((c) => c.includes("/jobs/71/")), "the other cluster's job log is not read");
        // ... and when ours fails, the message is about ours, not the other one.
        const mine = await proveActionsTrigger(inputs, failedRun(steps("Setup Flux CLI"), "flux: command not found\n", 404, [other]), fakeCluster().client, fakeClock());
        assert.match(mine.message, /job staging of run 7 concluded failure at step "Setup Flux CLI"/);
        assert.doesNotMatch(mine.message, /production/);
    });

    it("no runner takes the job: at the deadline, says which labels to check", async () => {
        const gh = fakeGitHub([
            contentOk,
            (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
            (_m, p) => (p.endsWith("/dispatches") ? reply(200, { workflow_run_id: 8 }) : undefined),
            (_m, p) => (p.endsWith("/actions/runs/8") ? reply(200, { id: 8, status: "queued", conclusion: null }) : undefined),
            (_m, p) => (p.includes("/actions/runs/8/jobs") ? reply(200, { jobs: [{ id: 80, name: "staging", status: "queued", conclusion: null }] }) : undefined),
        ]);
        const r = await proveActionsTrigger({ ...inputs, timeoutSeconds: 30 }, gh, fakeCluster().client, fakeClock());
        assert.strictEqual(r.state, "timeout");
        assert.match(r.message, /no runner took job staging \(runs-on self-hosted\) of run 8 within 30 s: check that a runner with these labels is online for example-org\/instavote/);
    });

    it("the job succeeded but nothing was annotated: says the Receiver reconciles something else", async () => {
        const gh = fakeGitHub([
            contentOk,
            (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
            (_m, p) => (p.endsWith("/dispatches") ? reply(200, { workflow_run_id: 9 }) : undefined),
            (_m, p) => (p.endsWith("/actions/runs/9") ? reply(200, { id: 9, status: "completed", conclusion: "success" }) : undefined),
            (_m, p) => (p.includes("/actions/runs/9/jobs") ? reply(200, { jobs: [{ id: 90, name: "staging", status: "completed", conclusion: "success" }] }) : undefined),
        ]);
        const r = await proveActionsTrigger(inputs, gh, fakeCluster().client, fakeClock());
        assert.strictEqual(r.state, "no-reconcile");
        assert.ok(r.seconds >= 10 && r.seconds < 20, `waited the grace period: ${r.seconds}`);
    });

    it("a token that may not dispatch: stops with the permission it needs", async () => {
        const gh = fakeGitHub([
            contentOk,
            (_m, p) => (p.includes("/runs?") ? reply(200, { workflow_runs: [] }) : undefined),
            (_m, p) => (p.endsWith("/dispatches") ? reply(403, { message: "Resource not accessible by personal access token" }) : undefined),
        ]);
        await assert.rejects(proveActionsTrigger(inputs, gh, fakeCluster().client, fakeClock()),
            /dispatching flux-push\.yml in example-org\/instavote: GitHub answered 403 "Resource not accessible by personal access token"; the token needs "Actions: read and write" on the repository/);
    });

    it("our run is the newest workflow_dispatch run that was not there before", () => {
        const runs = [{ id: 3, event: "push" }, { id: 2, event: "workflow_dispatch" }, { id: 1, event: "workflow_dispatch" }].map((r) => ({ ...r, status: "queued", conclusion: null }));
        assert.strictEqual(newDispatchRun(new Set([1]), runs)?.id, 2);
        assert.strictEqual(newDispatchRun(new Set([1, 2]), runs), undefined);
    });
});

describe("explainJobLog (what the flux CLI printed, in the project's words)", () => {
    const c = { namespace: "flux-system", receiver: "instavote-actions", receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local", job: "staging" };
    const rows: [string, RegExp][] = [
        ["✗ ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN must be set in the environment; ensure the Actions job has the 'id-token: write' permission", /the job got no OIDC token: .*`permissions: id-token: write`/],
        ["✗ request to http://x/hook/a failed with status 404 Not Found", /nothing serves the Receiver's path at http:\/\/webhook-receiver/],
        ["✗ request to http://x/hook/a failed with status 503 Service Unavailable", /answered 503: it is suspended or not Ready/],
        ["✗ request to http://x/hook/a failed with status 500 Internal Server Error", /answered 500: notification-controller admitted the token but could not annotate/],
        ["✗ request to http://x/hook/a failed with status 502 Bad Gateway", /got 502, which notification-controller does not answer/],
        ["✗ Post \"http://webhook-receiver.flux-system.svc.cluster.local/hook/a\": dial tcp: lookup webhook-receiver.flux-system.svc.cluster.local: no such host", /the runner of job staging cannot reach http:\/\/webhook-receiver\.flux-system\.svc\.cluster\.local: for the in-cluster default the runner must run inside the cluster/],
        ["line 1\nline 2\nsomething else\nexit 3", /the job failed; its log ends: line 2 \| something else \| exit 3/],
    ];
    for (const [log, want] of rows) it(log.split("\n")[0].slice(0, 70), () => assert.match(explainJobLog(log, c), want));

    it("takes the last status the CLI reports (its retries log each one)", () => {
        assert.strictEqual(receiverStatusInLog("failed with status 404 Not Found\nfailed with status 400 Bad Request"), 400);
        assert.strictEqual(receiverStatusInLog("ok"), 0);
    });
});

describe("the Receiver CRD's schema (the preflight's reading)", () => {
    it("Flux 2.9: oidcProviders and the generic-oidc type", () => {
        assert.deepStrictEqual(readOidcSupport({ status: 200, body: receiverCrd(true) }), { seen: "present", oidcProviders: true, genericOidcType: true, version: "v2.9.5" });
    });
    it("an older Flux: neither", () => {
        assert.deepStrictEqual(readOidcSupport({ status: 200, body: receiverCrd(false) }), { seen: "present", oidcProviders: false, genericOidcType: false, version: "v2.6.4" });
    });
    it("forbidden, missing and unreachable are told apart", () => {
        assert.strictEqual(readOidcSupport({ status: 403, body: {} }).seen, "forbidden");
        assert.strictEqual(readOidcSupport({ status: 404, body: {} }).seen, "missing");
        assert.strictEqual(readOidcSupport({ status: 0, body: undefined, error: "refused" }).seen, "unreachable");
    });
});

describe("the committed workflow file (contents API)", () => {
    const file = { owner: "example-org", repository: "instavote", path: ".github/workflows/flux-push.yml", branch: "main", content: workflow };

    it("the blob SHA is git's own (written down from `git hash-object --stdin`)", () => {
        assert.strictEqual(gitBlobSha(workflow), "75e4f6528f3b3cd35a307489f2051579b2845eb5");
    });

    it("creates it (no sha), updates it with the current sha, and leaves an identical file alone", async () => {
        const puts: unknown[] = [];
        const make = (current?: string) => fakeGitHub([
            (m, _p) => (m === "GET" ? (current === undefined ? reply(404, { message: "Not Found" }) : reply(200, { sha: current })) : undefined),
            (m, _p, body) => (m === "PUT" ? (puts.push(body), reply(201, { content: { sha: gitBlobSha(workflow) }, commit: { sha: "c1" } })) : undefined),
        ]);
        assert.deepStrictEqual(await commitWorkflow(make(), file, "Add"), { sha: gitBlobSha(workflow), commit: "c1" });
        assert.deepStrictEqual(puts[0], { message: "Add", content: b64(workflow), branch: "main" });
        await commitWorkflow(make("0ld"), file, "Update");
        assert.deepStrictEqual(puts[1], { message: "Update", content: b64(workflow), branch: "main", sha: "0ld" });
        const same = make(gitBlobSha(workflow));
        assert.deepStrictEqual(await commitWorkflow(same, file, "Update"), { sha: gitBlobSha(workflow), commit: "" });
        assert.strictEqual(puts.length, 2, "no commit when the file already holds the content");
    });

    it("a 404 on PUT names the Workflows permission GitHub requires for .github/workflows", async () => {
        const gh = fakeGitHub([(m) => (m === "GET" ? reply(404, {}) : undefined), (m) => (m === "PUT" ? reply(404, { message: "Not Found" }) : undefined)]);
        await assert.rejects(commitWorkflow(gh, file, "Add"), /GitHub answered 404 "Not Found"; the token needs "Contents: read and write" and "Workflows: read and write"/);
    });

    it("on destroy: deletes the file it wrote, leaves one someone changed or a person had committed", async () => {
        const deleted: unknown[] = [];
        const gh = (current: string) => fakeGitHub([
            (m) => (m === "GET" ? reply(200, { sha: current }) : undefined),
            (m, _p, body) => (m === "DELETE" ? (deleted.push(body), reply(200, {})) : undefined),
        ]);
        assert.strictEqual(await removeWorkflow(gh("s1"), file, { sha: "s1", commit: "c1" }, "Remove"), "deleted");
        assert.deepStrictEqual(deleted, [{ message: "Remove", sha: "s1", branch: "main" }]);
        assert.strictEqual(await removeWorkflow(gh("s2"), file, { sha: "s1", commit: "c1" }, "Remove"), "changed");
        assert.strictEqual(await removeWorkflow(gh("s1"), file, { sha: "s1", commit: "" }, "Remove"), "not-ours", "a file a person committed, which the stack only found");
        assert.strictEqual(deleted.length, 1);
    });
});
