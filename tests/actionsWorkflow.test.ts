// The generated workflow, parsed back: triggers, least privilege, the pinned action, one job per
// cluster, and the exact flux command line. actionlint checks the same files in the sandbox suite
// (sandbox/tests/oidc.test.ts), where the toolchain's actionlint exists.
import * as assert from "assert";
import { parse } from "yaml";
import { branchFilterPattern, FluxCliVersion, FluxSetupAction, renderWorkflow, WorkflowSpec, workflowDigest, workflowFileName } from "../lib/workflow";

interface Step { name?: string; uses?: string; with?: Record<string, string>; run?: string }
interface Job { "runs-on": string[]; "timeout-minutes": number; permissions: Record<string, string>; steps: Step[] }
interface Workflow { name: string; on: { push: { branches?: string[] }; workflow_dispatch: unknown }; permissions: unknown; jobs: Record<string, Job> }

const spec: WorkflowSpec = {
    repositoryName: "instavote",
    path: ".github/workflows/flux-push.yml",
    branch: "main",
    receiverName: "instavote-actions",
    namespace: "flux-system",
    audience: "notification-controller",
    runners: [{ job: "staging", runsOn: ["self-hosted", "staging"], receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local" }],
};
const load = (s: WorkflowSpec) => parse(renderWorkflow(s)) as Workflow;

describe("the generated workflow", () => {
    it("runs on a push to the tracked branch and on workflow_dispatch (up's proof), nothing else", () => {
        const wf = load(spec);
        assert.deepStrictEqual(Object.keys(wf.on).sort(), ["push", "workflow_dispatch"]);
        assert.deepStrictEqual(wf.on.push, { branches: ["main"] });
        assert.deepStrictEqual(wf.on.workflow_dispatch, {});
    });

    it("without a branch: every push", () => {
        assert.deepStrictEqual(load({ ...spec, branch: undefined }).on.push, null);
    });

    it("grants nothing at the top; each job only id-token: write (no contents: the job checks nothing out)", () => {
        const wf = load(spec);
        assert.deepStrictEqual(wf.permissions, {});
        for (const job of Object.values(wf.jobs)) assert.deepStrictEqual(job.permissions, { "id-token": "write" });
    });

    it("pins the setup action to a full SHA with its release in a comment, and installs the 2.9 CLI", () => {
        const text = renderWorkflow(spec);
        const uses = text.split("\n").filter((l) => l.trim().startsWith("uses:"));
        assert.deepStrictEqual(uses.map((l) => l.trim()), [`uses: ${FluxSetupAction.uses}@${FluxSetupAction.sha} # ${FluxSetupAction.release}`]);
        assert.match(FluxSetupAction.sha, /^[0-9a-f]{40}$/);
        assert.deepStrictEqual(load(spec).jobs.staging.steps[0].with, { version: FluxCliVersion });
        assert.match(FluxCliVersion, /^2\.(9|[1-9][0-9])\./, "generic-oidc exists in the flux CLI since 2.9");
    });

    it("runs flux trigger receiver with the v2.9.5 flags, on one line", () => {
        const step = load(spec).jobs.staging.steps[1];
        assert.strictEqual(step.run, "flux trigger receiver instavote-actions --namespace=flux-system --type=generic-oidc --oidc-provider=github --url=http://webhook-receiver.flux-system.svc.cluster.local");
        const custom = load({ ...spec, audience: "flux-prod" }).jobs.staging.steps[1];
        assert.match(String(custom.run), / --oidc-provider=github --oidc-audience=flux-prod --url=/);
    });

    it("one job per cluster with its own labels and URL, sorted by job id: every stack of a fleet renders the same file", () => {
        const fleet = [
            { job: "staging", runsOn: ["arc-staging"], receiverUrl: "http://webhook-receiver.flux-system.svc.cluster.local" },
            { job: "production", runsOn: ["arc-prod"], receiverUrl: "https://flux.prod.example.com" },
        ];
        const a = renderWorkflow({ ...spec, runners: fleet });
        const b = renderWorkflow({ ...spec, runners: [...fleet].reverse() });
        assert.strictEqual(a, b);
        const wf = parse(a) as Workflow;
        assert.deepStrictEqual(Object.keys(wf.jobs), ["production", "staging"]);
        assert.deepStrictEqual(wf.jobs.production["runs-on"], ["arc-prod"]);
        assert.match(String(wf.jobs.production.steps[1].run), /--url=https:\/\/flux\.prod\.example\.com$/);
        assert.ok(Object.values(wf.jobs).every((j) => j["timeout-minutes"] > 0));
    });

    it("writes a branch as a literal in GitHub's filter syntax", () => {
        assert.strictEqual(branchFilterPattern("release+1"), "release\\+1");
        assert.strictEqual(branchFilterPattern("!x"), "\\!x");
        assert.strictEqual(branchFilterPattern("feature/a"), "feature/a");
        assert.deepStrictEqual(load({ ...spec, branch: "release+1" }).on.push.branches, ["release\\+1"]);
    });

    it("refuses what it cannot write safely rather than escaping it", () => {
        assert.throws(() => renderWorkflow({ ...spec, runners: [{ ...spec.runners[0], receiverUrl: "http://x/$(id)" }] }), /cannot be written in the workflow's command line/);
        assert.throws(() => renderWorkflow({ ...spec, runners: [{ ...spec.runners[0], job: "a b" }] }), /is not a job id/);
    });

    it("the digest follows the text; the API's workflow id is the file name", () => {
        assert.notStrictEqual(workflowDigest(renderWorkflow(spec)), workflowDigest(renderWorkflow({ ...spec, audience: "x" })));
        assert.strictEqual(workflowFileName(".github/workflows/flux-push.yml"), "flux-push.yml");
    });
});
