// The provider plugin's pure part (resources/lifecycle.ts): what the engine's wire values mean for
// a lifecycle over plain values, and that no secret goes back to the engine in plaintext.
import * as assert from "assert";
import { generateKeyPairSync } from "crypto";
import { GitHubApiSettings } from "../lib/github";
import { InstallationTokenSource } from "../lib/githubApp";
import {
    fromWire, lifecycleContext, lifecycleProvider, outputsToWire, OutputValueSig, pluginConfigFromWire, propertiesFromWire, ResourceLifecycle, ResourceTypes, SpecialSigKey, typeOfUrn,
    UnknownValue, wireSecret,
} from "../resources/lifecycle";

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
    interface In { repository: string }
    interface Out { repository: string; count: number; token?: string }
    const calls: unknown[][] = [];
    const counter: ResourceLifecycle<In, Out> = {
        async diff(_id, olds, news) {
            calls.push(["diff", olds, news]);
            return { changes: olds.repository !== news.repository };
        },
        async create(i, ctx) {
            calls.push(["create", i, ctx.github()]);
            return { id: i.repository, outs: { ...i, count: 1 } };
        },
        async update(_id, olds, news, ctx) {
            calls.push(["update", olds, news, ctx.github()]);
            return { outs: { ...news, count: olds.count + 1 } };
        },
        async delete(id, olds, ctx) {
            calls.push(["delete", id, olds, ctx.github()]);
        },
        formerOutputs: ["apiBaseUrl", "token"],
    };
    const urn = `urn:pulumi:prod::flux-push::${ResourceTypes.hookCapacity}::c`;
    const configured = () => {
        const p = lifecycleProvider({ [ResourceTypes.hookCapacity]: counter }, "1.2.3");
        p.configure({ apiBaseUrl: "https://ghe.example.com/api/v3/", token: secret("ghp_now"), version: "1.2.3" });
        return p;
    };
    const now = { baseUrl: "https://ghe.example.com/api/v3/", token: "ghp_now" };
    beforeEach(() => (calls.length = 0));

    it("create: plain inputs in, GitHub as the provider is configured, secret inputs back out as secrets", async () => {
        const r = await configured().create(urn, { repository: "instavote", note: secret("s") });
        assert.deepStrictEqual(calls, [["create", { repository: "instavote", note: "s" }, now]]);
        assert.deepStrictEqual(r, { id: "instavote", outs: { repository: "instavote", note: secret("s"), count: 1 } });
    });

    it("update and delete call GitHub with the provider's current credentials, never a token the state kept", async () => {
        const p = configured();
        const r = await p.update("instavote", urn, { repository: "instavote", count: 1 }, { repository: "result" });
        assert.deepStrictEqual(r.outs, { repository: "result", count: 2 });
        await p.delete("instavote", urn, { repository: "result", count: 2, token: secret("ghp_rotated_away"), apiBaseUrl: "https://api.github.com/" });
        assert.deepStrictEqual(calls.map((c) => c[c.length - 1]), [now, now]);
        assert.deepStrictEqual(calls[1][2], { repository: "result", count: 2 }, "the former credentials are not the lifecycle's olds");
    });

    it("the provider's configuration: a REST base that is no GitHub's is refused at Configure; unknown keys are ignored", () => {
        assert.deepStrictEqual(pluginConfigFromWire({ apiBaseUrl: "https://api.github.com/", token: secret("t"), version: "0.1.0" }), { apiBaseUrl: "https://api.github.com/", token: "t" });
        assert.deepStrictEqual(pluginConfigFromWire(undefined), {});
        assert.throws(() => pluginConfigFromWire({ apiBaseUrl: "ftp://example.com/" }), /uses ftp, not https/);
    });

    it("unconfigured (the plugin's default provider): an error that names the fix, unless the state kept the credentials of the version that wrote it", async () => {
        const bare = lifecycleProvider({ [ResourceTypes.hookCapacity]: counter }, "1.2.3");
        await assert.rejects(bare.create(urn, { repository: "instavote" }), /the flux-push-github provider has no GitHub REST base: .*github:baseUrl.*github:token.*run `pulumi up` \(or `pulumi destroy --run-program`\)/);
        // A stack written before the plugin's provider, destroyed right after the upgrade: its own credentials.
        await bare.delete("instavote", urn, { repository: "instavote", count: 1, token: secret("ghp_then"), apiBaseUrl: "https://api.github.com/" });
        assert.deepStrictEqual(calls[0], ["delete", "instavote", { repository: "instavote", count: 1 }, { baseUrl: "https://api.github.com/", token: "ghp_then" }]);
        // Configured: the current ones win over what the state kept.
        const ctx = lifecycleContext({ apiBaseUrl: "https://api.github.com/", token: "ghp_now" }, { apiBaseUrl: "https://api.github.com/", token: "ghp_then" });
        assert.strictEqual(ctx.github().token, "ghp_now");
        assert.throws(() => lifecycleContext({ apiBaseUrl: "https://api.github.com/" }).github(), /has no GitHub credentials/);
    });

    it("state from earlier versions (a dynamic provider's code, the credentials kept as outputs): an update drops it and runs nothing, unless the inputs changed too", async () => {
        const p = configured();
        const legacy = { __provider: "exports.handler = ...", token: secret("old"), apiBaseUrl: "https://api.github.com/", repository: "instavote", count: 1 };
        assert.deepStrictEqual(await p.diff("i", urn, legacy, { repository: "instavote" }), { changes: true });
        assert.deepStrictEqual(calls, [["diff", { repository: "instavote", count: 1 }, { repository: "instavote" }]], "the lifecycle never sees the code or the old credentials");
        calls.length = 0;
        const r = await p.update("i", urn, legacy, { repository: "instavote" });
        assert.deepStrictEqual(r.outs, { repository: "instavote", count: 1 }, "the same outputs, without the code or the token");
        assert.ok(!calls.some((c) => c[0] === "update"), "nothing ran again");
        calls.length = 0;
        const moved = await p.update("i", urn, legacy, { repository: "result" });
        assert.deepStrictEqual(moved.outs, { repository: "result", count: 2 });
        assert.deepStrictEqual(calls.map((c) => c[0]), ["diff", "update"]);
        assert.deepStrictEqual(calls[1][1], { repository: "instavote", count: 1 });
    });

    it("without former state, no change is no change; a lifecycle that keeps a `token` output of its own keeps it", async () => {
        assert.deepStrictEqual(await configured().diff("i", urn, { repository: "a", count: 1 }, { repository: "a" }), { changes: false });
        const own: ResourceLifecycle<In, Out> = { ...counter, formerOutputs: undefined };
        const p = lifecycleProvider({ [ResourceTypes.hookCapacity]: own }, "1.2.3");
        assert.deepStrictEqual(await p.diff("i", urn, { repository: "a", count: 1, token: secret("x") }, { repository: "a" }), { changes: false });
    });

    it("a GitHub App in the configuration: the plugin mints its own tokens, one source shared by every call until the next Configure; the App wins over a token", async () => {
        const key = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
        const args = { apiBaseUrl: "https://ghe.example.com/api/v3/", appId: "101", appInstallationId: "202", appPrivateKey: secret(key), token: secret("ghp_also") };
        assert.deepStrictEqual(pluginConfigFromWire(args), { apiBaseUrl: "https://ghe.example.com/api/v3/", app: { appId: "101", installationId: "202", privateKey: key } });
        const p = lifecycleProvider({ [ResourceTypes.hookCapacity]: counter }, "1.2.3");
        p.configure(args);
        await p.create(urn, { repository: "a" });
        await p.update("a", urn, { repository: "a", count: 1 }, { repository: "b" });
        const sources = calls.map((c) => (c[c.length - 1] as GitHubApiSettings).token);
        assert.ok(sources[0] instanceof InstallationTokenSource, "an App's token source, not a token");
        assert.strictEqual(sources[0], sources[1], "the same source (and so the same token) for every resource");
        assert.deepStrictEqual((sources[0] as InstallationTokenSource).app, { appId: "101", installationId: "202", privateKey: key });
        p.configure(args);
        await p.delete("b", urn, { repository: "b", count: 2 });
        assert.notStrictEqual((calls[2][calls[2].length - 1] as GitHubApiSettings).token, sources[0], "a new Configure (a new key, say) starts a new source");
    });

    it("an incomplete App or a key the provider cannot read is refused at Configure, naming the setting", () => {
        assert.throws(() => pluginConfigFromWire({ apiBaseUrl: "https://api.github.com/", appId: "101", appPrivateKey: secret("x") }), /incomplete GitHub App: appId, appInstallationId and appPrivateKey go together/);
        assert.throws(() => pluginConfigFromWire({ apiBaseUrl: "https://api.github.com/", appId: "101", appInstallationId: "2", appPrivateKey: secret("ghp_no_pem") }),
            /appPrivateKey \(github:appAuth\.pemFile\) holds no PEM block/);
    });

    it("a type it does not serve is an error that names what it serves", async () => {
        const p = configured();
        await assert.rejects(p.create(`urn:pulumi:prod::flux-push::${ResourceTypes.webhookPing}::x`, {}), new RegExp(`flux-push-github serves ${ResourceTypes.hookCapacity}; not ${ResourceTypes.webhookPing}`));
        assert.strictEqual(p.version, "1.2.3");
    });
});
