// The scheduled verification (scripts/verify) with the actions-oidc trigger: a repository that has
// no hook (triggers [actions-oidc]) is not a missing hook.
import * as assert from "assert";
import { hookTargets } from "../scripts/verify/targets";

describe("verify targets: repositories without a hook (actions-oidc only)", () => {
    const stackFile = { owner: "example-org", baseUrl: undefined, repositories: new Map([["instavote", "instavote"], ["result", "result-app"]]), problems: [] };

    it("skips a repository whose outputs carry only the actions trigger, and still checks the hooks", () => {
        const outputs = JSON.stringify({ instavote: { webhookId: "123" }, result: { gitRepository: "result", actions: { receiver: "result-actions" } } });
        assert.deepStrictEqual(hookTargets(outputs, stackFile), { hooks: [{ name: "instavote", owner: "example-org", repository: "instavote", hookId: 123 }], problems: [] });
    });

    it("a repository with neither a hook id nor the actions trigger is still a problem", () => {
        const outputs = JSON.stringify({ result: { gitRepository: "result" } });
        assert.deepStrictEqual(hookTargets(outputs, stackFile).problems, [{ name: "result", problem: "no usable webhookId in the outputs (undefined)" }]);
    });
});
