// The values the stack writes into CEL (the Receiver's branch filter, the Actions OIDC validations),
// read back by a CEL implementation of its own (@marcbachmann/cel-js, not this project's code):
// each literal parses, and the expressions mean what they should for a branch git accepts with a
// quote in it (`git check-ref-format refs/heads/it's` succeeds), as for an ordinary one.
import * as assert from "assert";
import { evaluate, parse } from "@marcbachmann/cel-js";
import { celStringLiteral } from "../lib/cel";
import { branchFilterExpression } from "../lib/flux";
import { actionsValidations } from "../lib/oidc";

const names = ["main", "release/1.x", "it's", "say\"hi\"", "a`b", "ü/ß", "back\\slash", "tab\there", "new\nline", "''", "\\'", "x' || true || 'y"];

describe("CEL string literals (lib/cel.ts), read back by an independent CEL implementation", () => {
    for (const v of names) {
        it(`${JSON.stringify(v)} -> ${celStringLiteral(v)} reads back as itself`, () => {
            assert.strictEqual(evaluate(celStringLiteral(v)), v);
            assert.strictEqual(evaluate(`${celStringLiteral(v)} == s`, { s: v }), true);
            assert.strictEqual(evaluate(`${celStringLiteral(v)} == s`, { s: v + "x" }), false);
        });
    }

    it("an ordinary name is written exactly as before: quoted, nothing escaped", () => {
        assert.strictEqual(celStringLiteral("refs/heads/release/1.x"), "'refs/heads/release/1.x'");
        assert.strictEqual(branchFilterExpression("main"), "has(req.ref) ? req.ref == 'refs/heads/main' : true");
    });
});

describe("the Receiver's branch filter means what it should for every branch git accepts", () => {
    for (const branch of ["main", "it's", "say\"hi\"", "a'b'c", "x' || true || 'y"]) {
        it(`${JSON.stringify(branch)}: a push to it reconciles, a push elsewhere does not, a ping (no ref) does`, () => {
            const expr = branchFilterExpression(branch);
            assert.doesNotThrow(() => parse(expr));
            assert.strictEqual(evaluate(expr, { req: { ref: `refs/heads/${branch}` } }), true);
            assert.strictEqual(evaluate(expr, { req: { ref: "refs/heads/other" } }), false);
            assert.strictEqual(evaluate(expr, { req: { ref: `refs/heads/${branch}x` } }), false);
            assert.strictEqual(evaluate(expr, { req: { zen: "ping" } }), true);
        });
    }
});

describe("the Actions OIDC validations with such a branch", () => {
    it("admit the repository's own workflow on refs/heads/it's, and refuse the same workflow on another branch", () => {
        const branch = "it's";
        const id = { fullName: "Example-Org/instavote", repositoryId: 700000001, workflowPath: ".github/workflows/flux-push.yml", branch };
        const ref = `refs/heads/${branch}`;
        const claims = {
            repository_id: "700000001", repository: "Example-Org/instavote", repository_owner: "Example-Org", event_name: "push", ref,
            workflow_ref: `Example-Org/instavote/.github/workflows/flux-push.yml@${ref}`, job_workflow_ref: `Example-Org/instavote/.github/workflows/flux-push.yml@${ref}`,
        };
        const all = (c: Record<string, string>) => actionsValidations(id).every((v) => evaluate(v.expression, { claims: c }) === true);
        assert.strictEqual(all(claims), true);
        const other = "refs/heads/its";
        assert.strictEqual(all({ ...claims, ref: other, workflow_ref: `Example-Org/instavote/.github/workflows/flux-push.yml@${other}`, job_workflow_ref: `Example-Org/instavote/.github/workflows/flux-push.yml@${other}` }), false);
    });
});
