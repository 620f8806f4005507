// Names of the per-generation objects and the Receiver's branch filter.
import * as assert from "assert";
import { branchFilterExpression } from "../lib/flux";
import { GenerationLength, MaxRepositoryNameLength, receiverName, tokenGeneration, tokenSecretName } from "../lib/names";

describe("token generations", () => {
    it("a generation is 10 hex characters, stable for a token and different for another", () => {
        const a = tokenGeneration("A".repeat(48));
        assert.match(a, /^[0-9a-f]{10}$/);
        assert.strictEqual(a.length, GenerationLength);
        assert.strictEqual(tokenGeneration("A".repeat(48)), a);
        assert.notStrictEqual(tokenGeneration("A".repeat(47) + "B"), a);
        assert.ok(!a.includes("AAAA"));
    });
    it("names: webhook-token-<generation> and <repository>-<generation>, valid up to the longest repository name", () => {
        assert.strictEqual(tokenSecretName("0123456789"), "webhook-token-0123456789");
        assert.strictEqual(receiverName("instavote", "0123456789"), "instavote-0123456789");
        assert.strictEqual(receiverName("a".repeat(MaxRepositoryNameLength), "0123456789").length, 253);
    });
});

describe("the branch filter (Receiver spec.resourceFilter, CEL)", () => {
    it("accepts a push to the branch, refuses another branch, and keeps GitHub's ping (no ref) accepted", () => {
        const expr = branchFilterExpression("main");
        assert.strictEqual(expr, "has(req.ref) ? req.ref == 'refs/heads/main' : true");
        // The expression's meaning, evaluated the way CEL does for these three bodies.
        const evaluate = (req: Record<string, unknown>) => ("ref" in req ? req.ref === "refs/heads/main" : true);
        assert.deepStrictEqual([{ ref: "refs/heads/main" }, { ref: "refs/heads/feature" }, { zen: "x", hook_id: 1 }].map(evaluate), [true, false, true]);
        assert.strictEqual(branchFilterExpression("release/1.x"), "has(req.ref) ? req.ref == 'refs/heads/release/1.x' : true");
    });
});
