// The Actions OIDC trigger's test doubles, tested: the OIDC issuer (discovery, JWKS, RS256 tokens
// with GitHub's claims and lifetimes, checked with node's own verifier), GitHub's workflow rules
// (filters, permissions), and the Actions stand-in on a real Git server: runs from the pushed
// commit, `run:` steps with GitHub's environment, the ID token only with id-token: write, dispatch
// and its refusals, runs/jobs/logs over REST, and the contents API's real commits. A shell script
// stands in for the flux CLI here (the sandbox suite uses the real one).
import * as assert from "assert";
import { createPublicKey, verify } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FluxSetupAction } from "../../lib/workflow";
import { loadActionReleases, resolveAction } from "../standins/actionResolution";
import { GitHubActions } from "../standins/githubActions";
import { GitHubApi } from "../standins/githubApi";
import { GetRepositoryToken, GitHubClient, githubProvider } from "../standins/githubProvider";
import { newSigningKey, OidcIssuer } from "../standins/oidcIssuer";
import { Clone, createRepository, git, startGitServer } from "../standins/gitServer";
import { filterPattern, idTokenWrite, matchesPatterns, parseWorkflow, pushStarts } from "../standins/workflowSemantics";

type Json = Record<string, unknown>;

/** Verifies an RS256 JWT against a JWKS the way an OIDC client does (key by kid); returns header and claims. */
function verifyJwt(token: string, jwks: { keys: Json[] }): { header: Json; claims: Json } {
    const [h, p, sig] = token.split(".");
    const header = JSON.parse(Buffer.from(h, "base64url").toString()) as Json;
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    assert.ok(jwk, `a key with kid ${String(header.kid)}`);
    const key = createPublicKey({ key: jwk as never, format: "jwk" });
    assert.ok(verify("sha256", Buffer.from(`${h}.${p}`), key, Buffer.from(sig, "base64url")), "signature verifies");
    return { header, claims: JSON.parse(Buffer.from(p, "base64url").toString()) as Json };
}

