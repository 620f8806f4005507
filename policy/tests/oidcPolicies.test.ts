// actions-oidc-receiver-pinned on Receivers shaped like components/actionsTrigger.ts's, and the
// rule's reading of an expression against the program's own (lib/oidc.ts), which config validation uses.
import * as assert from "assert";
import { actionsOidcPinned, isGitHubActionsIssuer, pinsIdentity } from "../oidcPolicies";
import * as program from "../../lib/oidc";
import { runResourcePolicy, unknown } from "./harness";

const receiverType = "kubernetes:notification.toolkit.fluxcd.io/v1:Receiver";
const receiver = (validations: unknown, issuerURL = "https://token.actions.githubusercontent.com", type = "generic-oidc") => ({
    apiVersion: "notification.toolkit.fluxcd.io/v1", kind: "Receiver",
    metadata: { name: "instavote-actions", namespace: "flux-system" },
    spec: { type, resources: [{ kind: "GitRepository", name: "instavote" }], oidcProviders: [{ issuerURL, audience: "notification-controller", validations }] },
});
const v = (expression: string) => ({ expression, message: "m" });

describe("actions-oidc-receiver-pinned", () => {
    it("passes the program's own validations (repository id, name, owner, ref, workflow)", async () => {
        const own = program.actionsValidations({ fullName: "Example-Org/instavote", repositoryId: 1, workflowPath: ".github/workflows/flux-push.yml", branch: "main" });
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, receiverType, receiver(own)), []);
    });

    it("refuses validations that admit every Actions token on the platform (branch and event alone)", async () => {
        const violations = await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v("claims.ref == 'refs/heads/main'"), v("claims.event_name == 'push'")]));
        assert.strictEqual(violations.length, 1);
        assert.match(violations[0].message, /^Receiver instavote-actions trusts GitHub Actions tokens from https:\/\/token\.actions\.githubusercontent\.com but no validation pins the token's repository/);
    });

    it("refuses an owner pinned only by name (every repository of it; a freed name can be registered by someone else), accepts the owner's id", async () => {
        const byName = await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v("claims.repository_owner == 'acme'"), v("claims.ref == 'refs/heads/main'")]));
        assert.strictEqual(byName.length, 1);
        assert.match(byName[0].message, /claims\.repository_owner alone does not count/);
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v("claims.repository_owner_id == '65'")])), []);
    });

    it("refuses an identity check that an || opens again, on a GHES issuer too", async () => {
        const violations = await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v("claims.repository_owner == 'acme' || claims.actor == 'x'")], "https://ghes.example.com/_services/token"));
        assert.strictEqual(violations.length, 1);
    });

    it("leaves other issuers, other Receiver types and other kinds alone", async () => {
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v("true")], "https://gitlab.example.com")), []);
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v("true")], undefined, "github")), []);
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, "kubernetes:example.com/v1:Receiver", receiver([v("true")])), []);
    });

    it("does not judge validations a preview does not know yet", async () => {
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, receiverType, receiver(unknown)), []);
        assert.deepStrictEqual(await runResourcePolicy(actionsOidcPinned, receiverType, receiver([v(unknown), v("claims.ref == 'refs/heads/main'")])), []);
    });

    it("reads expressions and issuers exactly as the program's config validation does", () => {
        const expressions = [
            "claims.repository_owner == 'acme'", "claims.repository_owner_id == '65'", "'acme' == claims.repository", "(claims.repository_id == '42')", "claims.repository in ['a/b', 'a/c']",
            "claims.repository_owner == 'acme' || true", "claims.repository_owner.startsWith('acme')", "claims.ref == 'refs/heads/main'", "true", "claims.repository_owner in []",
        ];
        for (const e of expressions) assert.strictEqual(pinsIdentity(e), program.pinsIdentity(e), e);
        for (const i of ["https://token.actions.githubusercontent.com/acme", "https://token.actions.x.ghe.com", "https://h/_services/token/", "https://gitlab.com", "x"]) {
            assert.strictEqual(isGitHubActionsIssuer(i), program.isGitHubActionsIssuer(i), i);
        }
    });
});
