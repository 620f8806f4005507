// The whole stack as the PushReconciliation component (components/pushReconciliation.ts), as the
// plugin constructs it for a program in another language: the same resources as the stack, as the
// component's children, the same defaults (Pulumi.yaml's) and checks, problems naming its inputs.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { PushReconciliation, PushReconciliationArgs, PushReconciliationType } from "../components/pushReconciliation";
import { componentInputNaming } from "../lib/config";
import { ComponentInputKeys, rawConfigFromInputs } from "../lib/componentInputs";
import { isWireSecret, one, promiseOf, Registered, registered, resetMocks, settle } from "./support/mocks";
import { runStack, testDependencies } from "./support/program";
import { withDefaults } from "./support/projectConfig";

const naming = componentInputNaming("PushReconciliation");
const instavote = {
    name: "instavote",
    url: "https://github.com/example-org/instavote.git",
    kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote", prune: false }],
};
const inputs = { nodeAddress: "203.0.113.10", nodePort: 31555, insecureSsl: false, repositories: [instavote] };

/** Declares the component under the mocks and waits until it has registered everything. */
async function declare(args: PushReconciliationArgs): Promise<PushReconciliation> {
    const component = new PushReconciliation("flux", args, {}, testDependencies());
    const outputs = await component.result;
    await promiseOf(pulumi.output(outputs));
    await settle();
    return component;
}

// The mock webhook ids count registrations, which the component itself shifts by one.
const shape = (r: Registered) => `${r.type} ${r.name} ${JSON.stringify(r.inputs).replace(/"hookId":"\d+"/, "\"hookId\":\"<id>\"")}`;

describe("the stack as the PushReconciliation component", () => {
    beforeEach(() => resetMocks());

    it("applies Pulumi.yaml's defaults to the inputs not given, and hands typed inputs to the validation as the CLI hands config", () => {
        const { raw, problems } = rawConfigFromInputs(inputs, naming);
        assert.deepStrictEqual(problems, []);
        assert.deepStrictEqual(raw, withDefaults(inputs));
        assert.strictEqual(raw.nodePort, "31555");
        assert.strictEqual(raw.repositories, JSON.stringify([instavote]));
    });

    it("refuses an input it does not take, naming it and listing the inputs", () => {
        const { problems } = rawConfigFromInputs({ ...inputs, nodeAdress: "x" }, naming);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^PushReconciliation input nodeAdress: unknown input; the inputs are the stack's config keys: namespace, exposure, nodePort, nodeAddress,/);
        assert.ok(problems[0].endsWith("commitStatusToken"));
    });

    it("registers the stack's resources with the stack's inputs, every one under the component", async () => {
        await runStack(withDefaults(inputs));
        const stack = registered.map(shape).sort();
        await resetMocks();
        const component = await declare(inputs);
        const urn = await promiseOf(component.urn);
        const children = registered.filter((r) => r.type !== PushReconciliationType);
        assert.deepStrictEqual(children.map(shape).sort(), stack, "the same resources with the same inputs");
        const own = one(PushReconciliationType, "flux");
        for (const r of children) assert.ok(r.parent === urn || r.parent.startsWith("urn:pulumi:test::flux-push::flux-push-github:index:PushReconciliation$"), `${r.type} ${r.name} is under the component (parent ${r.parent})`);
        assert.ok(children.some((r) => r.parent === urn), "the stack's top-level resources are the component's children");
        assert.deepStrictEqual(own.inputs, {}, "the component keeps no inputs in state (they lead to the token)");
    });

    it("outputs what the stack exports", async () => {
        const component = await declare(inputs);
        const outputs = await component.result;
        assert.strictEqual(outputs.namespace, "flux-system");
        assert.strictEqual((await promiseOf(outputs.exposure)).mode, "patch-nodeport");
        assert.deepStrictEqual(Object.keys(outputs.repositories), ["instavote"]);
        assert.strictEqual(await promiseOf(outputs.repositories.instavote.gitRepository), "instavote");
    });

    it("checks its inputs as the stack checks its config, naming the inputs and the fix there, before anything is registered", async () => {
        const component = new PushReconciliation("flux", { ...inputs, exposure: "nodeport", tokenLength: 12 }, {}, testDependencies());
        await assert.rejects(component.result, (err: Error) => {
            assert.match(err.message, /^invalid PushReconciliation inputs \(2 problems\); nothing was changed:/);
            assert.match(err.message, /PushReconciliation input exposure: "nodeport" is not an exposure mode; allowed: .* \(e\.g\. `exposure: patch-nodeport` in the PushReconciliation inputs\)/);
            assert.match(err.message, /PushReconciliation input tokenLength: 12 is outside 43-1024/);
            assert.doesNotMatch(err.message, /flux-push:|pulumi config/);
            return true;
        });
        await settle();
        assert.deepStrictEqual(registered.filter((r) => r.type !== PushReconciliationType), []);
    });

    it("takes the commit-status token as a secret input, and the Secret it makes keeps it secret", async () => {
        await declare({ ...inputs, commitStatusToken: "ghp_status_token" });
        const secret = one("kubernetes:core/v1:Secret", "commit-status-token-secret");
        assert.deepStrictEqual(secret.inputs.stringData, { token: "ghp_status_token" });
        assert.ok(isWireSecret(secret.wire, ["stringData", "token"]));
    });

    it("takes every config key and the secret ones as inputs", () => {
        assert.deepStrictEqual([...ComponentInputKeys].sort(), [...Object.keys(withDefaults({ repositories: [] })).filter((k) => k !== "secretsSet"), "repositories", "commitStatusToken"].filter((k, i, a) => a.indexOf(k) === i).sort());
    });
});
