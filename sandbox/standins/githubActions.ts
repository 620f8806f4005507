// A stand-in for GitHub Actions (and the repository routes the Actions trigger needs), served by the
// GitHub API stand-in through its extension point: on a push GitHub learns of (GitHubApi
// .deliverPush), every workflow of the PUSHED commit whose `on: push` filter matches runs; on
// `POST .../actions/workflows/{id}/dispatches` the workflow of the dispatched ref runs. In place of
// a runner, each job's `run:` steps execute in a shell (async child processes: the sandbox's
// servers answer from this same process) with GitHub's environment, and with the real flux CLI on
// PATH for `fluxcd/flux2/action` (the one action the stand-in provides). "Set up job" resolves every
// `uses:` first, only to a release recorded in tests/fixtures/action-releases.json, and fails the job
// with GitHub's message otherwise (actionResolution.ts). A job gets
// ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN only with `permissions: id-token: write`, as on GitHub; the
// token endpoint signs GitHub Actions' claims with the OIDC issuer stand-in. Runs and jobs are
// recorded for the REST API (runs, jobs with conclusion and steps, job logs by redirect).
//
// Also here: GET /repos/{o}/{r} and the contents API (GET/PUT/DELETE .../contents/{path}), which
// write real commits to the sandbox's Git server (so source-controller and the runs see them) and
// then tell GitHubApi of the push, as GitHub does for a commit made through the API.
//
// Sources: GitHub's REST description (@octokit/openapi 23: actions/workflows, workflow-runs,
// workflow-jobs, repos/contents; GHES 3.19 has no `return_run_details` on dispatch and answers 204),
// "Variables" (the GITHUB_* defaults), "OpenID Connect" (the token request, claims, default audience
// = the owner's URL), and the errors GitHub gives (named where they are made).
import { execFile, spawn } from "child_process";
import { createHash, randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { ActionReleases, loadActionReleases, resolveAction, Resolution } from "./actionResolution";
import { AppPermissionOf, ExtensionRequest, GitHubApi, installationRefusal, PushOptions, Reply, Repository } from "./githubApi";
import { OidcIssuer } from "./oidcIssuer";
import { idTokenWrite, parseWorkflow, pushStarts, Workflow, WorkflowJob } from "./workflowSemantics";

type Access = "read" | "write";
/** Repository permissions a fine-grained token holds for these routes ("Actions", "Contents", "Workflows"). */
export interface ActionsGrant {
    readonly actions?: Access;
    readonly contents?: Access;
    readonly workflows?: Access;
}

export interface Runner {
    readonly name: string;
    /** Labels it serves (case-insensitive, as GitHub compares them). */
    readonly labels: readonly string[];
}

export interface ActionsOptions {
    readonly github: GitHubApi;
    /** The bare repository on the sandbox's Git server for owner/name (undefined: GitHub knows no commits of it). */
    readonly gitRepository: (owner: string, name: string) => string | undefined;
    /** The flux CLI the `fluxcd/flux2/action` step puts on PATH, and its version (without v). */
    readonly fluxCli: string;
    readonly fluxVersion: string;
    readonly runners: readonly Runner[];
    /** Where jobs get their workspace and temp dirs. */
    readonly dir: string;
    /** Environment every job gets on top of GitHub's (the sandbox's cluster-networking stand-in: HTTP_PROXY). */
    readonly runnerEnv?: Readonly<Record<string, string>>;
    /** github.com answers a dispatch with `return_run_details` (200 and the run's id); GHES only 204. */
    readonly returnRunDetails?: boolean;
    /** The releases `uses:` may name (default: tests/fixtures/action-releases.json, read from the actions' repositories). */
    readonly actionReleases?: ActionReleases;
    /**
     * The policy "Require actions to be pinned to a full-length commit SHA" (default on: the
     * generated workflow must run where an organization enforces it); off, a recorded tag resolves too.
     */
    readonly requireShaPinning?: boolean;
}

export interface StepRecord { number: number; name: string; status: "queued" | "in_progress" | "completed"; conclusion: string | null; started_at: string | null; completed_at: string | null }
export interface JobRecord {
    id: number; runId: number; job: WorkflowJob; name: string; status: "queued" | "in_progress" | "completed"; conclusion: string | null;
    labels: string[]; runnerName: string | null; createdAt: string; startedAt: string | null; completedAt: string | null; steps: StepRecord[]; log: string[];
    /** Milliseconds since the epoch (GitHub's timestamps have whole seconds; benchmarks want more). */
    createdMs: number; startedMs?: number; completedMs?: number;
    /** Set while the job may request ID tokens. */
    requestToken?: string;
}
export interface RunRecord {
    id: number; runNumber: number; repo: Repository; workflowId: number; path: string; name: string; event: "push" | "workflow_dispatch";
    ref: string; headBranch: string; headSha: string; status: "queued" | "in_progress" | "completed"; conclusion: string | null;
    createdAt: string; updatedAt: string; runStartedAt: string; actor: string; jobs: JobRecord[]; workflow: Workflow;
}

const git = (cwd: string, args: string[]): Promise<string> => new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: cwd }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout)));
});
const gitIn = (cwd: string, args: string[], input: string, extraEnv: Record<string, string> = {}): Promise<string> => new Promise((resolve, reject) => {
    const child = execFile("git", args, { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: cwd, ...extraEnv } }, (err, stdout, stderr) => (err ? reject(new Error(`git ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout.trim())));
    // Commands that read no input may exit before it is written: ignore that pipe's EPIPE.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
});

function ghError(status: number, message: string, doc = "https://docs.github.com/rest"): Reply {
    return { status, body: { message, documentation_url: doc, status: String(status) } };
}
const notFound = (doc?: string) => ghError(404, "Not Found", doc);
const ActionsDocs = "https://docs.github.com/rest/actions";
const ContentsDocs = "https://docs.github.com/rest/repos/contents";
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

export class GitHubActions {
    readonly runs: RunRecord[] = [];
    /** Tokens the runners were given, for tests: request token -> job. */
    private readonly requestTokens = new Map<string, JobRecord>();
    private readonly grants = new Map<string, ActionsGrant>();
    private readonly workflowIds = new Map<string, number>();
    private readonly logLinks = new Map<string, { job: JobRecord; expires: number }>();
    private readonly running = new Set<Promise<void>>();
    private readonly children = new Set<ReturnType<typeof spawn>>();
    private readonly busy = new Map<string, Promise<void>>();
    private nextRunId = 3000000001;
    private nextJobId = 8000000001;
    private readonly runNumbers = new Map<number, number>();
    private closed = false;

    private readonly releases: ActionReleases;

    private constructor(private readonly o: ActionsOptions, readonly issuer: OidcIssuer, private readonly serverUrl: string) {
        this.releases = o.actionReleases ?? loadActionReleases();
    }

    /** Mounts the Actions routes, the contents API, the ID-token endpoint and the OIDC issuer on `github`'s host. */
    static async start(o: ActionsOptions): Promise<GitHubActions> {
        const serverUrl = o.github.url.replace(/\/+$/, "");
        const issuer = await OidcIssuer.create(`${serverUrl}/_services/token`);
        const a = new GitHubActions(o, issuer, serverUrl);
        fs.mkdirSync(o.dir, { recursive: true });
        o.github.addHostService("/_services/token/", (req, res) => issuer.serve(req, res));
        o.github.addHostService("/_services/pipelines/", (req, res) => a.tokenEndpoint(req, res));
        o.github.addHostService("/_services/job-logs/", (req, res) => a.logDownload(req, res));
        // A stand-in bug answers 500 with its message (GitHub's own failures are 500s too) instead of hanging the request.
        o.github.addRoutes((req) => a.route(req).catch((e: Error) => {
            console.error(`[actions stand-in] ${req.method} ${req.path}: ${e.stack ?? e.message}`);
            return ghError(500, `actions stand-in: ${e.message}`);
        }));
        o.github.onPush((owner, repo, push) => a.handlePush(owner, repo, push));
        return a;
    }

    /** GitHub's (GHES) web URL, GITHUB_SERVER_URL. */
    get server(): string {
        return this.serverUrl;
    }

    addToken(token: string, grant: ActionsGrant): void {
        this.grants.set(token, grant);
    }

    /** Waits until no job is executing (queued jobs that no runner serves stay queued, as on GitHub). */
    async idle(): Promise<void> {
        while (this.running.size > 0) await Promise.all([...this.running]);
    }

    async close(): Promise<void> {
        this.closed = true;
        for (const c of this.children) c.kill("SIGKILL");
        await this.idle();
    }

    // ---- triggers ----------------------------------------------------------------------------

    /**
     * A push GitHub learned of: the workflows of the pushed commit whose push filter matches run.
     * GitHubApi.deliverPush calls it; a benchmark may call it alone (Actions without the hooks).
     */
    handlePush(owner: string, name: string, push: PushOptions): void {
        const repo = this.o.github.repository(owner, name);
        const bare = this.o.gitRepository(owner, name);
        if (!repo || !bare || /^0+$/.test(push.after)) return;
        const ref = push.ref ?? "refs/heads/main";
        const p = (async () => {
            for (const file of await this.workflowFiles(bare, push.after)) {
                const text = await this.fileAt(bare, push.after, file);
                let wf: Workflow;
                try {
                    wf = parseWorkflow(text ?? "", file);
                } catch (e) {
                    console.error(`[actions stand-in] ${owner}/${name} ${file}@${push.after.slice(0, 8)}: ${(e as Error).message} (not run)`);
                    continue;
                }
                if (wf.push?.paths) {
                    console.error(`[actions stand-in] ${file}: paths filters are not evaluated by the stand-in; the workflow is not run`);
                    continue;
                }
                if (pushStarts(wf.push, ref)) this.startRun(repo, bare, file, wf, "push", ref, push.after);
            }
        })().catch((e: Error) => console.error(`[actions stand-in] push of ${owner}/${name}: ${e.message}`));
        this.track(p);
    }

    private async workflowFiles(bare: string, sha: string): Promise<string[]> {
        const out = await git(bare, ["ls-tree", "--name-only", sha, ".github/workflows/"]).catch(() => "");
        return out.split("\n").filter((f) => /\.ya?ml$/.test(f));
    }

    private async fileAt(bare: string, sha: string, file: string): Promise<string | undefined> {
        return git(bare, ["show", `${sha}:${file}`]).catch(() => undefined);
    }

    private async resolveRef(bare: string, ref: string): Promise<{ sha: string; ref: string } | undefined> {
        for (const full of ref.startsWith("refs/") ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`]) {
            const sha = await git(bare, ["rev-parse", "--verify", "--quiet", `${full}^{commit}`]).catch(() => "");
            if (sha.trim()) return { sha: sha.trim(), ref: full };
        }
        return undefined;
    }

    private async defaultBranch(bare: string): Promise<string> {
        return (await git(bare, ["symbolic-ref", "--short", "HEAD"]).catch(() => "main")).trim() || "main";
    }

    private workflowId(repo: Repository, file: string): number {
        const key = `${repo.id}:${file}`;
        if (!this.workflowIds.has(key)) this.workflowIds.set(key, 100000000 + this.workflowIds.size + 1);
        return this.workflowIds.get(key) as number;
    }

    private startRun(repo: Repository, bare: string, file: string, wf: Workflow, event: RunRecord["event"], ref: string, sha: string): RunRecord {
        const workflowId = this.workflowId(repo, file);
        const runNumber = (this.runNumbers.get(workflowId) ?? 0) + 1;
        this.runNumbers.set(workflowId, runNumber);
        const t = now();
        const run: RunRecord = {
            id: this.nextRunId++, runNumber, repo, workflowId, path: file, name: wf.name, event, ref,
            headBranch: ref.replace(/^refs\/(heads|tags)\//, ""), headSha: sha, status: "queued", conclusion: null,
            createdAt: t, updatedAt: t, runStartedAt: t, actor: "sandbox", jobs: [], workflow: wf,
        };
        run.jobs = wf.jobs.map((j) => ({
            id: this.nextJobId++, runId: run.id, job: j, name: j.name, status: "queued", conclusion: null, labels: [...j.runsOn],
            runnerName: null, createdAt: t, startedAt: null, completedAt: null, log: [], createdMs: Date.now(),
            steps: [{ name: "Set up job" }, ...j.steps.map((s, i) => ({ name: s.name ?? (s.uses ? `Run ${s.uses}` : `Run ${String(s.run).split("\n")[0]}`), i })), { name: "Complete job" }]
                .map((s, i) => ({ number: i + 1, name: s.name, status: "queued" as const, conclusion: null, started_at: null, completed_at: null })),
        }));
        this.runs.push(run);
        for (const job of run.jobs) {
            const runner = this.o.runners.find((r) => job.labels.every((l) => r.labels.some((x) => x.toLowerCase() === l.toLowerCase())));
            // No runner with these labels: the job waits, as GitHub lets it wait for one.
            if (!runner) continue;
            // A runner runs one job at a time.
            const previous = this.busy.get(runner.name) ?? Promise.resolve();
            const p = previous.then(() => this.runJob(run, job, runner, bare));
            this.busy.set(runner.name, p.catch(() => undefined));
            this.track(p);
        }
        return run;
    }

    private track(p: Promise<void>): void {
        this.running.add(p);
        void p.catch(() => undefined).finally(() => this.running.delete(p));
    }

    // ---- the runner --------------------------------------------------------------------------

    private async runJob(run: RunRecord, job: JobRecord, runner: Runner, _bare: string): Promise<void> {
        if (this.closed) return;
        const log = (line: string) => job.log.push(`${now()} ${line}`);
        job.status = "in_progress";
        job.startedAt = now();
        job.startedMs = Date.now();
        job.runnerName = runner.name;
        run.status = "in_progress";
        run.updatedAt = now();
        const workDir = fs.mkdtempSync(path.join(this.o.dir, `job-${job.id}-`));
        const workspace = path.join(workDir, "workspace");
        const temp = path.join(workDir, "temp");
        const tools = path.join(workDir, "tools");
        for (const d of [workspace, temp, tools]) fs.mkdirSync(d, { recursive: true });
        const files = { path: path.join(temp, "path"), env: path.join(temp, "env"), output: path.join(temp, "output") };
        for (const f of Object.values(files)) fs.writeFileSync(f, "");
        const full = `${run.repo.owner}/${run.repo.name}`;
        const refType = run.ref.startsWith("refs/tags/") ? "tag" : "branch";
        const env: Record<string, string> = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            HOME: workDir,
            CI: "true",
            GITHUB_ACTIONS: "true",
            GITHUB_ACTION: "__run",
            GITHUB_ACTOR: run.actor,
            GITHUB_ACTOR_ID: "1",
            GITHUB_API_URL: `${this.serverUrl}/api/v3`,
            GITHUB_GRAPHQL_URL: `${this.serverUrl}/api/graphql`,
            GITHUB_SERVER_URL: this.serverUrl,
            GITHUB_EVENT_NAME: run.event,
            GITHUB_JOB: job.job.id,
            GITHUB_REF: run.ref,
            GITHUB_REF_NAME: run.headBranch,
            GITHUB_REF_TYPE: refType,
            GITHUB_REF_PROTECTED: "false",
            GITHUB_REPOSITORY: full,
            GITHUB_REPOSITORY_ID: String(run.repo.id),
            GITHUB_REPOSITORY_OWNER: run.repo.owner,
            GITHUB_REPOSITORY_OWNER_ID: String(ownerId(run.repo.owner)),
            GITHUB_RUN_ID: String(run.id),
            GITHUB_RUN_NUMBER: String(run.runNumber),
            GITHUB_RUN_ATTEMPT: "1",
            GITHUB_SHA: run.headSha,
            GITHUB_WORKFLOW: run.name,
            GITHUB_WORKFLOW_REF: `${full}/${run.path}@${run.ref}`,
            GITHUB_WORKFLOW_SHA: run.headSha,
            GITHUB_WORKSPACE: workspace,
            GITHUB_PATH: files.path,
            GITHUB_ENV: files.env,
            GITHUB_OUTPUT: files.output,
            RUNNER_NAME: runner.name,
            RUNNER_OS: "Linux",
            RUNNER_ARCH: "X64",
            RUNNER_ENVIRONMENT: "self-hosted",
            RUNNER_TEMP: temp,
            RUNNER_TOOL_CACHE: tools,
            ...this.o.runnerEnv,
            ...run.workflow.env,
            ...job.job.env,
        };
        // GitHub hands the job an ID-token request URL and bearer token only with id-token: write.
        if (idTokenWrite(run.workflow.permissions, job.job.permissions)) {
            job.requestToken = randomBytes(32).toString("base64url");
            this.requestTokens.set(job.requestToken, job);
            env.ACTIONS_ID_TOKEN_REQUEST_URL = `${this.serverUrl}/_services/pipelines/${randomUUID()}/_apis/distributedtask/hubs/Actions/plans/${randomUUID()}/jobs/${randomUUID()}/idtoken?api-version=2.0`;
            env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = job.requestToken;
        }
        const steps = job.steps;
        const mark = (s: StepRecord, status: StepRecord["status"], conclusion: string | null = null) => {
            s.status = status;
            s.conclusion = conclusion;
            if (status === "in_progress") s.started_at = now();
            if (status === "completed") s.completed_at = now();
        };
        mark(steps[0], "in_progress");
        log(`Runner name: '${runner.name}' (sandbox stand-in for a self-hosted runner; labels ${runner.labels.join(", ")})`);
        log(`GITHUB_TOKEN permissions: ${JSON.stringify(job.job.permissions ?? run.workflow.permissions ?? "repository default")}`);
        // "Set up job" resolves every action of the job before any step runs; one that does not
        // resolve fails the job here, and no step runs (GitHub's log: "Prepare all required
        // actions", "Getting action download info", then the error).
        log("Prepare workflow directory");
        log("Prepare all required actions");
        log("Getting action download info");
        const resolved = new Map<number, Resolution & { ok: true }>();
        let failed = job.job.unsupported;
        job.job.steps.forEach((step, i) => {
            if (step.uses === undefined || step.uses.startsWith("./") || step.uses.startsWith("docker://")) return;
            const r = resolveAction(step.uses, this.releases, `${run.repo.owner}/${run.repo.name}`, this.o.requireShaPinning ?? true);
            if (r.ok) {
                resolved.set(i, r);
                log(`Download action repository '${step.uses}' (SHA:${r.commit})`);
            } else {
                log(`##[error]${r.error}`);
                failed ??= r.error;
            }
        });
        if (job.job.unsupported) log(`##[error]${job.job.unsupported}`);
        mark(steps[0], "completed", failed ? "failure" : "success");
        const deadline = Date.now() + job.job.timeoutMinutes * 60000;
        for (let i = 0; i < job.job.steps.length; i++) {
            const step = job.job.steps[i];
            const record = steps[i + 1];
            if (failed || this.closed) {
                mark(record, "completed", "skipped");
                continue;
            }
            mark(record, "in_progress");
            log(`##[group]${record.name}`);
            const extraPath = fs.readFileSync(files.path, "utf8").split("\n").filter(Boolean).reverse();
            const stepEnv = { ...env, ...parseEnvFile(fs.readFileSync(files.env, "utf8")), ...(step.env ?? {}), PATH: [...extraPath, env.PATH].join(path.delimiter) };
            let ok: boolean;
            if (step.uses !== undefined) {
                ok = this.useAction(step.uses, resolved.get(i), step.with ?? {}, tools, files.path, log);
            } else if (step.run !== undefined) {
                ok = await this.runScript(step.run, step.shell, stepEnv, workspace, temp, deadline, log);
            } else {
                log("##[error]a step needs run or uses");
                ok = false;
            }
            log("##[endgroup]");
            mark(record, "completed", ok ? "success" : "failure");
            if (!ok) failed = `step ${record.name} failed`;
        }
        const last = steps[steps.length - 1];
        mark(last, "in_progress");
        mark(last, "completed", "success");
        job.status = "completed";
        job.conclusion = failed ? "failure" : "success";
        job.completedAt = now();
        job.completedMs = Date.now();
        log(`Job ${job.conclusion === "success" ? "succeeded" : "failed"}`);
        fs.rmSync(workDir, { recursive: true, force: true });
        if (run.jobs.every((j) => j.status === "completed")) {
            run.status = "completed";
            run.conclusion = run.jobs.every((j) => j.conclusion === "success") ? "success" : "failure";
        }
        run.updatedAt = now();
    }

    /** The one action the stand-in provides, at a recorded release: fluxcd/flux2/action puts the flux CLI of `version` on PATH. */
    private useAction(uses: string, resolved: Resolution | undefined, inputs: Readonly<Record<string, string>>, tools: string, pathFile: string, log: (l: string) => void): boolean {
        if (!resolved?.ok || resolved.repository !== "fluxcd/flux2" || resolved.path !== "action") {
            log(`##[error]the sandbox's Actions stand-in has no copy of the action ${uses}`);
            return false;
        }
        log(`fluxcd/flux2/action at ${resolved.release} (${resolved.commit})`);
        const version = (inputs.version ?? this.o.fluxVersion).replace(/^v/, "");
        if (version !== this.o.fluxVersion && version !== "latest") {
            log(`##[error]the stand-in's runner has flux ${this.o.fluxVersion} only, not ${version}`);
            return false;
        }
        const dir = path.join(tools, "flux", version);
        fs.mkdirSync(dir, { recursive: true });
        fs.symlinkSync(this.o.fluxCli, path.join(dir, "flux"));
        fs.appendFileSync(pathFile, `${dir}\n`);
        log(`Flux CLI ${version} installed at ${dir} (sandbox: the toolchain's flux binary, in place of the release download)`);
        return true;
    }

    /** A `run:` step: GitHub's default shell on Linux (`bash -e {0}`, or `bash --noprofile --norc -eo pipefail {0}` for shell: bash). */
    private runScript(script: string, shell: string | undefined, env: Record<string, string>, cwd: string, temp: string, deadline: number, log: (l: string) => void): Promise<boolean> {
        const file = path.join(temp, `${randomUUID()}.sh`);
        fs.writeFileSync(file, script);
        const args = shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail", file] : ["-e", file];
        if (shell !== undefined && shell !== "bash") {
            log(`##[error]the stand-in runs bash steps only, not shell ${shell}`);
            return Promise.resolve(false);
        }
        return new Promise((resolve) => {
            const child = spawn("bash", args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
            this.children.add(child);
            const timer = setTimeout(() => {
                log("##[error]The job running on runner has exceeded the maximum execution time");
                child.kill("SIGKILL");
            }, Math.max(0, deadline - Date.now()));
            let pending = "";
            const onData = (chunk: Buffer) => {
                pending += chunk.toString();
                const lines = pending.split("\n");
                pending = lines.pop() ?? "";
                for (const l of lines) log(l);
            };
            child.stdout?.on("data", onData);
            child.stderr?.on("data", onData);
            child.on("close", (code) => {
                clearTimeout(timer);
                this.children.delete(child);
                if (pending) log(pending);
                if (code !== 0) log(`##[error]Process completed with exit code ${code ?? "(killed)"}.`);
                resolve(code === 0);
            });
            child.on("error", (e) => {
                log(`##[error]${e.message}`);
                resolve(false);
            });
        });
    }

    // ---- the ID-token endpoint ---------------------------------------------------------------

    /** GET <ACTIONS_ID_TOKEN_REQUEST_URL>&audience=AUD with `Authorization: bearer <request token>` -> {"value": JWT}. */
    private tokenEndpoint(req: http.IncomingMessage, res: http.ServerResponse): void {
        const url = new URL(req.url ?? "/", "http://localhost");
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
            res.end(JSON.stringify(body));
        };
        const presented = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
        const job = presented ? this.requestTokens.get(presented) : undefined;
        if (req.method !== "GET" || !url.pathname.endsWith("/idtoken")) return send(404, { message: "Not Found" });
        // The job's runtime token: valid from the job's start for its longest life (6 h) and ten minutes more, as GitHub's.
        const expired = !job?.startedAt || Date.parse(job.startedAt) + (6 * 60 + 10) * 60000 < Date.now();
        if (!job || expired) return send(401, { message: "Unauthorized: the job's token is not valid" });
        const run = this.runs.find((r) => r.id === job.runId) as RunRecord;
        const audience = url.searchParams.get("audience") ?? `${this.serverUrl}/${run.repo.owner}`;
        send(200, { value: this.issuer.mint(this.claims(run, job, audience)) });
    }

    /** GitHub Actions' claims for a job of a run (the reference's list; values are strings, as GitHub sends them). */
    claims(run: RunRecord, job: JobRecord, audience: string): Record<string, unknown> {
        const full = `${run.repo.owner}/${run.repo.name}`;
        const workflowRef = `${full}/${run.path}@${run.ref}`;
        return {
            jti: randomUUID(),
            sub: `repo:${full}:ref:${run.ref}`,
            aud: audience,
            ref: run.ref,
            sha: run.headSha,
            repository: full,
            repository_owner: run.repo.owner,
            repository_owner_id: String(ownerId(run.repo.owner)),
            repository_visibility: "private",
            repository_id: String(run.repo.id),
            run_id: String(run.id),
            run_number: String(run.runNumber),
            run_attempt: "1",
            runner_environment: "self-hosted",
            actor: run.actor,
            actor_id: "1",
            workflow: run.name,
            workflow_ref: workflowRef,
            workflow_sha: run.headSha,
            job_workflow_ref: workflowRef,
            job_workflow_sha: run.headSha,
            head_ref: "",
            base_ref: "",
            event_name: run.event,
            ref_type: run.ref.startsWith("refs/tags/") ? "tag" : "branch",
            ref_protected: "false",
            check_run_id: String(job.id),
        };
    }

    private logDownload(req: http.IncomingMessage, res: http.ServerResponse): void {
        const key = new URL(req.url ?? "/", "http://localhost").pathname.split("/").pop() ?? "";
        const link = this.logLinks.get(key);
        if (!link || link.expires < Date.now()) {
            res.writeHead(404, { "Content-Type": "text/plain" });
            return void res.end("The link has expired");
        }
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(link.job.log.join("\n") + "\n");
    }

    // ---- REST routes -------------------------------------------------------------------------

    /**
     * GitHub's answer to a token without the permission, or undefined when it has it. An App's
     * installation token (githubApi.ts installationRefusal): 404 outside the installation's
     * repositories, else 403 "Resource not accessible by integration" naming the App permission
     * (`appPermission`, by default the same name: "Metadata" for reading the repository itself);
     * for .github/workflows too. GitHub documents no REST answer for an App's workflow change
     * without Workflows; the stand-in gives the one GitHub gives an App elsewhere ("refusing to
     * allow a GitHub App to create or update workflow … without `workflows` permission" on a push,
     * FORBIDDEN "Resource not accessible by integration" through GraphQL), where a personal token
     * gets 404. lib/workflowFile.ts names the permission for either.
     */
    private allowed(req: ExtensionRequest, permission: keyof ActionsGrant, write: boolean, doc: string, repo: Repository, appPermission: keyof typeof AppPermissionOf = permission): Reply | undefined {
        if (req.grant.type === "installation") return installationRefusal(req.grant, repo, appPermission, write ? "write" : "read", doc);
        const g = req.token ? this.grants.get(req.token) : undefined;
        // A classic token with repo scope may use Actions and contents; .github/workflows needs the workflow scope.
        const has = g ? g[permission] : req.grant.type === "classic" && req.token !== undefined && permission !== "workflows" ? "write" : undefined;
        if (has === "write" || (has === "read" && !write)) return undefined;
        if (permission === "workflows") return notFound(doc); // GitHub hides .github/workflows writes behind 404
        if (req.grant.type === "fine-grained") return ghError(403, "Resource not accessible by personal access token", doc);
        return notFound(doc);
    }

    private async route(req: ExtensionRequest): Promise<Reply | undefined> {
        const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path);
        if (!m) return undefined;
        const repo = this.o.github.repository(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
        const rest = m[3] ?? "";
        if (!repo) return rest === "" || rest.startsWith("/actions") || rest.startsWith("/contents") ? notFound() : undefined;
        const bare = this.o.gitRepository(repo.owner, repo.name);
        if (rest === "" && req.method === "GET") {
            return this.allowed(req, "contents", false, "https://docs.github.com/rest/repos/repos#get-a-repository", repo, "metadata") ?? { status: 200, body: await this.repositoryView(repo, bare, req.apiBase) };
        }
        const contents = /^\/contents\/(.+)$/.exec(rest);
        if (contents) return this.contentsRoute(req, repo, bare, decodeURIComponent(contents[1]));
        if (!rest.startsWith("/actions/")) return undefined;
        const write = req.method !== "GET";
        const denied = this.allowed(req, "actions", write, ActionsDocs, repo);
        if (denied) return denied;
        const wf = /^\/actions\/workflows\/([^/]+)(\/runs|\/dispatches)?$/.exec(rest);
        if (wf) {
            const [, id, sub] = wf;
            const file = await this.findWorkflow(repo, bare, decodeURIComponent(id));
            if (!file) return notFound(`${ActionsDocs}/workflows`);
            if (sub === "/dispatches" && req.method === "POST") return this.dispatch(req, repo, bare as string, file);
            if (sub === "/runs" && req.method === "GET") return this.listRuns(req, this.runs.filter((r) => r.repo.id === repo.id && r.path === file));
            if (sub === undefined && req.method === "GET") return { status: 200, body: this.workflowView(repo, file, req.apiBase) };
            return undefined;
        }
        if (rest === "/actions/runs" && req.method === "GET") return this.listRuns(req, this.runs.filter((r) => r.repo.id === repo.id));
        const run = /^\/actions\/runs\/(\d+)(\/jobs)?$/.exec(rest);
        if (run && req.method === "GET") {
            const r = this.runs.find((x) => x.id === Number(run[1]) && x.repo.id === repo.id);
            if (!r) return notFound(`${ActionsDocs}/workflow-runs`);
            if (run[2]) return { status: 200, body: { total_count: r.jobs.length, jobs: r.jobs.map((j) => this.jobView(r, j, req.apiBase)) } };
            return { status: 200, body: this.runView(r, req.apiBase) };
        }
        const job = /^\/actions\/jobs\/(\d+)(\/logs)?$/.exec(rest);
        if (job && req.method === "GET") {
            const r = this.runs.find((x) => x.repo.id === repo.id && x.jobs.some((j) => j.id === Number(job[1])));
            const j = r?.jobs.find((x) => x.id === Number(job[1]));
            if (!r || !j) return notFound(`${ActionsDocs}/workflow-jobs`);
            if (!job[2]) return { status: 200, body: this.jobView(r, j, req.apiBase) };
            // "Gets a redirect URL to download a plain text file of logs ... This link expires after 1 minute."
            const key = randomBytes(16).toString("hex");
            this.logLinks.set(key, { job: j, expires: Date.now() + 60000 });
            return { status: 302, headers: { Location: `${this.serverUrl}/_services/job-logs/${key}` } };
        }
        return undefined;
    }

    /** A workflow by numeric id or file name: GitHub knows the workflows on the default branch. */
    private async findWorkflow(repo: Repository, bare: string | undefined, id: string): Promise<string | undefined> {
        if (!bare) return undefined;
        const head = await this.resolveRef(bare, await this.defaultBranch(bare));
        if (!head) return undefined;
        const files = await this.workflowFiles(bare, head.sha);
        return files.find((f) => (/^\d+$/.test(id) ? this.workflowId(repo, f) === Number(id) : path.posix.basename(f) === id));
    }

    /** POST .../dispatches {ref, inputs?, return_run_details?} -> 204 (GHES), or 200 with the run (github.com, when asked). */
    private async dispatch(req: ExtensionRequest, repo: Repository, bare: string, file: string): Promise<Reply> {
        const doc = `${ActionsDocs}/workflows#create-a-workflow-dispatch-event`;
        const ref = req.input.ref;
        if (typeof ref !== "string" || ref === "") return ghError(422, "Invalid request.\n\n\"ref\" wasn't supplied.", doc);
        const resolved = await this.resolveRef(bare, ref);
        if (!resolved) return ghError(422, `No ref found for: ${ref}`, doc);
        const text = await this.fileAt(bare, resolved.sha, file);
        if (text === undefined) return ghError(422, `Workflow does not exist on ${ref}`, doc);
        let wf: Workflow;
        try {
            wf = parseWorkflow(text, file);
        } catch (e) {
            return ghError(422, (e as Error).message, doc);
        }
        // GitHub's answer for a workflow without the trigger (e.g. actions/toolkit#1193).
        if (!wf.workflowDispatch) return ghError(422, "Workflow does not have 'workflow_dispatch' trigger", doc);
        const inputs = typeof req.input.inputs === "object" && req.input.inputs !== null ? Object.keys(req.input.inputs) : [];
        const unexpected = inputs.filter((k) => !wf.workflowDispatch?.inputs.includes(k));
        if (unexpected.length > 0) return ghError(422, `Unexpected inputs provided: ${JSON.stringify(unexpected)}`, doc);
        const run = this.startRun(repo, bare, file, wf, "workflow_dispatch", resolved.ref, resolved.sha);
        if (this.o.returnRunDetails && req.input.return_run_details === true) {
            return { status: 200, body: { workflow_run_id: run.id, run_url: `${req.apiBase}repos/${repo.owner}/${repo.name}/actions/runs/${run.id}`, html_url: `${this.serverUrl}/${repo.owner}/${repo.name}/actions/runs/${run.id}` } };
        }
        return { status: 204 };
    }

    private listRuns(req: ExtensionRequest, all: RunRecord[]): Reply {
        let list = [...all].reverse();
        const q = req.query;
        if (q.get("event")) list = list.filter((r) => r.event === q.get("event"));
        if (q.get("branch")) list = list.filter((r) => r.headBranch === q.get("branch"));
        if (q.get("status")) list = list.filter((r) => r.status === q.get("status") || r.conclusion === q.get("status"));
        if (q.get("head_sha")) list = list.filter((r) => r.headSha === q.get("head_sha"));
        const perPage = Math.min(100, Math.max(1, Number(q.get("per_page") ?? 30) || 30));
        const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
        return { status: 200, body: { total_count: list.length, workflow_runs: list.slice((page - 1) * perPage, page * perPage).map((r) => this.runView(r, req.apiBase)) } };
    }

    // ---- contents --------------------------------------------------------------------------

    private async contentsRoute(req: ExtensionRequest, repo: Repository, bare: string | undefined, file: string): Promise<Reply> {
        const doc = `${ContentsDocs}#${req.method === "GET" ? "get-repository-content" : req.method === "PUT" ? "create-or-update-file-contents" : "delete-a-file"}`;
        if (!bare) return notFound(doc);
        const write = req.method !== "GET";
        const denied = this.allowed(req, "contents", write, doc, repo) ?? (write && file.startsWith(".github/workflows/") ? this.allowed(req, "workflows", true, doc, repo) : undefined);
        if (denied) return denied;
        const branch = String((req.method === "GET" ? req.query.get("ref") : req.input.branch) ?? "") || await this.defaultBranch(bare);
        const head = await this.resolveRef(bare, branch);
        if (req.method === "GET") {
            if (!head) return ghError(404, `No commit found for the ref ${branch}`, doc);
            const blob = (await git(bare, ["rev-parse", "--verify", "--quiet", `${head.sha}:${file}`]).catch(() => "")).trim();
            const text = blob ? await git(bare, ["cat-file", "blob", blob]) : undefined;
            if (text === undefined) return notFound(doc);
            return { status: 200, body: this.fileView(repo, file, blob, text, req.apiBase) };
        }
        if (req.method !== "PUT" && req.method !== "DELETE") return ghError(404, "Not Found", doc);
        if (!head) return ghError(422, `Branch ${branch} not found`, doc);
        const message = req.input.message;
        if (typeof message !== "string" || message === "") return ghError(422, "Invalid request.\n\n\"message\" wasn't supplied.", doc);
        const current = (await git(bare, ["rev-parse", "--verify", "--quiet", `${head.sha}:${file}`]).catch(() => "")).trim();
        const sha = req.input.sha;
        if (req.method === "PUT") {
            if (typeof req.input.content !== "string") return ghError(422, "Invalid request.\n\n\"content\" wasn't supplied.", doc);
            // Updating needs the blob SHA being replaced (GitHub: 422 "sha" wasn't supplied; 409 when it is not the current one).
            if (current && sha === undefined) return ghError(422, "Invalid request.\n\n\"sha\" wasn't supplied.", doc);
            if (current && sha !== current) return ghError(409, `${file} does not match ${String(sha)}`, doc);
        } else {
            if (!current) return notFound(doc);
            if (sha !== current) return ghError(409, `${file} does not match ${String(sha)}`, doc);
        }
        const content = req.method === "PUT" ? Buffer.from(String(req.input.content), "base64").toString("utf8") : undefined;
        const commit = await this.commit(bare, head, file, content, message);
        void this.o.github.deliverPush(repo.owner, repo.name, { ref: head.ref, before: head.sha, after: commit, message });
        const commitView = { sha: commit, message, html_url: `${this.serverUrl}/${repo.owner}/${repo.name}/commit/${commit}` };
        if (content === undefined) return { status: 200, body: { content: null, commit: commitView } };
        const blob = await gitIn(bare, ["hash-object", "--stdin"], content);
        return { status: current ? 200 : 201, body: { content: this.fileView(repo, file, blob, content, req.apiBase), commit: commitView } };
    }

    /** A real commit on the branch of the bare repository: the file written (or removed), the ref moved from `head` (refused if it moved meanwhile). */
    private async commit(bare: string, head: { sha: string; ref: string }, file: string, content: string | undefined, message: string): Promise<string> {
        const index = path.join(this.o.dir, `index-${randomUUID()}`);
        const env = { GIT_INDEX_FILE: index, GIT_AUTHOR_NAME: "sandbox", GIT_AUTHOR_EMAIL: "sandbox@example.com", GIT_COMMITTER_NAME: "GitHub", GIT_COMMITTER_EMAIL: "noreply@github.com" };
        try {
            await gitIn(bare, ["read-tree", head.sha], "", env);
            if (content === undefined) {
                // Mode 0 removes the entry (--remove needs a work tree, which a bare repository has not).
                await gitIn(bare, ["update-index", "--index-info"], `0 ${"0".repeat(40)}\t${file}\n`, env);
            } else {
                const blob = await gitIn(bare, ["hash-object", "-w", "--stdin"], content);
                await gitIn(bare, ["update-index", "--add", "--cacheinfo", `100644,${blob},${file}`], "", env);
            }
            const tree = await gitIn(bare, ["write-tree"], "", env);
            const commit = await gitIn(bare, ["commit-tree", tree, "-p", head.sha, "-F", "-"], message, env);
            await gitIn(bare, ["update-ref", head.ref, commit, head.sha], "");
            return commit;
        } finally {
            fs.rmSync(index, { force: true });
        }
    }

    // ---- views ---------------------------------------------------------------------------------

    private async repositoryView(repo: Repository, bare: string | undefined, apiBase: string): Promise<Record<string, unknown>> {
        const full = `${repo.owner}/${repo.name}`;
        return {
            id: repo.id, node_id: `R_${repo.id}`, name: repo.name, full_name: full, private: true, visibility: "private",
            owner: { login: repo.owner, id: ownerId(repo.owner), type: "Organization" },
            html_url: `${this.serverUrl}/${full}`, url: `${apiBase}repos/${full}`,
            clone_url: `${this.serverUrl}/${full}.git`, default_branch: bare ? await this.defaultBranch(bare) : "main",
            archived: false, disabled: false, fork: false,
        };
    }

    private workflowView(repo: Repository, file: string, apiBase: string): Record<string, unknown> {
        const id = this.workflowId(repo, file);
        const full = `${repo.owner}/${repo.name}`;
        const t = now();
        return {
            id, node_id: `W_${id}`, name: this.runs.find((r) => r.workflowId === id)?.name ?? file, path: file, state: "active", created_at: t, updated_at: t,
            url: `${apiBase}repos/${full}/actions/workflows/${id}`, html_url: `${this.serverUrl}/${full}/blob/main/${file}`, badge_url: `${this.serverUrl}/${full}/workflows/${path.posix.basename(file)}/badge.svg`,
        };
    }

    private runView(r: RunRecord, apiBase: string): Record<string, unknown> {
        const full = `${r.repo.owner}/${r.repo.name}`;
        const api = `${apiBase}repos/${full}`;
        const repository = { id: r.repo.id, node_id: `R_${r.repo.id}`, name: r.repo.name, full_name: full, owner: { login: r.repo.owner, id: ownerId(r.repo.owner) }, private: true };
        return {
            id: r.id, name: r.name, node_id: `WFR_${r.id}`, check_suite_id: r.id + 1, head_branch: r.headBranch, head_sha: r.headSha, path: r.path,
            display_title: r.name, run_number: r.runNumber, run_attempt: 1, event: r.event, status: r.status, conclusion: r.conclusion, workflow_id: r.workflowId,
            url: `${api}/actions/runs/${r.id}`, html_url: `${this.serverUrl}/${full}/actions/runs/${r.id}`, pull_requests: [],
            created_at: r.createdAt, updated_at: r.updatedAt, run_started_at: r.runStartedAt, actor: { login: r.actor, id: 1 }, triggering_actor: { login: r.actor, id: 1 },
            jobs_url: `${api}/actions/runs/${r.id}/jobs`, logs_url: `${api}/actions/runs/${r.id}/logs`, check_suite_url: `${api}/check-suites/${r.id + 1}`,
            artifacts_url: `${api}/actions/runs/${r.id}/artifacts`, cancel_url: `${api}/actions/runs/${r.id}/cancel`, rerun_url: `${api}/actions/runs/${r.id}/rerun`,
            workflow_url: `${api}/actions/workflows/${r.workflowId}`,
            head_commit: { id: r.headSha, tree_id: r.headSha, message: "", timestamp: r.createdAt, author: { name: "sandbox", email: "sandbox@example.com" }, committer: { name: "sandbox", email: "sandbox@example.com" } },
            repository, head_repository: repository,
        };
    }

    private jobView(r: RunRecord, j: JobRecord, apiBase: string): Record<string, unknown> {
        const full = `${r.repo.owner}/${r.repo.name}`;
        const api = `${apiBase}repos/${full}`;
        return {
            id: j.id, run_id: r.id, run_url: `${api}/actions/runs/${r.id}`, run_attempt: 1, node_id: `CR_${j.id}`, head_sha: r.headSha, head_branch: r.headBranch,
            url: `${api}/actions/jobs/${j.id}`, html_url: `${this.serverUrl}/${full}/actions/runs/${r.id}/job/${j.id}`, status: j.status, conclusion: j.conclusion,
            created_at: j.createdAt, started_at: j.startedAt ?? j.createdAt, completed_at: j.completedAt, name: j.name, steps: j.steps,
            check_run_url: `${api}/check-runs/${j.id}`, labels: j.labels, runner_id: j.runnerName ? 1 : null, runner_name: j.runnerName,
            runner_group_id: j.runnerName ? 1 : null, runner_group_name: j.runnerName ? "Default" : null, workflow_name: r.name,
        };
    }

    private fileView(repo: Repository, file: string, blob: string, text: string, apiBase: string): Record<string, unknown> {
        const full = `${repo.owner}/${repo.name}`;
        const url = `${apiBase}repos/${full}/contents/${file}`;
        const html = `${this.serverUrl}/${full}/blob/main/${file}`;
        const gitUrl = `${apiBase}repos/${full}/git/blobs/${blob}`;
        return {
            type: "file", encoding: "base64", size: Buffer.byteLength(text), name: path.posix.basename(file), path: file,
            content: Buffer.from(text).toString("base64").replace(/(.{60})/g, "$1\n"), sha: blob, url, git_url: gitUrl, html_url: html,
            download_url: `${this.serverUrl}/${full}/raw/main/${file}`, _links: { self: url, git: gitUrl, html },
        };
    }
}

/** A stable numeric id for an owner (GitHub's repository_owner_id). */
function ownerId(owner: string): number {
    return 10000 + (parseInt(createHash("sha256").update(owner.toLowerCase()).digest("hex").slice(0, 6), 16) % 900000);
}

/** GITHUB_ENV's NAME=value lines (the heredoc form is not used by anything the stand-in runs). */
function parseEnvFile(text: string): Record<string, string> {
    return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}
