// The actions-oidc trigger's settings (issue 17), in lib/config.ts's contract: one row per rule,
// the change and exactly the problems it must report; then what a valid config becomes.
import * as assert from "assert";
import { RawConfig, validateConfig } from "../lib/config";
import { inClusterReceiverUrl } from "../lib/actionsConfig";
import { withDefaults } from "./support/projectConfig";

const P = "flux-push";
const R0 = `${P}:repositories[0]`;
const instavote = {
    name: "instavote",
    url: "https://github.com/example-org/instavote.git",
    kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }],
};
const runner = { job: "staging", runsOn: ["self-hosted", "staging"] };
/** An actions-oidc only stack: no exposure, one runner. */
function oidcConfig(overrides: Record<string, unknown> = {}): RawConfig {
    return withDefaults({ exposure: "none", repositories: [{ ...instavote, triggers: ["actions-oidc"] }], actionsRunners: [runner], ...overrides });
}
function problemsOf(raw: RawConfig): readonly string[] {
    const r = validateConfig(raw);
    return r.ok ? [] : r.problems;
}
const validation = (expression: string) => ({ expression, message: "m" });

const rules: { rule: string; raw: RawConfig; problems: string[] }[] = [
    {
        rule: "triggers must be known",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["actions"] }] }),
        problems: [`${R0}.triggers: "actions" is not a trigger; allowed: webhook, actions-oidc; e.g. triggers: [actions-oidc], or [webhook, actions-oidc] for both`],
    },
    {
        rule: "triggers must be a non-empty list",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: [] }] }),
        problems: [`${R0}.triggers: must be a non-empty list of triggers, got []; allowed: webhook, actions-oidc; e.g. triggers: [actions-oidc], or [webhook, actions-oidc] for both`],
    },
    {
        rule: "a trigger is listed once",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["actions-oidc", "actions-oidc"] }] }),
        problems: [`${R0}.triggers: "actions-oidc" is listed twice`],
    },
    {
        rule: "exposure none cannot serve the webhook trigger",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["webhook", "actions-oidc"] }] }),
        problems: [`${P}:exposure: is none, which leaves webhook-receiver ClusterIP where GitHub's webhooks cannot reach it, but instavote uses the webhook trigger; choose an exposure (e.g. \`pulumi config set exposure patch-nodeport\`) or set those repositories' triggers to [actions-oidc]`],
    },
    {
        rule: "the default exposure without nodeAddress, for actions-oidc only, points at exposure none",
        raw: oidcConfig({ exposure: "patch-nodeport" }),
        problems: [
            `${P}:nodeAddress: is required with exposure patch-nodeport: the IP or DNS name of a node GitHub can reach, e.g. \`pulumi config set nodeAddress 203.0.113.10\``,
            `${P}:exposure: is patch-nodeport (the default), but no repository uses the webhook trigger, so nothing needs GitHub to reach the cluster: \`pulumi config set exposure none\` keeps webhook-receiver ClusterIP (the actions-oidc runner reaches it inside the cluster)`,
        ],
    },
    {
        rule: "allowedSources github has nothing to narrow with exposure none",
        raw: oidcConfig({ allowedSources: "github" }),
        problems: [`${P}:allowedSources: is github, but exposure is none: nothing is exposed to narrow; remove it (\`pulumi config rm allowedSources\`)`],
    },
    {
        rule: "actionsRunners is required with the trigger",
        raw: oidcConfig({ actionsRunners: [] }),
        problems: [`${P}:actionsRunners: is required with the actions-oidc trigger: one entry {job, runsOn, receiverUrl?} per cluster, naming a runner that reaches this cluster's receiver (an Actions Runner Controller scale set inside it, a runner on its network); e.g. \`pulumi config set --path 'actionsRunners[0].job' staging\` and \`pulumi config set --path 'actionsRunners[0].runsOn[0]' arc-runner-set\``],
    },
    {
        rule: "a runner's job is a GitHub job id, unique; runsOn is a label or labels; no unknown keys",
        raw: oidcConfig({ actionsRunners: [{ job: "1st", runsOn: [] }, { job: "b", runsOn: "x", size: 2 }, { job: "b", runsOn: ["a,b"] }], actionsRunner: "b" }),
        problems: [
            `${P}:actionsRunners[0].job: "1st" is not a GitHub job id (letters, digits, '-' and '_', starting with a letter or '_'), e.g. staging`,
            `${P}:actionsRunners[0].runsOn: [] is not a runner label or a non-empty list of them (the job's runs-on), e.g. arc-runner-set or [self-hosted, linux, staging]`,
            `${P}:actionsRunners[1].size: unknown setting; allowed here: job, runsOn, receiverUrl`,
            `${P}:actionsRunners[2].job: "b" is already used by ${P}:actionsRunners[1]; each cluster needs its own job`,
            `${P}:actionsRunners[2].runsOn: ["a,b"] is not a runner label or a non-empty list of them (the job's runs-on), e.g. arc-runner-set or [self-hosted, linux, staging]`,
        ],
    },
    {
        rule: "a GitHub-hosted runner cannot reach the in-cluster URL",
        raw: oidcConfig({ actionsRunners: [{ job: "staging", runsOn: "ubuntu-latest" }] }),
        problems: [`${P}:actionsRunners[0].runsOn: "ubuntu-latest" is a GitHub-hosted runner, which cannot reach the in-cluster receiver URL; give receiverUrl (a public URL of an exposed cluster) or a runner inside the cluster`],
    },
    {
        rule: "receiverUrl is an http(s) URL without credentials, query or fragment",
        raw: oidcConfig({ actionsRunners: [{ ...runner, receiverUrl: "ftp://u:p@flux.example.com/?x=1" }] }),
        problems: [
            `${P}:actionsRunners[0].receiverUrl: scheme "ftp" is not allowed; use http:// or https://`,
            `${P}:actionsRunners[0].receiverUrl: must not carry credentials: the OIDC token authenticates the request`,
            `${P}:actionsRunners[0].receiverUrl: "ftp://u:p@flux.example.com/?x=1" has a query or fragment: notification-controller matches the request URI exactly and would answer 404`,
        ],
    },
    {
        rule: "with several runners, actionsRunner names this cluster's",
        raw: oidcConfig({ actionsRunners: [runner, { job: "production", runsOn: "prod" }] }),
        problems: [`${P}:actionsRunner: is required with more than one actionsRunners entry: the job of this stack's cluster, which \`up\`'s proof watches; one of staging, production`],
    },
    {
        rule: "actionsRunner must be one of the jobs",
        raw: oidcConfig({ actionsRunner: "prod" }),
        problems: [`${P}:actionsRunner: "prod" is not a job of actionsRunners (staging)`],
    },
    {
        rule: "the workflow lives directly in .github/workflows",
        raw: oidcConfig({ actionsWorkflowPath: ".github/workflows/ci/flux.yml" }),
        problems: [`${P}:actionsWorkflowPath: ".github/workflows/ci/flux.yml" is not a workflow file GitHub runs: it must be directly in .github/workflows/ (no subdirectory) and end in .yml or .yaml, e.g. .github/workflows/flux-push.yml`],
    },
    {
        rule: "delivery is output or commit",
        raw: oidcConfig({ actionsWorkflowDelivery: "push" }),
        problems: [`${P}:actionsWorkflowDelivery: "push" is not a delivery; allowed: output, commit (output: the stack outputs the file for a person to commit; commit: the stack commits it)`],
    },
    {
        rule: "a fleet's shared workflow is not committed by each stack",
        raw: oidcConfig({ actionsWorkflowDelivery: "commit", actionsRunners: [runner, { job: "production", runsOn: "prod" }], actionsRunner: "staging" }),
        problems: [`${P}:actionsWorkflowDelivery: commit with 2 actionsRunners entries: every stack of the fleet would commit the one shared file, and destroying one would remove it for all; use output and commit the file once`],
    },
    {
        rule: "the audience is one word",
        raw: oidcConfig({ actionsAudience: "my flux" }),
        problems: [`${P}:actionsAudience: "my flux" is not an audience (letters, digits and . _ : / = @ % + , -, no spaces); the default is notification-controller`],
    },
    {
        rule: "the check is fail, warn or off, and waits 30-1800 s",
        raw: oidcConfig({ actionsCheck: "strict", actionsCheckTimeout: 10 }),
        problems: [
            `${P}:actionsCheck: "strict" is not an actionsCheck mode; allowed: fail, warn, off (e.g. \`pulumi config set actionsCheck warn\`)`,
            `${P}:actionsCheckTimeout: "10" is not a number of seconds in 30-1800 (how long the proof waits for a runner and the reconcile); e.g. \`pulumi config set actionsCheckTimeout 300\``,
        ],
    },
    {
        rule: "an issuer set by hand is an http(s) URL",
        raw: oidcConfig({ actionsOidcIssuer: "token.actions.githubusercontent.com" }),
        problems: [`${P}:actionsOidcIssuer: "token.actions.githubusercontent.com" is not an issuer URL (http(s)://host[/path], exactly the tokens' iss claim); remove it to derive it from github:baseUrl`],
    },
    {
        rule: "actions keys without the trigger do nothing, so they are refused",
        raw: withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote], actionsRunners: [runner], actionsOidcIssuer: "https://token.actions.githubusercontent.com/acme" }),
        problems: [
            `${P}:actionsRunners: is set but no repository uses the actions-oidc trigger; add triggers: [actions-oidc] to a repositories entry, or remove it (\`pulumi config rm actionsRunners\`)`,
            `${P}:actionsOidcIssuer: is set but no repository uses the actions-oidc trigger; add triggers: [actions-oidc] to a repositories entry, or remove it (\`pulumi config rm actionsOidcIssuer\`)`,
        ],
    },
    {
        rule: "one GitHub repository has one workflow file: two actions-oidc entries cannot share it",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["actions-oidc"] }, { name: "instavote-prod", githubRepository: "Instavote", url: instavote.url, triggers: ["actions-oidc"] }] }),
        problems: [`${P}:repositories: instavote and instavote-prod both use the actions-oidc trigger for GitHub repository Instavote, whose one workflow file (actionsWorkflowPath) can name one Receiver; use the trigger on one of them`],
    },
    {
        rule: "actionsValidations must pin the repository (else every Actions token on the platform passes)",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["actions-oidc"], actionsValidations: [validation("claims.ref == 'refs/heads/main'"), validation("claims.repository_id == '42' || true")] }] }),
        problems: [`${R0}.actionsValidations: no validation pins the token's repository: GitHub issues Actions tokens to every workflow of every repository on the platform, so a valid signature proves nothing about who sent it. Add one whose whole expression is claims.<claim> == '<value>' for one of repository_id, repository, repository_owner_id, best the repository's numeric id, which survives renames and is never given to another repository (e.g. claims.repository_id == '123456789'; \`gh api repos/OWNER/REPO --jq .id\` prints it). claims.repository_owner alone does not count: it admits every repository of the owner, and a freed owner name can be registered by someone else`],
    },
    {
        rule: "a lone claims.repository_owner does not pin the repository (every repository of the owner; a freed name can be re-registered), and the refusal no longer suggests it",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["actions-oidc"], actionsValidations: [validation("claims.repository_owner == 'acme'"), validation("claims.ref == 'refs/heads/main'")] }] }),
        problems: [`${R0}.actionsValidations: no validation pins the token's repository: GitHub issues Actions tokens to every workflow of every repository on the platform, so a valid signature proves nothing about who sent it. Add one whose whole expression is claims.<claim> == '<value>' for one of repository_id, repository, repository_owner_id, best the repository's numeric id, which survives renames and is never given to another repository (e.g. claims.repository_id == '123456789'; \`gh api repos/OWNER/REPO --jq .id\` prints it). claims.repository_owner alone does not count: it admits every repository of the owner, and a freed owner name can be registered by someone else`],
    },
    {
        rule: "each of actionsValidations has an expression and a message",
        raw: oidcConfig({ repositories: [{ ...instavote, triggers: ["actions-oidc"], actionsValidations: [{ expression: "claims.repository_owner == 'acme'" }, { message: "x", when: 1 }] }] }),
        problems: [
            `${R0}.actionsValidations[0].message: is required: what notification-controller logs when the expression is false, got undefined`,
            `${R0}.actionsValidations[1].when: unknown setting; allowed here: expression, message`,
            `${R0}.actionsValidations[1].expression: is required: a CEL expression over claims that must be true, got undefined`,
        ],
    },
    {
        rule: "actionsValidations need the actions-oidc trigger",
        raw: withDefaults({ nodeAddress: "203.0.113.10", repositories: [{ ...instavote, actionsValidations: [validation("claims.repository_id == '42'")] }] }),
        problems: [`${R0}.actionsValidations: is set but this repository does not use the actions-oidc trigger; add it to triggers, or remove actionsValidations`],
    },
];

