// The workflows' safety properties, checked from their YAML: what a reviewer would otherwise have
// to re-verify by eye on every change (pins, permissions, the per-stack queue), and what actionlint
// cannot check while it does not know `concurrency.queue` (.github/actionlint.yaml).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { root } from "./support/projectConfig";

type Json = Record<string, unknown>;

const workflowDir = path.join(root, ".github", "workflows");
const workflowFiles = fs.readdirSync(workflowDir).filter((f) => f.endsWith(".yml")).sort();
const actionFiles = fs.existsSync(path.join(root, ".github", "actions"))
    ? fs.readdirSync(path.join(root, ".github", "actions")).map((d) => path.join(".github", "actions", d, "action.yml"))
    : [];

function load(rel: string): Json {
    return parse(fs.readFileSync(path.join(root, rel), "utf8")) as Json;
}

const workflows = Object.fromEntries(workflowFiles.map((f) => [f, load(path.join(".github", "workflows", f))])) as Record<string, Json>;

function jobs(file: string): Record<string, Json> {
    return workflows[file].jobs as Record<string, Json>;
}

interface Concurrency {
    group?: string;
    "cancel-in-progress"?: unknown;
    queue?: unknown;
}

/** Every concurrency block in the workflows, with where it is. */
function concurrencyBlocks(): { where: string; c: Concurrency }[] {
    const out: { where: string; c: Concurrency }[] = [];
    for (const [file, wf] of Object.entries(workflows)) {
        if (wf.concurrency !== undefined) out.push({ where: file, c: typeof wf.concurrency === "string" ? { group: wf.concurrency } : (wf.concurrency as Concurrency) });
        for (const [id, job] of Object.entries(jobs(file))) {
            const c = job.concurrency;
            if (c !== undefined) out.push({ where: `${file} ${id}`, c: typeof c === "string" ? { group: c } : (c as Concurrency) });
        }
    }
    return out;
}

