// The provider plugin's pure part (providers/lifecycle.ts): what the engine's wire values mean for
// a lifecycle over plain values, and that no secret goes back to the engine in plaintext.
import * as assert from "assert";
import {
    fromWire, lifecycleProvider, outputsToWire, OutputValueSig, propertiesFromWire, ResourceLifecycle, ResourceTypes, SpecialSigKey, typeOfUrn, UnknownValue, wireSecret,
} from "../providers/lifecycle";

const secret = wireSecret;

describe("provider plugin: the engine's wire values for a lifecycle", () => {
    it("unwraps secrets wherever they are, and says which properties held one", () => {
        const r = propertiesFromWire({
            token: secret("ghp_x"), owner: "example-org", proof: { repository: "instavote", nested: [secret("s")] }, n: 3, flag: false, none: null,
        });
        assert.deepStrictEqual(r.values, { token: "ghp_x", owner: "example-org", proof: { repository: "instavote", nested: ["s"] }, n: 3, flag: false, none: null });
        assert.deepStrictEqual([...r.secretKeys].sort(), ["proof", "token"]);
    });

    it("reads a preview's unknowns as absent, as dynamic providers received them, and output values by their value and secretness", () => {
        assert.deepStrictEqual(propertiesFromWire({ hookId: UnknownValue, list: ["a", UnknownValue] }).values, { list: ["a", undefined] });
        assert.deepStrictEqual(fromWire({ [SpecialSigKey]: OutputValueSig, value: "v", secret: true }), { value: "v", secret: true });
        assert.deepStrictEqual(fromWire({ [SpecialSigKey]: OutputValueSig }), { value: undefined, secret: false });
        assert.deepStrictEqual(fromWire(secret(UnknownValue)), { value: undefined, secret: true });
    });

    it("wraps an output named like a secret property again, leaves the others plain, and drops absent ones", () => {
        assert.deepStrictEqual(outputsToWire({ token: "ghp_x", sha: "abc", gone: undefined }, new Set(["token"])), { token: secret("ghp_x"), sha: "abc" });
        assert.deepStrictEqual(outputsToWire(undefined, new Set()), {});
    });

    it("reads the type from a URN, under a parent type too", () => {
        assert.strictEqual(typeOfUrn(`urn:pulumi:prod::flux-push::flux-push:index:Stack$${ResourceTypes.webhookPing}::instavote-ping`), ResourceTypes.webhookPing);
        assert.strictEqual(typeOfUrn(`urn:pulumi:prod::flux-push::${ResourceTypes.hookCapacity}::c`), ResourceTypes.hookCapacity);
        assert.throws(() => typeOfUrn("instavote-ping"), /not a resource URN/);
    });
});

describe("provider plugin: the engine's calls, by type", () => {
    interface In { token: string; repository: string }
    interface Out { token: string; repository: string; count: number }
    const calls: unknown[][] = [];
    const counter: ResourceLifecycle<In, Out> = {
        async diff(_id, olds, news) {
            calls.push(["diff", olds, news]);
            return { changes: olds.repository !== news.repository };
        },
        async create(i) {
            calls.push(["create", i]);
            return { id: i.repository, outs: { ...i, count: 1 } };
        },
        async update(_id, olds, news) {
            calls.push(["update", olds, news]);
            return { outs: { ...news, count: olds.count + 1 } };
        },
        async delete(id, olds) {
            calls.push(["delete", id, olds]);
        },
    };
    const urn = `urn:pulumi:prod::flux-push::${ResourceTypes.hookCapacity}::c`;
    const p = lifecycleProvider({ [ResourceTypes.hookCapacity]: counter }, "1.2.3");
    beforeEach(() => (calls.length = 0));

    it("create: plain inputs in, the token back out as a secret (never in plaintext to state)", async () => {
        const r = await p.create(urn, { token: secret("ghp_x"), repository: "instavote" });
        assert.deepStrictEqual(calls, [["create", { token: "ghp_x", repository: "instavote" }]]);
        assert.deepStrictEqual(r, { id: "instavote", outs: { token: secret("ghp_x"), repository: "instavote", count: 1 } });
    });

    it("update: olds (the stored outputs, secret token) and news plain; outputs secret where either was", async () => {
        const r = await p.update("instavote", urn, { token: secret("old"), repository: "instavote", count: 1 }, { token: "ghp_y", repository: "instavote" });
        assert.deepStrictEqual(calls, [["update", { token: "old", repository: "instavote", count: 1 }, { token: "ghp_y", repository: "instavote" }]]);
        assert.deepStrictEqual(r.outs, { token: secret("ghp_y"), repository: "instavote", count: 2 });
    });

    it("diff and delete see plain values", async () => {
        assert.deepStrictEqual(await p.diff("i", urn, { token: secret("a"), repository: "a" }, { token: secret("a"), repository: "b" }), { changes: true });
        await p.delete("i", urn, { token: secret("a"), repository: "a" });
        assert.deepStrictEqual(calls, [["diff", { token: "a", repository: "a" }, { token: "a", repository: "b" }], ["delete", "i", { token: "a", repository: "a" }]]);
    });

    it("state from the dynamic-provider days: an update drops the serialized code and runs nothing, unless the inputs changed too", async () => {
        const legacy = { __provider: "exports.handler = ...", token: secret("old"), repository: "instavote", count: 1 };
        assert.deepStrictEqual(await p.diff("i", urn, legacy, { token: secret("old"), repository: "instavote" }), { changes: true });
        assert.deepStrictEqual(calls, [["diff", { token: "old", repository: "instavote", count: 1 }, { token: "old", repository: "instavote" }]], "the lifecycle never sees the code");
        calls.length = 0;
        const r = await p.update("i", urn, legacy, { token: secret("old"), repository: "instavote" });
        assert.deepStrictEqual(r.outs, { token: secret("old"), repository: "instavote", count: 1 }, "the same outputs, without the code");
        assert.ok(!calls.some((c) => c[0] === "update"), "nothing ran again");
        calls.length = 0;
        const moved = await p.update("i", urn, legacy, { token: secret("old"), repository: "result" });
        assert.deepStrictEqual(moved.outs, { token: secret("old"), repository: "result", count: 2 });
        assert.deepStrictEqual(calls.map((c) => c[0]), ["diff", "update"]);
        assert.deepStrictEqual(calls[1][1], { token: "old", repository: "instavote", count: 1 });
    });

    it("without that code, no change is no change", async () => {
        assert.deepStrictEqual(await p.diff("i", urn, { token: secret("a"), repository: "a", count: 1 }, { token: secret("a"), repository: "a" }), { changes: false });
    });

    it("a type it does not serve is an error that names what it serves", async () => {
        await assert.rejects(p.create(`urn:pulumi:prod::flux-push::${ResourceTypes.webhookPing}::x`, {}), new RegExp(`flux-push-github serves ${ResourceTypes.hookCapacity}; not ${ResourceTypes.webhookPing}`));
        assert.strictEqual(p.version, "1.2.3");
    });
});
