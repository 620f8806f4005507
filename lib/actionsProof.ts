// The Actions trigger proving itself at `up`, as the delivery check does for hooks: dispatch the
// workflow once (`workflow_dispatch`) and wait until the cluster shows the reconcile request it
// caused (the GitRepository's `reconcile.fluxcd.io/requestedAt` changes), or until the run says
// why not (the job's conclusion, and what the Receiver answered, from the job's log). Plain
// functions with the GitHub and cluster calls passed in, so every rule is tested; the dynamic
// provider in resources/actionsTrigger.ts is a thin shim over `proveActionsTrigger`.
import { apiPaths, ClusterClient } from "./cluster";
import { ReconcileRequestedAtAnnotation } from "./flux";
import { checkFingerprint, GitHubApiSettings, GitHubResponse } from "./github";
import { workflowDigest, workflowFileName } from "./workflow";

/** A GitHub REST call (lib/github.ts `githubRequest`, or a test's stand-in). */
export type GitHubCall = <T>(method: string, path: string, body?: unknown) => Promise<GitHubResponse<T>>;

export interface ProofInputs {
    readonly owner: string;
    readonly repository: string;
    readonly workflowPath: string;
    /** The workflow as the stack generated it: the file on `ref` must be exactly this. */
    readonly workflow: string;
    /** The branch to dispatch on (the tracked branch, else the default branch). */
    readonly ref: string;
    /** The job of this stack's cluster. */
    readonly job: string;
    readonly runsOn: readonly string[];
    readonly namespace: string;
    readonly gitRepository: string;
    readonly receiver: string;
    readonly receiverUrl: string;
    readonly delivery: "output" | "commit";
    readonly timeoutSeconds: number;
}

export type ProofState = "reconciled" | "not-committed" | "outdated" | "job-failed" | "no-reconcile" | "timeout";

export interface ProofResult {
    readonly ok: boolean;
    readonly state: ProofState;
    readonly message: string;
    readonly seconds: number;
    readonly runId?: number;
    readonly runUrl?: string;
    readonly jobConclusion?: string;
    /** The GitHub status the Receiver answered, as the job's log reports it (0: none seen). */
    readonly receiverStatus?: number;
}

export interface ProofClock {
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
}

