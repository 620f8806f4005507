// The owner as the github provider resolves it (terraform-provider-github v6.13.0 github/provider.go
// configureProvider, as @pulumi/github 6.15.0 bridges it): organization, GITHUB_OWNER, owner.
import * as assert from "assert";
import { OwnerEnv, OwnerSettings, resolveGitHubOwner } from "../lib/githubOwner";

describe("the GitHub owner, resolved as the github provider resolves it", () => {
    const rows: [string, OwnerSettings, OwnerEnv, string][] = [
        ["github:owner alone", { owner: "acme" }, {}, "acme from github:owner"],
        ["GITHUB_OWNER alone", {}, { GITHUB_OWNER: "acme" }, "acme from GITHUB_OWNER"],
        ["github:organization alone (deprecated, still first)", { organization: "acme" }, {}, "acme from github:organization"],
        ["GITHUB_ORGANIZATION alone (the organization attribute's env default)", {}, { GITHUB_ORGANIZATION: "acme" }, "acme from GITHUB_ORGANIZATION (github:organization is not set)"],
        ["the same owner everywhere", { owner: "acme", organization: "acme" }, { GITHUB_OWNER: "acme", GITHUB_ORGANIZATION: "acme" }, "acme from github:organization"],
        ["the same owner in another case (GitHub logins ignore case): the provider's value", { owner: "acme" }, { GITHUB_OWNER: "ACME" }, "ACME from GITHUB_OWNER"],
        ["empty values are unset", { owner: "acme", organization: "" }, { GITHUB_OWNER: "" }, "acme from github:owner"],
        ["github:organization set: GITHUB_ORGANIZATION is not read (the env only defaults an unset attribute)", { organization: "acme" }, { GITHUB_ORGANIZATION: "other" }, "acme from github:organization"],
    ];
    for (const [what, config, env, want] of rows) {
        it(what, () => {
            const r = resolveGitHubOwner(config, env);
            assert.ok(r.ok, r.ok ? "" : r.problem);
            assert.strictEqual(`${r.owner} from ${r.from}`, want);
        });
    }

    const refusals: [string, OwnerSettings, OwnerEnv, RegExp][] = [
        ["a CI's GITHUB_OWNER differs from github:owner: the provider would use GITHUB_OWNER; names both and the fix", { owner: "acme" }, { GITHUB_OWNER: "ci-org" },
            /^GITHUB_OWNER is "ci-org" but github:owner is "acme": the github provider \(terraform-provider-github v6\.13\.0, in @pulumi\/github 6\.15\.0\) takes github:organization, then GITHUB_ORGANIZATION, then GITHUB_OWNER, then github:owner, so it would put the hooks under ci-org\. Set one owner: unset GITHUB_OWNER, or make both "acme"$/],
        ["github:organization differs from github:owner", { owner: "acme", organization: "old-org" }, {},
            /^github:organization is "old-org" but github:owner is "acme": .*Set one owner: `pulumi config rm github:organization`, or make both "acme"$/],
        ["GITHUB_ORGANIZATION differs from GITHUB_OWNER", {}, { GITHUB_ORGANIZATION: "a", GITHUB_OWNER: "b" }, /^GITHUB_ORGANIZATION \(github:organization is not set\) is "a" but GITHUB_OWNER is "b": .*unset GITHUB_ORGANIZATION/],
        ["no owner at all: the provider would manage the token's own user", {}, {}, /^github:owner is not set: .*the github provider would manage the token's own user account/],
    ];
    for (const [what, config, env, want] of refusals) {
        it(`refuses: ${what}`, () => {
            const r = resolveGitHubOwner(config, env);
            assert.ok(!r.ok);
            assert.match(r.problem, want);
        });
    }
});