async function api(base: string, method: string, p: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
    const res = await fetch(new URL(p.replace(/^\//, ""), base), {
        method, redirect: "manual",
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Json = {};
    try {
        json = text ? (JSON.parse(text) as Json) : {};
    } catch {
        json = {};
    }
    return { status: res.status, json, text, headers: res.headers };
}

describe("OIDC issuer stand-in", () => {
    let issuer: OidcIssuer;
    before(async () => {
        issuer = await OidcIssuer.create("http://127.0.0.1:1/_services/token/");
    });

    it("publishes GitHub's discovery fields, its issuer exactly, and the JWKS under it", () => {
        const d = issuer.discovery();
        assert.strictEqual(d.issuer, "http://127.0.0.1:1/_services/token");
        assert.strictEqual(d.jwks_uri, "http://127.0.0.1:1/_services/token/.well-known/jwks");
        assert.deepStrictEqual(d.id_token_signing_alg_values_supported, ["RS256"]);
        assert.ok((d.claims_supported as string[]).includes("job_workflow_ref"));
        const keys = (issuer.jwks() as { keys: Json[] }).keys;
        assert.deepStrictEqual(Object.keys(keys[0]).sort(), ["alg", "e", "kid", "kty", "n", "use"]);
        assert.ok(!("d" in keys[0]), "no private part");
    });

    it("mints RS256 tokens that verify against its JWKS, with GitHub's lifetimes (5 min, nbf 10 min back)", () => {
        const t = issuer.mint({ aud: "notification-controller", repository: "o/r" }, { issuedAt: 1_800_000_000 });
        const { header, claims } = verifyJwt(t, issuer.jwks() as { keys: Json[] });
        assert.deepStrictEqual(header, { typ: "JWT", alg: "RS256", kid: issuer.kid });
        assert.deepStrictEqual({ iss: claims.iss, iat: claims.iat, nbf: claims.nbf, exp: claims.exp }, { iss: issuer.issuer, iat: 1_800_000_000, nbf: 1_800_000_000 - 600, exp: 1_800_000_000 + 300 });
    });

    it("a token signed with another key does not verify against its JWKS", async () => {
        const other = await newSigningKey();
        const t = issuer.mint({ aud: "x" }, { key: other });
        assert.throws(() => verifyJwt(t, issuer.jwks() as { keys: Json[] }), /signature verifies/);
    });
});

describe("GitHub's workflow rules (workflowSemantics)", () => {
    it("filter patterns: * within a segment, ** across, ? and + on the preceding character, classes, escapes", () => {
        const rows: [string, string, boolean][] = [
            ["main", "main", true], ["main", "mainx", false], ["feature/*", "feature/a", true], ["feature/*", "feature/a/b", false],
            ["feature/**", "feature/a/b", true], ["v2?", "v", true], ["v2?", "v2", true], ["v2+", "v222", true], ["v2+", "v", false],
            ["[ab]x", "bx", true], ["[ab]x", "cx", false], ["release\\+1", "release+1", true], ["release\\+1", "releasee1", false], ["\\!x", "!x", true],
        ];
        for (const [p, name, want] of rows) assert.strictEqual(filterPattern(p).test(name), want, `${p} ~ ${name}`);
        assert.strictEqual(matchesPatterns(["releases/**", "!releases/**-alpha"], "releases/1-alpha"), false);
        assert.strictEqual(matchesPatterns(["releases/**", "!releases/**-alpha"], "releases/1"), true);
    });

    it("which pushes start a workflow: no filter = every branch and tag; branch filters alone = no tags", () => {
        assert.ok(pushStarts({}, "refs/heads/x") && pushStarts({}, "refs/tags/v1"));
        assert.ok(pushStarts({ branches: ["main"] }, "refs/heads/main"));
        assert.ok(!pushStarts({ branches: ["main"] }, "refs/heads/feature"));
        assert.ok(!pushStarts({ branches: ["main"] }, "refs/tags/v1"));
        assert.ok(pushStarts({ branchesIgnore: ["wip/**"] }, "refs/heads/main") && !pushStarts({ branchesIgnore: ["wip/**"] }, "refs/heads/wip/a"));
        assert.ok(pushStarts({ tags: ["v*"] }, "refs/tags/v1") && !pushStarts({ tags: ["v*"] }, "refs/heads/main"));
        assert.ok(!pushStarts(undefined, "refs/heads/main"), "no push trigger");
    });

    it("id-token: write only when the job (else the workflow) grants it; write-all counts, read-all and {} do not", () => {
        assert.strictEqual(idTokenWrite({}, { "id-token": "write" }), true);
        assert.strictEqual(idTokenWrite({ "id-token": "write" }, undefined), true);
        assert.strictEqual(idTokenWrite({ "id-token": "write" }, { contents: "read" }), false, "the job's own permissions replace the workflow's");
        assert.strictEqual(idTokenWrite("write-all", undefined), true);
        assert.strictEqual(idTokenWrite("read-all", undefined), false);
        assert.strictEqual(idTokenWrite(undefined, undefined), false);
    });

    it("reads on as a string, a list or a map; refuses what it cannot run rather than skipping it", () => {
        assert.deepStrictEqual(parseWorkflow("on: push\njobs: {a: {runs-on: x, steps: [{run: 'true'}]}}", "w.yml").push, {});
        assert.ok(parseWorkflow("on: [push, workflow_dispatch]\njobs: {a: {runs-on: x, steps: []}}", "w.yml").workflowDispatch);
        const wf = parseWorkflow("name: n\non: {workflow_dispatch: {}}\njobs:\n  a: {runs-on: [self-hosted], if: always(), steps: [{run: 'echo ${{ github.sha }}'}]}", "w.yml");
        assert.match(String(wf.jobs[0].unsupported), /does not run if, expressions/);
        assert.throws(() => parseWorkflow("jobs: {}", "w.yml"), /No event triggers defined in `on`/);
    });
});

describe("GitHub Actions stand-in (with the Git server and the GitHub API stand-in)", function () {
    this.timeout(60000);
    const token = "ghp_actions_admin";
    let dir: string;
    let gh: GitHubApi;
    let actions: GitHubActions;
    let clone: Clone;
    let closeGit: () => Promise<void>;
    let remote: string;
    const owner = "acme";
    const base = () => gh.apiUrl;

    /** What a job saw, printed by its step: GitHub's variables, the ID-token URL's presence, the "flux CLI" on PATH. */
    const probeWorkflow = (permissions: string, on = "push:\n    branches: [main]\n  workflow_dispatch: {}") => `name: probe
on:
  ${on}
permissions: {}
jobs:
  check:
    runs-on: [self-hosted, sandbox]
    permissions: ${permissions}
    steps:
      - uses: ${FluxSetupAction.uses}@${FluxSetupAction.sha} # ${FluxSetupAction.release}
        with:
          version: "2.9.5"
      - name: report
        run: |
          echo "ref=$GITHUB_REF sha=$GITHUB_SHA repo=$GITHUB_REPOSITORY event=$GITHUB_EVENT_NAME wref=$GITHUB_WORKFLOW_REF"
          echo "flux=$(flux version)"
          if [ -n "\${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ]; then
            echo "token=$(curl -sSf -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=notification-controller")"
          else
            echo "no-id-token"
          fi
`;
    const push = async (files: Record<string, string>, branch = "main") => {
        const pushed = await clone.commitAndPush(files, "change", branch);
        await gh.deliverPush(owner, "app", { ref: `refs/heads/${branch}`, ...pushed });
        await new Promise((r) => setTimeout(r, 200));
        await actions.idle();
        return pushed;
    };
    const logOf = (runIndex: number) => actions.runs[runIndex].jobs[0].log.join("\n");

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "actions-standin-"));
        const server = await startGitServer(path.join(dir, "git"));
        closeGit = server.close;
        remote = await createRepository(server, "app", { "README.md": "app\n" });
        // As the sandbox runs it: a GitHub Enterprise Server (REST under /api/v3/, /_services/ on the host).
        gh = await GitHubApi.start({ flavor: "ghes", token, repositories: [{ owner, name: "app" }] });
        const fakeFlux = path.join(dir, "flux");
        fs.writeFileSync(fakeFlux, "#!/bin/sh\necho \"flux (test double) $*\"\n", { mode: 0o755 });
        actions = await GitHubActions.start({
            github: gh, gitRepository: (_o, n) => (n === "app" ? path.join(server.root, "app.git") : undefined),
            fluxCli: fakeFlux, fluxVersion: "2.9.5", runners: [{ name: "r1", labels: ["self-hosted", "linux", "sandbox"] }], dir: path.join(dir, "actions"),
        });
        actions.addToken(token, { actions: "write", contents: "write", workflows: "write" });
        clone = await Clone.open(remote, path.join(dir, "work"));
    });

    after(async () => {
        await actions?.close();
        await gh?.close();
        await closeGit?.();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("runs a pushed workflow's steps with GitHub's environment, the flux setup action, and an ID token (id-token: write)", async () => {
        const { after } = await push({ ".github/workflows/probe.yml": probeWorkflow("{ id-token: write }") });
        assert.strictEqual(actions.runs.length, 1);
        const run = actions.runs[0];
        assert.deepStrictEqual({ event: run.event, status: run.status, conclusion: run.conclusion, sha: run.headSha }, { event: "push", status: "completed", conclusion: "success", sha: after });
        const log = logOf(0);
        assert.match(log, new RegExp(`ref=refs/heads/main sha=${after} repo=acme/app event=push wref=acme/app/.github/workflows/probe.yml@refs/heads/main`));
        assert.match(log, /flux=flux \(test double\) version/);
        const jwt = /token=\{"value":"([^"]+)"\}/.exec(log)?.[1];
        assert.ok(jwt, log);
        const discovery = (await api(gh.url, "GET", "_services/token/.well-known/openid-configuration", undefined)).json;
        assert.strictEqual(discovery.issuer, `${gh.url}_services/token`);
        const jwks = (await api(gh.url, "GET", "_services/token/.well-known/jwks", undefined)).json as { keys: Json[] };
        const { claims } = verifyJwt(jwt, jwks);
        assert.deepStrictEqual(
            { iss: claims.iss, aud: claims.aud, repository: claims.repository, repository_owner: claims.repository_owner, repository_id: claims.repository_id, ref: claims.ref, sha: claims.sha, event_name: claims.event_name, workflow_ref: claims.workflow_ref, job_workflow_ref: claims.job_workflow_ref, sub: claims.sub, ref_type: claims.ref_type },
            { iss: `${gh.url}_services/token`, aud: "notification-controller", repository: "acme/app", repository_owner: "acme", repository_id: String(gh.repository(owner, "app")?.id), ref: "refs/heads/main", sha: after, event_name: "push", workflow_ref: "acme/app/.github/workflows/probe.yml@refs/heads/main", job_workflow_ref: "acme/app/.github/workflows/probe.yml@refs/heads/main", sub: "repo:acme/app:ref:refs/heads/main", ref_type: "branch" },
        );
        assert.strictEqual(Number(claims.exp) - Number(claims.iat), 300);
    });

    it("without id-token: write the job gets no token request URL, as on GitHub", async () => {
        await push({ ".github/workflows/probe.yml": probeWorkflow("{ contents: read }") });
        assert.match(logOf(1), /no-id-token/);
        assert.doesNotMatch(logOf(1), /token=/);
    });

    it("reads the workflow from the pushed commit: a branch whose commit lists it runs it; one whose filter excludes it does not", async () => {
        const before = actions.runs.length;
        await push({ "x.txt": "1" }, "feature/x"); // main's workflow lists main only, and this commit carries that version
        assert.strictEqual(actions.runs.length, before, "no run for a branch the filter excludes");
        await push({ ".github/workflows/probe.yml": probeWorkflow("{ id-token: write }", "push:\n    branches: ['feature/**']") }, "feature/y");
        assert.strictEqual(actions.runs.length, before + 1);
        assert.match(logOf(before), /ref=refs\/heads\/feature\/y /);
    });

    it("an action pin GitHub cannot resolve fails the job at \"Set up job\" with GitHub's message; no step runs", async () => {
        const wf = (uses: string) => `on:\n  push: {branches: ["pin-check/**"]}\njobs:\n  j:\n    runs-on: [self-hosted]\n    steps:\n      - uses: ${uses}\n        with: {version: "2.9.5"}\n      - run: echo never-ran\n`;
        const cases: [string, RegExp][] = [
            // The pin the generated workflow had before: no object of fluxcd/flux2.
            ["fluxcd/flux2/action@8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55", /##\[error\]Unable to resolve action `fluxcd\/flux2\/action@8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55`, unable to find version `8d5f40dca5aa5d3c0fc3414457dda81dd6ce3f55`/],
            ["fluxcd/flux2/action@v2.9.4", /##\[error\]The actions fluxcd\/flux2\/action@v2\.9\.4 are not allowed in acme\/app because all actions must be pinned to a full-length commit SHA\./],
            ["someone/setup-flux@889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c", /##\[error\]Unable to resolve action\. Repository not found: someone\/setup-flux/],
        ];
        for (const [i, [uses, want]] of cases.entries()) {
            await push({ ".github/workflows/pin.yml": wf(uses) }, `pin-check/${i}`);
            const job = actions.runs[actions.runs.length - 1].jobs[0];
            assert.deepStrictEqual({ conclusion: job.conclusion, steps: job.steps.map((x) => `${x.name}: ${x.conclusion}`) },
                { conclusion: "failure", steps: ["Set up job: failure", `Run ${uses}: skipped`, "Run echo never-ran: skipped", "Complete job: success"] }, uses);
            assert.match(job.log.join("\n"), /Prepare all required actions\n.*Getting action download info\n.*##\[error\]/);
            assert.match(job.log.join("\n"), want);
            assert.doesNotMatch(job.log.join("\n"), /never-ran\n/);
        }
    });

    it("resolves only recorded releases: by commit (and by tag without the SHA policy); a tag object, a branch or a path without an action is refused", () => {
        const releases = loadActionReleases();
        const r = (uses: string, sha = true) => resolveAction(uses, releases, "acme/app", sha);
        assert.deepStrictEqual(r(`fluxcd/flux2/action@${FluxSetupAction.sha}`), { ok: true, repository: "fluxcd/flux2", path: "action", commit: FluxSetupAction.sha, release: "v2.9.4" });
        assert.deepStrictEqual(r("fluxcd/flux2/action@v2.9.4", false), { ok: true, repository: "fluxcd/flux2", path: "action", commit: FluxSetupAction.sha, release: "v2.9.4" });
        assert.deepStrictEqual(r("fluxcd/flux2/action@ed8c5f2c24d57715d08423d3c1a7b0554ceb030e"), { ok: false, error: "Unable to resolve action `fluxcd/flux2/action@ed8c5f2c24d57715d08423d3c1a7b0554ceb030e`, unable to find version `ed8c5f2c24d57715d08423d3c1a7b0554ceb030e`" });
        assert.deepStrictEqual(r("fluxcd/flux2/action@main", false), { ok: false, error: "Unable to resolve action `fluxcd/flux2/action@main`, unable to find version `main`" });
        assert.match(String((r(`fluxcd/flux2/other@${FluxSetupAction.sha}`) as { error: string }).error), /^Can't find 'action\.yml', 'action\.yaml' or 'Dockerfile' under '.*\/fluxcd\/flux2\/889be9d6cc8afa8ed639e1e1ba4ab678e3b38d8c\/other'/);
        assert.deepStrictEqual(r("pulumi/esc-action@3af4859af8a73a362fb599b944124097d4bb80c5").ok, true);
    });

    it("a failing step fails the job and skips the rest; a job no runner serves stays queued", async () => {
        const wf = "on: push\njobs:\n  a:\n    runs-on: [self-hosted]\n    steps:\n      - run: exit 3\n      - run: echo never\n  b:\n    runs-on: [gpu]\n    steps:\n      - run: echo x\n";
        await push({ ".github/workflows/fail.yml": wf, ".github/workflows/probe.yml": "on: workflow_dispatch\njobs: {c: {runs-on: x, steps: [{run: 'true'}]}}\n" });
        const run = actions.runs[actions.runs.length - 1];
        const [a, b] = run.jobs;
        assert.deepStrictEqual({ status: a.status, conclusion: a.conclusion, steps: a.steps.map((s) => s.conclusion) }, { status: "completed", conclusion: "failure", steps: ["success", "failure", "skipped", "success"] });
        assert.match(a.log.join("\n"), /Process completed with exit code 3/);
        assert.deepStrictEqual({ status: b.status, runner: b.runnerName }, { status: "queued", runner: null });
        assert.strictEqual(run.status, "in_progress", "a run with a queued job is not completed");
    });

    it("dispatch: 204 on GHES, a new workflow_dispatch run on the ref; refusals for a missing ref, a missing trigger, an unknown workflow, a token without Actions", async () => {
        await push({ ".github/workflows/probe.yml": probeWorkflow("{ id-token: write }") });
        const before = actions.runs.length;
        const ok = await api(base(), "POST", "repos/acme/app/actions/workflows/probe.yml/dispatches", token, { ref: "main", return_run_details: true });
        assert.strictEqual(ok.status, 204, "GHES has no return_run_details: the property is ignored");
        await new Promise((r) => setTimeout(r, 100));
        await actions.idle();
        assert.strictEqual(actions.runs.length, before + 1);
        assert.strictEqual(actions.runs[before].event, "workflow_dispatch");
        assert.match(logOf(before), /event=workflow_dispatch/);
        assert.deepStrictEqual((await api(base(), "POST", "repos/acme/app/actions/workflows/probe.yml/dispatches", token, { ref: "nope" })).json.message, "No ref found for: nope");
        assert.strictEqual((await api(base(), "POST", "repos/acme/app/actions/workflows/fail.yml/dispatches", token, { ref: "main" })).json.message, "Workflow does not have 'workflow_dispatch' trigger");
        assert.strictEqual((await api(base(), "POST", "repos/acme/app/actions/workflows/none.yml/dispatches", token, { ref: "main" })).status, 404);
        gh.addToken("ghp_fine_nothing", { type: "fine-grained" });
        const denied = await api(base(), "POST", "repos/acme/app/actions/workflows/probe.yml/dispatches", "ghp_fine_nothing", { ref: "main" });
        assert.deepStrictEqual({ status: denied.status, message: denied.json.message }, { status: 403, message: "Resource not accessible by personal access token" });
    });

    it("REST: runs of a workflow (filtered), a run, its jobs with steps and conclusion, and the job's log behind a redirect", async () => {
        const list = await api(base(), "GET", "repos/acme/app/actions/workflows/probe.yml/runs?event=workflow_dispatch&branch=main", token);
        const runs = list.json.workflow_runs as Json[];
        assert.ok(runs.length >= 1 && runs.every((r) => r.event === "workflow_dispatch" && r.head_branch === "main"));
        const run = runs[0];
        assert.deepStrictEqual((await api(base(), "GET", `repos/acme/app/actions/runs/${String(run.id)}`, token)).json.id, run.id);
        const jobs = (await api(base(), "GET", `repos/acme/app/actions/runs/${String(run.id)}/jobs`, token)).json.jobs as Json[];
        assert.deepStrictEqual({ name: jobs[0].name, status: jobs[0].status, conclusion: jobs[0].conclusion, labels: jobs[0].labels }, { name: "check", status: "completed", conclusion: "success", labels: ["self-hosted", "sandbox"] });
        const redirect = await api(base(), "GET", `repos/acme/app/actions/jobs/${String(jobs[0].id)}/logs`, token);
        assert.strictEqual(redirect.status, 302);
        const text = await (await fetch(String(redirect.headers.get("location")))).text();
        assert.match(text, /event=workflow_dispatch/);
    });

    it("contents: GET the file with git's blob SHA; PUT a real commit (then a push run); the sha rules; .github/workflows needs Workflows; DELETE", async () => {
        const wf = "on:\n  push: {branches: [main]}\njobs: {j: {runs-on: [self-hosted], steps: [{run: 'echo committed'}]}}\n";
        const file = ".github/workflows/committed.yml";
        const created = await api(base(), "PUT", `repos/acme/app/contents/${file}`, token, { message: "add", content: Buffer.from(wf).toString("base64"), branch: "main" });
        assert.strictEqual(created.status, 201, created.text);
        const commit = (created.json.commit as Json).sha as string;
        assert.strictEqual((await git(path.join(dir, "git", "app.git"), ["rev-parse", "refs/heads/main"])).trim(), commit, "the branch moved to the API's commit");
        await new Promise((r) => setTimeout(r, 200));
        await actions.idle();
        assert.ok(actions.runs.some((r) => r.headSha === commit && r.path === file && r.event === "push"), "GitHub treats the API's commit as a push");
        const got = await api(base(), "GET", `repos/acme/app/contents/${file}?ref=main`, token);
        assert.strictEqual(Buffer.from(String(got.json.content), "base64").toString(), wf);
        assert.strictEqual(got.json.sha, (await git(path.join(dir, "git", "app.git"), ["rev-parse", `main:${file}`])).trim());
        const noSha = await api(base(), "PUT", `repos/acme/app/contents/${file}`, token, { message: "x", content: Buffer.from("a").toString("base64") });
        assert.strictEqual(noSha.status, 422);
        const stale = await api(base(), "PUT", `repos/acme/app/contents/${file}`, token, { message: "x", content: Buffer.from("a").toString("base64"), sha: "0".repeat(40) });
        assert.strictEqual(stale.status, 409);
        gh.addToken("ghp_fine_contents", { type: "fine-grained" });
        actions.addToken("ghp_fine_contents", { contents: "write" });
        const noWorkflows = await api(base(), "PUT", ".github/workflows/x.yml".replace(/^/, "repos/acme/app/contents/"), "ghp_fine_contents", { message: "x", content: "YQ==" });
        assert.strictEqual(noWorkflows.status, 404, "GitHub hides .github/workflows writes without the Workflows permission behind 404");
        assert.strictEqual((await api(base(), "PUT", "repos/acme/app/contents/docs/x.md", "ghp_fine_contents", { message: "x", content: "YQ==" })).status, 201);
        const removed = await api(base(), "DELETE", `repos/acme/app/contents/${file}`, token, { message: "rm", sha: got.json.sha });
        assert.strictEqual(removed.status, 200);
        assert.strictEqual((await api(base(), "GET", `repos/acme/app/contents/${file}`, token)).status, 404);
    });

    it("GET /repos/{o}/{r}: id, GitHub's full name and default branch (what getRepository reads)", async () => {
        const r = await api(base(), "GET", "repos/ACME/App", token);
        assert.deepStrictEqual({ id: r.json.id, full_name: r.json.full_name, default_branch: r.json.default_branch }, { id: gh.repository(owner, "app")?.id, full_name: "acme/app", default_branch: "main" });
        assert.strictEqual((await api(base(), "GET", "repos/acme/other", token)).status, 404);
    });

    it("the github provider stand-in's getRepository reads it (and comes back empty for a repository it cannot see, as the real data source does)", async () => {
        const p = githubProvider(() => new GitHubClient({ apiUrl: base(), owner, token }));
        const found = await p.invoke?.(GetRepositoryToken, { fullName: "acme/app" });
        assert.deepStrictEqual({ fullName: found?.outputs.fullName, repoId: found?.outputs.repoId, defaultBranch: found?.outputs.defaultBranch }, { fullName: "acme/app", repoId: gh.repository(owner, "app")?.id, defaultBranch: "main" });
        const missing = await p.invoke?.(GetRepositoryToken, { fullName: "acme/gone" });
        assert.deepStrictEqual({ id: missing?.outputs.id, repoId: missing?.outputs.repoId }, { id: "", repoId: 0 });
    });

    it("the token endpoint refuses an unknown request token", async () => {
        const res = await api(gh.url, "GET", "_services/pipelines/x/_apis/distributedtask/hubs/Actions/plans/y/jobs/z/idtoken?api-version=2.0&audience=a", "not-a-job-token");
        assert.strictEqual(res.status, 401);
    });
});