const realClock: ProofClock = { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

interface ContentFile { type?: string; content?: string; encoding?: string; sha?: string }
interface WorkflowRun { id: number; status: string; conclusion: string | null; html_url?: string; event?: string; head_branch?: string; created_at?: string; run_number?: number }
interface Job { id: number; name: string; status: string; conclusion: string | null; labels?: string[]; steps?: { name: string; status: string; conclusion: string | null }[] }

/** What the proof's fingerprint covers: a change of any of these runs it again. */
export function proofFingerprint(i: ProofInputs, receiverSpecDigest: string, trigger: string): string {
    return checkFingerprint([i.owner, i.repository, i.workflowPath, workflowDigest(i.workflow), i.ref, i.job, i.namespace, i.receiver, i.gitRepository, receiverSpecDigest, trigger]);
}

/** The permission a refused call needs, in GitHub's fine-grained names (and the classic scopes). */
function permissionHint(what: "contents-read" | "actions-write" | "actions-read"): string {
    switch (what) {
        case "contents-read":
            return "the token needs \"Contents: read\" on the repository (classic: repo)";
        case "actions-write":
            return "the token needs \"Actions: read and write\" on the repository (classic: repo) to dispatch the workflow";
        case "actions-read":
            return "the token needs \"Actions: read\" on the repository (classic: repo) to read the run";
    }
}

function said(res: GitHubResponse<unknown>): string {
    const message = (res.body as { message?: string } | undefined)?.message;
    return `GitHub answered ${res.status}${message ? ` "${message}"` : ""}`;
}

/** The Receiver's answer as the flux CLI logs it ("request to URL failed with status 400 Bad Request"), or 0. */
export function receiverStatusInLog(log: string): number {
    const all = [...log.matchAll(/failed with status (\d{3})/g)];
    return all.length > 0 ? Number(all[all.length - 1][1]) : 0;
}

/** Why the job failed, from its log: what the flux CLI printed, in this project's words. */
export function explainJobLog(log: string, c: { namespace: string; receiver: string; receiverUrl: string; job: string }): string {
    const look = `notification-controller's log says which check refused it: \`kubectl -n ${c.namespace} logs deploy/notification-controller | grep ${c.receiver}\``;
    if (/ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN must be set/.test(log)) {
        return "the job got no OIDC token: GitHub gives a job ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN only with `permissions: id-token: write`, which the workflow in the repository lacks; commit the generated workflow";
    }
    if (/OIDC token request failed/.test(log)) return "GitHub refused the job's OIDC token request (see the job log); the runner could not get a token to present";
    const status = receiverStatusInLog(log);
    switch (status) {
        case 400:
            return `the Receiver ${c.namespace}/${c.receiver} answered 400: it refused the token (issuer, signature, audience or expiry, or one of its CEL validations: another repository, branch, event or workflow); ${look}. ` +
                "Common causes: actionsAudience differs from the workflow's --oidc-audience (commit the generated workflow again), or actionsOidcIssuer differs from the tokens' iss";
        case 404:
            return `nothing serves the Receiver's path at ${c.receiverUrl}: the workflow's Receiver name or namespace differ from ${c.namespace}/${c.receiver}, the Receiver is not Ready, or the URL reaches another service (flux retried 404 ten times)`;
        case 503:
            return `the Receiver ${c.namespace}/${c.receiver} answered 503: it is suspended or not Ready (\`flux get receivers -n ${c.namespace}\`)`;
        case 500:
            return `the Receiver ${c.namespace}/${c.receiver} answered 500: notification-controller admitted the token but could not annotate the GitRepository (missing, or RBAC); ${look}`;
        default:
            break;
    }
    if (status > 0) return `the request to ${c.receiverUrl} got ${status}, which notification-controller does not answer: a proxy or Ingress in between refused or failed it`;
    if (/no such host|connection refused|i\/o timeout|dial tcp|context deadline exceeded|network is unreachable/.test(log)) {
        return `the runner of job ${c.job} cannot reach ${c.receiverUrl}: for the in-cluster default the runner must run inside the cluster (e.g. an Actions Runner Controller scale set); otherwise give actionsRunners[].receiverUrl an address that runner reaches`;
    }
    if (/flux: command not found|flux: not found/.test(log)) return "the flux CLI was not installed: the Setup Flux CLI step failed (see the job log)";
    const tail = log.trim().split("\n").slice(-3).join(" | ");
    return `the job failed; its log ends: ${tail || "(empty)"}`;
}

/** Our run: the one returned by the dispatch, else the newest workflow_dispatch run not listed before it. */
export function newDispatchRun(before: ReadonlySet<number>, runs: readonly WorkflowRun[]): WorkflowRun | undefined {
    return runs.filter((r) => r.event === "workflow_dispatch" && !before.has(r.id)).sort((a, b) => b.id - a.id)[0];
}

async function requestedAt(cluster: ClusterClient, namespace: string, name: string): Promise<string | undefined> {
    const res = await cluster.get(apiPaths.gitRepository(namespace, name));
    if (res.status !== 200) throw new Error(`reading GitRepository ${namespace}/${name} for the Actions trigger's proof: HTTP ${res.status} ${res.error ?? ""}`);
    return (res.body as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.[ReconcileRequestedAtAnnotation];
}

/**
 * Runs the proof. Throws only for what stops it from running at all (an API refusal, a missing
 * GitRepository); everything it finds about the trigger is in the result, which `fail` mode turns
 * into the update's error.
 */
export async function proveActionsTrigger(i: ProofInputs, gh: GitHubCall, cluster: ClusterClient, clock: ProofClock = realClock): Promise<ProofResult> {
    const started = clock.now();
    const seconds = () => Math.round((clock.now() - started) / 100) / 10;
    const repo = `repos/${i.owner}/${i.repository}`;
    const where = `${i.owner}/${i.repository}`;
    const file = workflowFileName(i.workflowPath);

    // 1. The workflow on the branch must be the stack's: GitHub runs what the repository holds.
    const contents = await gh<ContentFile>("GET", `${repo}/contents/${i.workflowPath}?ref=${encodeURIComponent(i.ref)}`);
    if (contents.status === 404) {
        const how = i.delivery === "output"
            ? `commit the stack output \`repositories.<name>.actions.workflow\` to ${i.workflowPath} on ${i.ref} (or \`pulumi config set actionsWorkflowDelivery commit\`), then run \`pulumi up\` again`
            : "the stack's commit of it is missing: run `pulumi up` again";
        return { ok: false, state: "not-committed", seconds: seconds(), message: `the Actions trigger of ${where} is not proven: ${i.workflowPath} is not on ${i.ref} yet; ${how}` };
    }
    if (contents.status === 403) throw new Error(`reading ${i.workflowPath} of ${where}: ${said(contents)}; ${permissionHint("contents-read")}`);
    if (contents.status !== 200) throw new Error(`reading ${i.workflowPath} of ${where}: ${said(contents)}`);
    const onBranch = Buffer.from(contents.body.content ?? "", (contents.body.encoding ?? "base64") as BufferEncoding).toString("utf8");
    if (onBranch !== i.workflow) {
        return {
            ok: false, state: "outdated", seconds: seconds(),
            message: `the Actions trigger of ${where} is not proven: ${i.workflowPath} on ${i.ref} differs from the one the stack generated (digest ${workflowDigest(onBranch)}, expected ${workflowDigest(i.workflow)}); ` +
                "the Receiver admits only what the current config describes: commit the stack output `repositories.<name>.actions.workflow` again, then run `pulumi up`",
        };
    }

    // 2. Dispatch, remembering what was there before: the annotation and the runs.
    const before = await requestedAt(cluster, i.namespace, i.gitRepository);
    const listRuns = async (): Promise<WorkflowRun[]> => {
        const res = await gh<{ workflow_runs: WorkflowRun[] }>("GET", `${repo}/actions/workflows/${file}/runs?event=workflow_dispatch&branch=${encodeURIComponent(i.ref)}&per_page=30`);
        if (res.status !== 200) throw new Error(`listing the runs of ${file} in ${where}: ${said(res)}; ${permissionHint("actions-read")}`);
        return res.body.workflow_runs ?? [];
    };
    const knownRuns = new Set((await listRuns()).map((r) => r.id));
    const dispatched = await gh<{ workflow_run_id?: number; html_url?: string }>("POST", `${repo}/actions/workflows/${file}/dispatches`, { ref: i.ref, return_run_details: true });
    if (dispatched.status === 403 || dispatched.status === 404) {
        throw new Error(`dispatching ${file} in ${where}: ${said(dispatched)}; ${permissionHint("actions-write")}` +
            (dispatched.status === 404 ? `, and GitHub knows a workflow only once its file is on the default branch (${i.workflowPath})` : ""));
    }
    if (dispatched.status !== 200 && dispatched.status !== 204) throw new Error(`dispatching ${file} in ${where} on ${i.ref}: ${said(dispatched)}`);
    let runId = dispatched.status === 200 ? dispatched.body?.workflow_run_id : undefined;
    let run: WorkflowRun | undefined;
    let job: Job | undefined;

    // 3. Wait for the reconcile request, or for the run to say why it cannot come.
    const deadline = started + i.timeoutSeconds * 1000;
    let jobDoneAt: number | undefined;
    for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
        const now = await requestedAt(cluster, i.namespace, i.gitRepository);
        if (now !== before) {
            return {
                ok: true, state: "reconciled", seconds: seconds(), ...(runId ? { runId } : {}), ...(run?.html_url ? { runUrl: run.html_url } : {}),
                ...(job?.conclusion ? { jobConclusion: job.conclusion } : {}),
                message: `job ${i.job} of ${file} (dispatched on ${i.ref}) triggered Receiver ${i.namespace}/${i.receiver}: GitRepository ${i.namespace}/${i.gitRepository} was asked to reconcile (${ReconcileRequestedAtAnnotation}: ${now}) after ${seconds()} s`,
            };
        }
        if (runId === undefined) runId = newDispatchRun(knownRuns, await listRuns())?.id;
        if (runId !== undefined) {
            const r = await gh<WorkflowRun>("GET", `${repo}/actions/runs/${runId}`);
            if (r.status === 200) run = r.body;
            const jobs = await gh<{ jobs: Job[] }>("GET", `${repo}/actions/runs/${runId}/jobs?per_page=100`);
            if (jobs.status === 200) job = jobs.body.jobs.find((j) => j.name === i.job);
            if (job?.status === "completed" && job.conclusion !== "success") {
                const logRes = await gh<string>("GET", `${repo}/actions/jobs/${job.id}/logs`);
                const log = logRes.status === 200 && typeof logRes.body === "string" ? logRes.body : "";
                const failedStep = job.steps?.find((s) => s.conclusion === "failure")?.name;
                return {
                    ok: false, state: "job-failed", seconds: seconds(), runId, ...(run?.html_url ? { runUrl: run.html_url } : {}),
                    jobConclusion: job.conclusion ?? "", receiverStatus: receiverStatusInLog(log),
                    message: `the Actions trigger of ${where} failed: job ${i.job} of run ${runId} concluded ${job.conclusion}${failedStep ? ` at step "${failedStep}"` : ""}: ` +
                        explainJobLog(log, i) + (run?.html_url ? ` (${run.html_url})` : ""),
                };
            }
            // notification-controller annotates before it answers 200: a successful job with no
            // change after a grace period means the Receiver targets something else.
            if (job?.status === "completed") jobDoneAt ??= clock.now();
            if (jobDoneAt !== undefined && clock.now() - jobDoneAt > 10000) {
                return {
                    ok: false, state: "no-reconcile", seconds: seconds(), runId, jobConclusion: "success",
                    message: `job ${i.job} of run ${runId} succeeded (the Receiver answered 200), but GitRepository ${i.namespace}/${i.gitRepository} shows no new ${ReconcileRequestedAtAnnotation}: ` +
                        `Receiver ${i.namespace}/${i.receiver} reconciles another object, or a filter skipped it`,
                };
            }
        }
        if (clock.now() + wait > deadline) break;
        await clock.sleep(wait);
    }
    const where2 = run?.html_url ? ` (${run.html_url})` : "";
    const message = runId === undefined
        ? `GitHub accepted the dispatch of ${file} on ${i.ref} but showed no run within ${i.timeoutSeconds} s`
        : job === undefined || job.status === "queued"
            ? `no runner took job ${i.job} (runs-on ${i.runsOn.join(", ")}) of run ${runId} within ${i.timeoutSeconds} s: check that a runner with these labels is online for ${where} (an Actions Runner Controller scale set scales from zero: raise actionsCheckTimeout)${where2}`
            : `job ${i.job} of run ${runId} was still ${job.status} after ${i.timeoutSeconds} s, and GitRepository ${i.namespace}/${i.gitRepository} shows no reconcile request yet${where2}`;
    return { ok: false, state: "timeout", seconds: seconds(), ...(runId ? { runId } : {}), ...(job?.conclusion ? { jobConclusion: job.conclusion } : {}), message: `the Actions trigger of ${where} is not proven: ${message}` };
}

/** The REST calls as `proveActionsTrigger` makes them, through lib/github.ts's client. */
export function githubCall(settings: GitHubApiSettings, request: (s: GitHubApiSettings, method: string, path: string, body?: unknown) => Promise<GitHubResponse<unknown>>): GitHubCall {
    return <T>(method: string, path: string, body?: unknown) => request(settings, method, path, body) as Promise<GitHubResponse<T>>;
}
