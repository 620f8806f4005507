// The generic-oidc Receiver's pure parts: its path (against sha256sum, outside Node, as Flux
// hashes it), the issuer of each kind of GitHub, the CEL validations, and the identity rule that
// config validation and the policy share.
import * as assert from "assert";
import { spawn } from "child_process";
import {
    actionsIssuerUrl, actionsReceiverName, actionsValidations, celString, isGitHubActionsIssuer, oidcReceiverSpec, oidcWebhookPath,
    openToEveryRepository, pinsIdentity, receiverSpecDigest,
} from "../lib/oidc";

function sha256sum(input: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn("sha256sum", [], { stdio: ["pipe", "pipe", "inherit"] });
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(out.split(" ")[0]) : reject(new Error(`sha256sum exited ${code}`))));
        child.stdin.end(input);
    });
}

// Written down once from `printf '%s%s' NAME NAMESPACE | sha256sum` (token "" for generic-oidc:
// receiver_controller.go token(), flux2 trigger_receiver.go pathToken); the first test re-checks them.
const golden: [string, string, string][] = [
    ["instavote-actions", "flux-system", "3db9b0868e11d76e67e6ac882c1fab59706e5caee1cca9f314bd675f2488b84c"],
    ["podinfo-actions", "apps", "9d8e4313dddf315adf0d31f0120b2b65e66d387b95a457c683f3e98e47f1e0c8"],
];

describe("oidcWebhookPath (GetWebhookPath with the empty token of a generic-oidc Receiver)", () => {
    it("the golden digests are sha256sum's own", async () => {
        for (const [name, ns, digest] of golden) assert.strictEqual(await sha256sum(name + ns), digest, `${name}/${ns}`);
    });
    for (const [name, ns, digest] of golden) {
        it(`is /hook/ + sha256sum("" + ${name} + ${ns})`, () => assert.strictEqual(oidcWebhookPath(name, ns), `/hook/${digest}`));
    }
    it("the Receiver is <repository entry>-actions", () => assert.strictEqual(actionsReceiverName("instavote"), "instavote-actions"));
});

describe("actionsIssuerUrl (github:baseUrl -> the Actions OIDC issuer)", () => {
    const cases: [string, string][] = [
        ["https://api.github.com/", "https://token.actions.githubusercontent.com"],
        ["https://api.github.com", "https://token.actions.githubusercontent.com"],
        ["https://github.com/", "https://token.actions.githubusercontent.com"],
        ["https://api.octocorp.ghe.com/", "https://token.actions.octocorp.ghe.com"],
        ["https://ghes.example.com/api/v3/", "https://ghes.example.com/_services/token"],
        ["https://ghes.example.com/", "https://ghes.example.com/_services/token"],
        ["http://127.0.0.1:40123/", "http://127.0.0.1:40123/_services/token"],
        ["https://GHES.example.com:8443/api/v3", "https://ghes.example.com:8443/_services/token"],
    ];
    for (const [base, issuer] of cases) it(`${base} -> ${issuer}`, () => assert.strictEqual(actionsIssuerUrl(base), issuer));

    it("knows GitHub's issuers from others", () => {
        for (const i of ["https://token.actions.githubusercontent.com", "https://token.actions.githubusercontent.com/acme", "https://token.actions.octocorp.ghe.com", "https://ghes.example.com/_services/token"]) {
            assert.ok(isGitHubActionsIssuer(i), i);
        }
        for (const i of ["https://gitlab.com", "https://accounts.google.com", "https://example.com/_services/tokens", "not a url"]) assert.ok(!isGitHubActionsIssuer(i), i);
    });
});

