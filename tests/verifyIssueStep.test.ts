// The issue step of verify-stack.yml, run with bash as the runner runs it, against a stand-in `gh`
// that records each call and answers from the test's fixture: one issue per stack, never two.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { issueTitle, SignatureMarker } from "../scripts/verify/report";
import { root } from "./support/projectConfig";
import { tempDir } from "./support/tempDir";

const workflow = parse(fs.readFileSync(path.join(root, ".github/workflows/verify-stack.yml"), "utf8")) as { jobs: Record<string, { steps: { name?: string; run?: string }[] }> };
const script = workflow.jobs.issue.steps.find((s) => s.name === "Open, update or close the stack's issue")?.run ?? "";

interface Issue {
    number: number;
    state: "open" | "closed";
    title: string;
    body?: string;
    pull_request?: unknown;
}

interface Call {
    args: string[];
    stdin: string;
}

/** A `gh` that logs its calls and answers the issue list and `issue view` from the fixture. */
function fakeGh(dir: string): void {
    const gh = path.join(dir, "gh");
    fs.writeFileSync(
        gh,
        `#!/usr/bin/env node
const fs = require("fs");
const args = process.argv.slice(2);
const stdin = args.includes("-") ? fs.readFileSync(0, "utf8") : "";
fs.appendFileSync(process.env.GH_LOG, JSON.stringify({ args, stdin }) + "\\n");
const issues = JSON.parse(process.env.FAKE_ISSUES);
if (args[0] === "api") {
    // --paginate prints one JSON array per page.
    for (let i = 0; i < Math.max(issues.length, 1); i += 2) process.stdout.write(JSON.stringify(issues.slice(i, i + 2)) + "\\n");
} else if (args[0] === "issue" && args[1] === "view") {
    process.stdout.write(issues.find((x) => String(x.number) === args[2]).body + "\\n");
} else if (args[0] === "issue" && args[1] === "create") {
    process.stdout.write("https://github.com/o/r/issues/77\\n");
}
`,
    );
    fs.chmodSync(gh, 0o755);
}

const sig = (s: string) => `body text\n\n<!-- ${SignatureMarker}: ${s} -->`;
const failing = { OK: "false", SIGNATURE: "aaaa1111bbbb2222", TITLE: issueTitle("staging"), BODY: sig("aaaa1111bbbb2222"), CHANGED: "changed!", REOPENED: "reopened!", RESOLVED: "resolved!", CHECK_RESULT: "failure" };
const passing = { ...failing, OK: "true", CHECK_RESULT: "success" };

function runStep(env: Record<string, string>, issues: Issue[]): { code: number; out: string; calls: Call[] } {
    const dir = tempDir("issue-step-");
    fakeGh(dir);
    const log = path.join(dir, "log");
    fs.writeFileSync(log, "");
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        env: { PATH: `${dir}:${process.env.PATH ?? ""}`, GH_LOG: log, FAKE_ISSUES: JSON.stringify(issues), GH_REPO: "o/r", STACK: "staging", RUN_URL: "https://example.test/run/5", ...env },
        encoding: "utf8",
    });
    const calls = fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Call);
    return { code: r.status ?? -1, out: r.stdout + r.stderr, calls };
}

const verbs = (calls: Call[]) => calls.filter((c) => c.args[0] !== "api").map((c) => c.args.slice(0, 3).join(" "));
const staging = (number: number, state: Issue["state"], signature = "aaaa1111bbbb2222"): Issue => ({ number, state, title: "Push path broken: staging", body: sig(signature) });

describe("verify issue step", () => {
    it("the step's fallback title is the report's title (the two must find the same issue)", () => {
        assert.ok(script.includes('title=${TITLE:-"Push path broken: $STACK"}'));
        assert.strictEqual(issueTitle("staging"), "Push path broken: staging");
    });

    it("failing, no issue yet: creates the label and one issue with the report as body", () => {
        const r = runStep(failing, []);
        assert.strictEqual(r.code, 0, r.out);
        assert.deepStrictEqual(verbs(r.calls), ["label create push-path-broken", "issue create --title"]);
        const create = r.calls.find((c) => c.args[1] === "create" && c.args[0] === "issue");
        assert.deepStrictEqual(create?.args, ["issue", "create", "--title", "Push path broken: staging", "--label", "push-path-broken", "--body-file", "-"]);
        assert.strictEqual(create?.stdin, failing.BODY);
    });

    it("failing, same failure as the open issue: rewrites the body, no comment (no notification)", () => {
        const r = runStep(failing, [staging(9, "open")]);
        assert.strictEqual(r.code, 0, r.out);
        assert.deepStrictEqual(verbs(r.calls), ["label create push-path-broken", "issue view 9", "issue edit 9"]);
    });

    it("failing differently: rewrites the body and comments", () => {
        const r = runStep(failing, [staging(9, "open", "0000ffff0000ffff")]);
        assert.deepStrictEqual(verbs(r.calls), ["label create push-path-broken", "issue view 9", "issue edit 9", "issue comment 9"]);
        assert.strictEqual(r.calls.at(-1)?.stdin, "changed!");
    });

    it("failing after it was closed: reopens the newest issue of the stack instead of opening another", () => {
        const r = runStep(failing, [staging(3, "closed"), staging(8, "closed"), { number: 12, state: "open", title: "Push path broken: staging", pull_request: {} }, { number: 10, state: "open", title: "Push path broken: production" }]);
        assert.deepStrictEqual(verbs(r.calls), ["label create push-path-broken", "issue reopen 8", "issue edit 8", "issue comment 8"]);
        assert.strictEqual(r.calls.at(-1)?.stdin, "reopened!");
    });

    it("passing with an open issue: comments and closes it", () => {
        const r = runStep(passing, [staging(9, "open")]);
        assert.strictEqual(r.code, 0, r.out);
        assert.deepStrictEqual(verbs(r.calls), ["issue comment 9", "issue close 9"]);
        assert.strictEqual(r.calls[1].stdin, "resolved!");
        assert.deepStrictEqual(r.calls[2].args, ["issue", "close", "9", "--reason", "completed"]);
    });

    it("passing with no open issue: touches nothing", () => {
        assert.deepStrictEqual(verbs(runStep(passing, []).calls), []);
        assert.deepStrictEqual(verbs(runStep(passing, [staging(3, "closed")]).calls), []);
    });

    it("no report from the check job: still opens an issue, saying the verification could not run", () => {
        const r = runStep({ CHECK_RESULT: "failure" }, []);
        assert.strictEqual(r.code, 0, r.out);
        const create = r.calls.find((c) => c.args[0] === "issue" && c.args[1] === "create");
        assert.strictEqual(create?.args[3], "Push path broken: staging");
        assert.ok(create?.stdin.startsWith("**The push path of `staging` could not be verified.** The check job (failure) left no report"), create?.stdin);
        assert.ok(create?.stdin.endsWith(`<!-- ${SignatureMarker}: no-report -->`), create?.stdin);
    });
});
