// The Actions trigger proving itself at `up`, as the delivery check does for hooks: dispatch the
// workflow once (`workflow_dispatch`) and wait until the cluster shows the reconcile request it
// caused (the GitRepository's `reconcile.fluxcd.io/requestedAt` changes), or until the run says
// why not (the job's conclusion, and what the Receiver answered, from the job's log). Plain
// functions with the GitHub and cluster calls passed in, so every rule is tested; the provider
// plugin's ActionsProof (resources/actionsTrigger.ts) is a thin shim over `proveActionsTrigger`.
import { apiPaths, ClusterClient } from "./cluster";
import { ReconcileRequestedAtAnnotation } from "./flux";
import { appPermissionFix, checkFingerprint, GitHubApiSettings, GitHubResponse, githubTextRequest, GitHubTextResponse } from "./github";
import { workflowDigest, workflowFileName } from "./workflow";

/**
 * A GitHub REST call (lib/github.ts `githubRequest`, or a test's stand-in), and `text`: a resource
 * GitHub serves as a file behind a redirect (a job's log; lib/github.ts `githubTextRequest`).
 */
export type GitHubCall = (<T>(method: string, path: string, body?: unknown) => Promise<GitHubResponse<T>>) & {
    readonly text: (path: string) => Promise<GitHubTextResponse>;
};

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

/** The permission a refused call needs, in GitHub's fine-grained names (and the classic scopes); for a GitHub App, what to add to it. */
function permissionHint(what: "contents-read" | "actions-write" | "actions-read", res: Pick<GitHubResponse<unknown>, "headers" | "auth">): string {
    const needed = { "contents-read": "\"Contents: read-only\"", "actions-write": "\"Actions: read and write\"", "actions-read": "\"Actions: read-only\"" }[what];
    if (res.auth === "app") return appPermissionFix(res, needed);
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

/** Why the job failed, from its log: what GitHub and the flux CLI printed, in this project's words. */
export function explainJobLog(log: string, c: { namespace: string; receiver: string; receiverUrl: string; job: string }): string {
    const look = `notification-controller's log says which check refused it: \`kubectl -n ${c.namespace} logs deploy/notification-controller | grep ${c.receiver}\``;
    // "Set up job" resolves the workflow's actions first (GitHub's words: "Unable to resolve action
    // `X@REF`, unable to find version `REF`", "... Repository not found: X", the SHA-pinning policy).
    const unresolved = /(Unable to resolve action[^\n]*|The actions [^\n]* are not allowed in [^\n]*)/.exec(log)?.[1];
    if (unresolved) {
        return `GitHub could not set the job up: ${unresolved.trim()}; the workflow in the repository pins an action GitHub cannot resolve, so no step ran and the Receiver was never called: ` +
            "commit the generated workflow again (it pins each action to a release commit)";
    }
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

/** The job as the jobs API shows it: its steps with their conclusions. */
export interface JobSteps { readonly steps?: readonly { readonly name: string; readonly conclusion: string | null }[] }

/**
 * Why the job failed when its log cannot be read: from the steps alone (the generated workflow has
 * "Set up job", "Setup Flux CLI", then the step that calls the Receiver).
 */
export function explainJobSteps(job: JobSteps, c: { namespace: string; receiver: string; receiverUrl: string }): string {
    const steps = job.steps ?? [];
    const failed = steps.find((x) => x.conclusion === "failure" || x.conclusion === "cancelled" || x.conclusion === "timed_out");
    if (failed === undefined) return "no step is marked failed: the run was cancelled, or the job timed out before a step ended";
    if (failed.name === "Set up job") return "GitHub could not set the job up (an action the workflow pins that GitHub cannot resolve, or the runner failed): no step ran and the Receiver was never called";
    if (/^Setup Flux CLI$|^Run fluxcd\/flux2\/action@/.test(failed.name)) return "installing the flux CLI failed (the runner could not download it): the Receiver was never called";
    if (/Ask Flux to reconcile|flux trigger receiver/.test(failed.name)) {
        return `the flux CLI's call to Receiver ${c.namespace}/${c.receiver} at ${c.receiverUrl} failed: the Receiver refused the token (400), is not served (404) or not Ready (503), or the runner cannot reach it; the job's log has its answer`;
    }
    return `step "${failed.name}" failed`;
}

/** The job's log as GitHub serves it (a redirect to a plain-text file), or why it could not be read. */
export async function readJobLog(gh: GitHubCall, path: string): Promise<{ readonly log: string } | { readonly problem: string }> {
    try {
        const res = await gh.text(path);
        if (res.status === 200) return { log: res.text };
        return { problem: `GitHub answered ${res.status}${res.text ? ` "${res.text.trim().split("\n")[0].slice(0, 200)}"` : ""}${res.status === 403 || res.status === 404 ? ` (${permissionHint("actions-read", res)})` : ""}` };
    } catch (e) {
        return { problem: (e as Error).message };
    }
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
    if (contents.status === 403) throw new Error(`reading ${i.workflowPath} of ${where}: ${said(contents)}; ${permissionHint("contents-read", contents)}`);
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
        if (res.status !== 200) throw new Error(`listing the runs of ${file} in ${where}: ${said(res)}; ${permissionHint("actions-read", res)}`);
        return res.body.workflow_runs ?? [];
    };
    const knownRuns = new Set((await listRuns()).map((r) => r.id));
    const dispatched = await gh<{ workflow_run_id?: number; html_url?: string }>("POST", `${repo}/actions/workflows/${file}/dispatches`, { ref: i.ref, return_run_details: true });
    if (dispatched.status === 403 || dispatched.status === 404) {
        throw new Error(`dispatching ${file} in ${where}: ${said(dispatched)}; ${permissionHint("actions-write", dispatched)}` +
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
                const read = await readJobLog(gh, `${repo}/actions/jobs/${job.id}/logs`);
                const log = "log" in read ? read.log : "";
                const failedStep = job.steps?.find((s) => s.conclusion === "failure")?.name;
                const status = receiverStatusInLog(log);
                const explained = "log" in read
                    ? explainJobLog(log, i)
                    : `its log could not be read (${read.problem}); from the job's steps: ${explainJobSteps(job, i)}`;
                const answered = status > 0 ? `the Receiver answered ${status}` : "no answer of the Receiver in the job's log";
                return {
                    ok: false, state: "job-failed", seconds: seconds(), runId, ...(run?.html_url ? { runUrl: run.html_url } : {}),
                    jobConclusion: job.conclusion ?? "", receiverStatus: status,
                    message: `the Actions trigger of ${where} failed: job ${i.job} of run ${runId} concluded ${job.conclusion}${failedStep ? ` at step "${failedStep}"` : ""} (${answered}): ` +
                        explained + (run?.html_url ? ` (${run.html_url})` : ""),
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

/** The REST calls as `proveActionsTrigger` makes them, through lib/github.ts's client (JSON calls, and the log as text). */
export function githubCall(
    settings: GitHubApiSettings,
    request: (s: GitHubApiSettings, method: string, path: string, body?: unknown) => Promise<GitHubResponse<unknown>>,
    readText: (s: GitHubApiSettings, path: string) => Promise<GitHubTextResponse> = githubTextRequest,
): GitHubCall {
    const call = <T>(method: string, path: string, body?: unknown) => request(settings, method, path, body) as Promise<GitHubResponse<T>>;
    return Object.assign(call, { text: (path: string) => readText(settings, path) });
}