describe("actionsValidations (what the Receiver admits)", () => {
    const id = { fullName: "Example-Org/instavote", repositoryId: 700000001, workflowPath: ".github/workflows/flux-push.yml" };

    it("pins the repository (id, name, owner), the events, the branch and the stack's own workflow on it", () => {
        assert.deepStrictEqual(actionsValidations({ ...id, branch: "main" }).map((v) => v.expression), [
            "claims.repository_id == '700000001'",
            "claims.repository == 'Example-Org/instavote'",
            "claims.repository_owner == 'Example-Org'",
            "claims.event_name in ['push', 'workflow_dispatch']",
            "claims.ref == 'refs/heads/main'",
            "claims.workflow_ref == 'Example-Org/instavote/.github/workflows/flux-push.yml@refs/heads/main'",
            "claims.job_workflow_ref == 'Example-Org/instavote/.github/workflows/flux-push.yml@refs/heads/main'",
        ]);
    });

    it("without a branch (a GitRepository on a tag, or no branch filter): the workflow on any ref", () => {
        const v = actionsValidations(id).map((x) => x.expression);
        assert.ok(!v.some((e) => e.startsWith("claims.ref ")));
        assert.deepStrictEqual(v.slice(4), [
            "claims.workflow_ref.startsWith('Example-Org/instavote/.github/workflows/flux-push.yml@')",
            "claims.job_workflow_ref.startsWith('Example-Org/instavote/.github/workflows/flux-push.yml@')",
        ]);
    });

    it("every validation has a message that says what was wrong", () => {
        for (const v of actionsValidations({ ...id, branch: "release/1.x" })) assert.match(v.message, /^the (token|workflow|job) /);
    });

    it("a value with a quote or backslash is escaped as a CEL literal (tests/cel.test.ts reads it back); an ordinary one is only quoted", () => {
        assert.strictEqual(celString("main' || true || '"), "'main\\' || true || \\''");
        assert.strictEqual(celString("a\\b"), "'a\\\\b'");
        assert.strictEqual(celString("feature/x"), "'feature/x'");
    });

    it("the spec: generic-oidc, no secretRef, one provider, the GitRepository", () => {
        const spec = oidcReceiverSpec("instavote", "https://token.actions.githubusercontent.com", "notification-controller", [{ expression: "true", message: "m" }]);
        assert.deepStrictEqual(spec, {
            type: "generic-oidc",
            resources: [{ kind: "GitRepository", name: "instavote" }],
            oidcProviders: [{ issuerURL: "https://token.actions.githubusercontent.com", audience: "notification-controller", validations: [{ expression: "true", message: "m" }] }],
        });
        assert.ok(!("secretRef" in spec));
    });

    it("a spec's digest changes with any of its parts (a new spec is proven again)", () => {
        const spec = oidcReceiverSpec("instavote", "https://token.actions.githubusercontent.com", "notification-controller", actionsValidations(id));
        assert.strictEqual(receiverSpecDigest(spec), receiverSpecDigest(JSON.parse(JSON.stringify(spec))));
        assert.notStrictEqual(receiverSpecDigest(spec), receiverSpecDigest({ ...spec, oidcProviders: [{ ...spec.oidcProviders[0], audience: "x" }] }));
    });

    it("the stack's own validations always pin the repository", () => {
        assert.strictEqual(openToEveryRepository(actionsValidations(id)), undefined);
    });
});

describe("pinsIdentity (one validation that on its own narrows the callers to a repository)", () => {
    const pins = [
        "claims.repository_id == '42'",
        "'42' == claims.repository_id",
        "  claims.repository == 'acme/app'  ",
        "(claims.repository_id == '42')",
        "claims.repository_owner_id == '65'",
        "claims.repository in ['acme/app', 'acme/lib']",
    ];
    const open = [
        // An owner by name: every repository of it, and a freed owner name can be registered by someone else.
        "claims.repository_owner == 'acme'",
        "'acme' == claims.repository_owner",
        "claims.repository_owner in ['acme']",
        "claims.repository_owner != 'acme'",
        "claims.repository_owner == 'acme' || true",
        "claims.repository_owner.startsWith('acme')",
        "claims.ref == 'refs/heads/main'",
        "claims.sub == 'repo:acme/app:ref:refs/heads/main'",
        "claims.repository_owner == claims.actor",
        "claims.repository_id in []",
        "true",
    ];
    for (const e of pins) it(`pins: ${e}`, () => assert.ok(pinsIdentity(e)));
    for (const e of open) it(`does not pin: ${e}`, () => assert.ok(!pinsIdentity(e)));
});
