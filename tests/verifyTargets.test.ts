// Which hooks verification reads (scripts/verify/targets.ts): ids from the stack outputs, owner and
// GitHub repository from the stack file, by the program's own config rules.
import * as assert from "assert";
import { validateConfig } from "../lib/config";
import { hookTargets, readStackFile } from "../scripts/verify/targets";
import { root, stackConfig } from "./support/projectConfig";
import { projectWith } from "./support/verifyProject";

const outputs = (webhookId: unknown, name = "instavote") => JSON.stringify({ [name]: { gitRepository: name, kustomizations: ["vote-staging"], payloadUrl: "[secret]", receiver: name, webhookId, webhookPath: "[secret]" } });

describe("verify targets: the stack file", () => {
    for (const stack of ["staging", "production"]) {
        it(`reads Pulumi.${stack}.yaml as the program does`, () => {
            const f = readStackFile(root, stack);
            assert.deepStrictEqual(f.problems, []);
            assert.strictEqual(f.owner, stackConfig(stack).others["github:owner"]);
            const program = validateConfig(stackConfig(stack).raw);
            assert.ok(program.ok);
            assert.deepStrictEqual([...f.repositories], program.config.repositories.map((r) => [r.name, r.githubRepository]));
        });
    }

    it("uses githubRepository when the GitHub name differs from the stack's name", () => {
        const dir = projectWith("t", {
            "github:owner": "acme",
            "flux-push:nodeAddress": "203.0.113.10",
            "flux-push:repositories": [{ name: "vote", githubRepository: "vote-app", url: "https://github.com/acme/vote-app.git" }],
        });
        assert.deepStrictEqual([...readStackFile(dir, "t").repositories], [["vote", "vote-app"]]);
    });

    it("reports a missing owner and an invalid config instead of guessing", () => {
        const dir = projectWith("t", { "flux-push:repositories": [{ name: "Bad_Name", url: "https://github.com/acme/x.git" }] });
        const f = readStackFile(dir, "t");
        assert.strictEqual(f.owner, undefined);
        assert.strictEqual(f.problems[0], "Pulumi.t.yaml sets no github:owner");
        assert.ok(f.problems.slice(1).every((p) => p.startsWith("Pulumi.t.yaml: flux-push:")), f.problems.join("\n"));
        assert.ok(f.problems.length > 1);
    });
});

describe("verify targets: pairing the outputs", () => {
    const file = readStackFile(root, "staging");

    it("pairs each repository's webhookId (a string in the outputs) with its GitHub repository", () => {
        assert.deepStrictEqual(hookTargets(outputs("501234567"), file), { hooks: [{ name: "instavote", owner: "example-org", repository: "instavote", hookId: 501234567 }], problems: [] });
        assert.strictEqual(hookTargets(outputs(42), file).hooks[0].hookId, 42);
    });

    it("a hidden or missing id is a problem, not a silent skip", () => {
        for (const id of ["[secret]", undefined, "", "12abc", -1]) {
            const t = hookTargets(outputs(id), file);
            assert.deepStrictEqual(t.hooks, []);
            assert.strictEqual(t.problems.length, 1, String(id));
            assert.match(t.problems[0].problem, /^no usable webhookId in the outputs/);
        }
    });

    it("a repository the stack file no longer lists is a problem (deploy main first)", () => {
        const t = hookTargets(outputs("7", "retired"), file);
        assert.deepStrictEqual(t.problems, [{ name: "retired", problem: "the outputs name a repository the stack file no longer lists: deploy main, then check again" }]);
    });

    it("no outputs (stack not deployed, or outputs unreadable) is a problem", () => {
        assert.match(hookTargets("", file).problems[0].problem, /^the `repositories` output could not be read .*: did the login work, is the stack deployed\?$/);
        assert.match(hookTargets('"[secret]"', file).problems[0].problem, /is secret as a whole/);
        assert.match(hookTargets("{}", file).problems[0].problem, /the stack has no repositories/);
    });
});