describe("config: the actions-oidc trigger (one row per rule, exact messages)", () => {
    for (const { rule, raw, problems } of rules) {
        it(rule, () => assert.deepStrictEqual(problemsOf(raw), problems));
    }

    it("the base config of the rows is valid, so each row's problems are its own", () => {
        assert.deepStrictEqual(problemsOf(oidcConfig()), []);
    });
});

describe("config: what an actions-oidc config becomes", () => {
    it("defaults: webhook trigger only, no actions settings", () => {
        const r = validateConfig(withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote] }));
        assert.ok(r.ok);
        assert.deepStrictEqual(r.config.repositories[0].triggers, ["webhook"]);
        assert.ok(!("actions" in r.config));
    });

    it("one runner: it is this cluster's; the in-cluster receiver URL, Flux's audience, output delivery, a failing proof of 300 s", () => {
        const r = validateConfig(oidcConfig({ namespace: "gitops" }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.deepStrictEqual(r.config.exposure, { mode: "none" });
        assert.deepStrictEqual(r.config.actions, {
            runners: [{ job: "staging", runsOn: ["self-hosted", "staging"], receiverUrl: "http://webhook-receiver.gitops.svc.cluster.local" }],
            runner: "staging",
            audience: "notification-controller",
            workflowPath: ".github/workflows/flux-push.yml",
            delivery: "output",
            check: { mode: "fail", timeoutSeconds: 300 },
        });
        assert.ok(Object.isFrozen(r.config.actions) && Object.isFrozen(r.config.actions?.runners[0]));
    });

    it("a fleet: every job kept, a receiver URL kept without its trailing slash, a single label as a list; an issuer set by hand", () => {
        const r = validateConfig(oidcConfig({
            actionsRunners: [runner, { job: "production", runsOn: "arc-prod", receiverUrl: "https://flux.prod.example.com/base/" }],
            actionsRunner: "production",
            actionsOidcIssuer: "https://token.actions.githubusercontent.com/acme/",
        }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.deepStrictEqual(r.config.actions?.runners[1], { job: "production", runsOn: ["arc-prod"], receiverUrl: "https://flux.prod.example.com/base" });
        assert.strictEqual(r.config.actions?.runner, "production");
        assert.strictEqual(r.config.actions?.issuer, "https://token.actions.githubusercontent.com/acme");
    });

    it("both triggers on a repository with an exposure; user validations kept as given", () => {
        const mine = [validation("claims.repository_owner_id == '65'"), validation("claims.runner_environment == 'self-hosted'")];
        const r = validateConfig(withDefaults({
            nodeAddress: "203.0.113.10", actionsRunners: [runner],
            repositories: [{ ...instavote, triggers: ["webhook", "actions-oidc"], actionsValidations: mine }],
        }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
        assert.deepStrictEqual(r.config.repositories[0].triggers, ["webhook", "actions-oidc"]);
        assert.deepStrictEqual(r.config.repositories[0].actionsValidations, mine);
        assert.strictEqual(r.config.exposure.mode, "patch-nodeport");
    });

    it("the in-cluster receiver URL is Flux's webhook-receiver Service", () => {
        assert.strictEqual(inClusterReceiverUrl("flux-system"), "http://webhook-receiver.flux-system.svc.cluster.local");
    });
});