describe("workflows: pinned actions", () => {
    for (const rel of [...workflowFiles.map((f) => path.join(".github", "workflows", f)), ...actionFiles]) {
        it(`${rel} pins every action to a full commit SHA, with its release in a comment`, () => {
            const lines = fs.readFileSync(path.join(root, rel), "utf8").split("\n");
            const uses = lines.map((l) => /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
            assert.ok(uses.length > 0, "uses at least one action");
            for (const [line, ref, rest] of uses) {
                if (ref.startsWith("./")) continue; // the repository's own actions, at the same commit
                assert.match(ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `not pinned to a SHA: ${line.trim()}`);
                assert.match(rest, /^\s+#\s+v\d+(\.\d+){0,2}\s*$/, `no release comment: ${line.trim()}`);
            }
        });
    }
});

describe("workflows: permissions", () => {
    for (const file of workflowFiles) {
        it(`${file} grants nothing at the top and declares each job's permissions`, () => {
            assert.deepStrictEqual(workflows[file].permissions, {});
            for (const [id, job] of Object.entries(jobs(file))) {
                assert.ok(job.permissions !== undefined, `${id} declares its permissions`);
            }
        });
    }
});

describe("workflows: one queue per stack", () => {
    it("deploy's jobs queue in their stack's group, never cancelling or cancelled", () => {
        for (const stack of ["staging", "production"]) {
            assert.deepStrictEqual(jobs("deploy.yml")[stack].concurrency, { group: `pulumi-${stack}`, "cancel-in-progress": false, queue: "max" });
        }
    });

    it("destroy queues in the group of the stack it destroys, the same as deploy's", () => {
        assert.deepStrictEqual(jobs("destroy.yml").destroy.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false, queue: "max" });
        // The refusal checks hold no place in the queue: a refused request never waits behind an update.
        assert.strictEqual(jobs("destroy.yml").confirm.concurrency, undefined);
    });

    it("every job in a pulumi-<stack> group queues with queue: max (one job with the default would cancel a pending one)", () => {
        const inStackGroups = concurrencyBlocks().filter((b) => /^pulumi-/.test(b.c.group ?? ""));
        assert.ok(inStackGroups.length >= 3);
        for (const b of inStackGroups) {
            assert.strictEqual(b.c.queue, "max", b.where);
            assert.strictEqual(b.c["cancel-in-progress"], false, b.where);
        }
    });

    it("previews stay out of the stack groups (a PR's preview must never hold up or reorder a deploy)", () => {
        const group = jobs("preview.yml").preview.concurrency as Concurrency;
        assert.doesNotMatch(group.group ?? "", /^pulumi-/);
    });

    it("queue is single or max, and max never meets cancel-in-progress: true (what the actionlint ignore hides)", () => {
        for (const b of concurrencyBlocks()) {
            if (b.c.queue === undefined) continue;
            assert.ok(b.c.queue === "single" || b.c.queue === "max", `${b.where}: queue ${JSON.stringify(b.c.queue)}`);
            if (b.c.queue === "max") assert.strictEqual(b.c["cancel-in-progress"], false, `${b.where}: GitHub rejects queue: max with cancel-in-progress: true`);
        }
    });

    it("actionlint ignores the queue message exactly in the files that use queue, and nothing else", () => {
        const config = load(path.join(".github", "actionlint.yaml")) as { paths?: Record<string, { ignore?: string[] }> };
        const queued = workflowFiles.filter((f) => /^\s+queue:/m.test(fs.readFileSync(path.join(workflowDir, f), "utf8"))).map((f) => `.github/workflows/${f}`);
        assert.deepStrictEqual(Object.keys(config.paths ?? {}).sort(), queued.sort());
        for (const [p, c] of Object.entries(config.paths ?? {})) {
            assert.strictEqual(c.ignore?.length, 1, p);
            const pattern = new RegExp(c.ignore[0]);
            assert.ok(pattern.test('unexpected key "queue" for "concurrency" section. expected one of "cancel-in-progress", "group"'), p);
            assert.ok(!pattern.test('unexpected key "bogus" for "concurrency" section. expected one of "cancel-in-progress", "group"'), `${p}: other keys stay reported`);
        }
    });
});

interface WorkflowStep {
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}

const CredentialsAction = "./.github/actions/pulumi-credentials";

function steps(job: Json): WorkflowStep[] {
    return (job.steps as WorkflowStep[] | undefined) ?? [];
}

describe("workflows: credentials", () => {
    const allJobs = workflowFiles.flatMap((file) => Object.entries(jobs(file)).map(([id, job]) => ({ where: `${file} ${id}`, job })));
    const withCredentials = allJobs.filter((j) => steps(j.job).some((s) => s.uses === CredentialsAction));

    it("every job that runs Pulumi gets its credentials from the one action", () => {
        const pulumiJobs = allJobs.filter((j) => steps(j.job).some((s) => s.uses?.startsWith("pulumi/actions@")));
        assert.ok(pulumiJobs.length >= 4);
        assert.deepStrictEqual(pulumiJobs.map((j) => j.where), withCredentials.filter((j) => pulumiJobs.includes(j)).map((j) => j.where));
    });

    it("id-token: write only on the jobs that may exchange an OIDC token", () => {
        for (const j of allJobs.filter((x) => x.job.uses === undefined)) {
            const perms = (j.job.permissions ?? {}) as Record<string, string>;
            assert.strictEqual(perms["id-token"] === "write", withCredentials.includes(j), j.where);
        }
    });

    it("a job calling a reusable workflow grants exactly what the called jobs declare, no more", () => {
        const callers = allJobs.filter((x) => typeof x.job.uses === "string");
        assert.ok(callers.length >= 1);
        for (const c of callers) {
            const called = path.basename(String(c.job.uses));
            const union: Record<string, string> = {};
            for (const job of Object.values(jobs(called))) Object.assign(union, job.permissions as Record<string, string>);
            assert.deepStrictEqual(c.job.permissions, union, c.where);
        }
    });

    it("the stored Pulumi token reaches only the action (which ignores it once OIDC is set up)", () => {
        for (const file of workflowFiles) {
            const text = fs.readFileSync(path.join(workflowDir, file), "utf8");
            for (const line of text.split("\n").filter((l) => l.includes("secrets.PULUMI_ACCESS_TOKEN"))) {
                assert.match(line, /^\s+access-token: \$\{\{ secrets\.PULUMI_ACCESS_TOKEN \}\}$/, `${file}: ${line.trim()}`);
            }
        }
    });

    it("credentials come after npm ci (no install script sees them), and the github provider's token from the action", () => {
        for (const j of withCredentials) {
            const list = steps(j.job);
            const at = list.findIndex((s) => s.uses === CredentialsAction);
            const lastInstall = list.map((s) => /npm ci/.test(s.run ?? "")).lastIndexOf(true);
            assert.ok(lastInstall < at, `${j.where}: npm ci after the credentials`);
            assert.strictEqual(list[at].id, "credentials", j.where);
            for (const s of list.filter((x) => x.uses?.startsWith("pulumi/actions@") && x.with?.command !== undefined)) {
                assert.strictEqual(s.env?.GITHUB_TOKEN, "${{ steps.credentials.outputs.github-token }}", j.where);
                assert.strictEqual(s.env?.PULUMI_ACCESS_TOKEN, undefined, `${j.where}: a step-level token would shadow the OIDC one`);
            }
        }
    });

    it("passes every variable and secret the action takes, under the documented names; the GitHub App's token is read-only where nothing is written", () => {
        const readOnly = ["preview.yml preview", "verify-stack.yml check"];
        assert.deepStrictEqual(readOnly.filter((where) => !withCredentials.some((j) => j.where === where)), [], "the read-only jobs exist");
        for (const j of withCredentials) {
            const w = steps(j.job).find((s) => s.uses === CredentialsAction)?.with;
            assert.deepStrictEqual(w, {
                "pulumi-version": "${{ env.PULUMI_VERSION }}",
                "backend-url": "${{ vars.PULUMI_BACKEND_URL }}",
                "oidc-organization": "${{ vars.PULUMI_OIDC_ORGANIZATION }}",
                "oidc-token-type": "${{ vars.PULUMI_OIDC_TOKEN_TYPE }}",
                "oidc-scope": "${{ vars.PULUMI_OIDC_SCOPE }}",
                "esc-environment": "${{ vars.ESC_ENVIRONMENT }}",
                "access-token": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
                kubeconfig: "${{ secrets.KUBECONFIG }}",
                "github-token": "${{ secrets.FLUX_PUSH_GITHUB_TOKEN }}",
                "github-app-client-id": "${{ vars.FLUX_PUSH_APP_CLIENT_ID }}",
                "github-app-private-key": "${{ secrets.FLUX_PUSH_APP_PRIVATE_KEY }}",
                "github-app-owner": "${{ vars.FLUX_PUSH_APP_OWNER }}",
                ...(readOnly.includes(j.where) ? { "github-app-read-only": "true" } : {}),
            }, j.where);
        }
    });
});

describe("workflows: verify", () => {
    const caller = jobs("verify.yml").verify;
    const check = jobs("verify-stack.yml").check;
    const issue = jobs("verify-stack.yml").issue;

    it("runs every 6 hours and on demand, per stack (VERIFY_STACKS narrows the list), as a reusable workflow", () => {
        const on = workflows["verify.yml"].on as Json;
        assert.deepStrictEqual(on.schedule, [{ cron: "23 */6 * * *" }]);
        assert.ok("workflow_dispatch" in on);
        assert.deepStrictEqual((caller.strategy as Json).matrix, { stack: "${{ fromJSON(vars.VERIFY_STACKS || '[\"staging\", \"production\"]') }}" });
        assert.deepStrictEqual(JSON.parse("[\"staging\", \"production\"]"), ["staging", "production"]);
        assert.strictEqual(caller.uses, "./.github/workflows/verify-stack.yml");
        assert.deepStrictEqual(caller.with, { stack: "${{ matrix.stack }}" });
    });

    it("checks with the read-only preview credentials and no write permission, in the stack's queue", () => {
        assert.strictEqual(check.environment, "preview-${{ inputs.stack }}");
        assert.deepStrictEqual(check.permissions, { contents: "read", "id-token": "write" });
        assert.deepStrictEqual(check.concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false, queue: "max" });
    });

    it("the drift check is the refresh preview that expects no changes", () => {
        const drift = steps(check).find((s) => (s.name ?? "").startsWith("Check for drift"));
        assert.match(drift?.run ?? "", /pulumi preview --stack "\$STACK" --refresh --expect-no-changes --json --non-interactive/);
        const commands = steps(check).flatMap((s) => (s.run ?? "").split("\n").filter((l) => !/^\s*#/.test(l)));
        assert.ok(!commands.some((l) => /--show-secrets/.test(l)), "no command decrypts the stack's secrets");
    });

    it("writes the issue from a job that holds issues: write and nothing else: no environment, no checkout, no secrets", () => {
        assert.deepStrictEqual(issue.permissions, { issues: "write" });
        assert.strictEqual(issue.environment, undefined);
        assert.ok(steps(issue).every((s) => s.uses === undefined), "runs no action and no repository code");
        assert.doesNotMatch(JSON.stringify(issue), /secrets\./);
    });

    it("issues: write exists only there (and in the caller's ceiling)", () => {
        const holders = workflowFiles.flatMap((f) => Object.entries(jobs(f)).filter(([, j]) => (j.permissions as Record<string, string> | undefined)?.issues === "write").map(([id]) => `${f} ${id}`));
        assert.deepStrictEqual(holders.sort(), ["verify-stack.yml issue", "verify.yml verify"]);
    });
});
