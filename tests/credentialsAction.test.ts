// The credentials action (.github/actions/pulumi-credentials) decides from variables which login
// path runs. Its shell steps are run here with bash, as the runner runs them, for each path.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { root } from "./support/projectConfig";
import { tempDir } from "./support/tempDir";

interface Step {
    name?: string;
    id?: string;
    if?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}

const action = parse(fs.readFileSync(path.join(root, ".github/actions/pulumi-credentials/action.yml"), "utf8")) as { runs: { steps: Step[] } };
const steps = action.runs.steps;
const byName = (prefix: string): Step => {
    const s = steps.find((x) => (x.name ?? "").startsWith(prefix));
    if (!s) throw new Error(`no step ${prefix}`);
    return s;
};

interface Ran {
    code: number;
    out: string;
    env: string;
    output: string;
    dir: string;
}

/** Runs a step's script as the runner does (bash -e), with GITHUB_ENV/GITHUB_OUTPUT/RUNNER_TEMP in a temp dir. */
function run(step: Step, env: Record<string, string>): Ran {
    const dir = tempDir("creds-");
    const files = { GITHUB_ENV: path.join(dir, "env"), GITHUB_OUTPUT: path.join(dir, "output"), RUNNER_TEMP: dir };
    fs.writeFileSync(files.GITHUB_ENV, "");
    fs.writeFileSync(files.GITHUB_OUTPUT, "");
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run ?? ""], { env: { PATH: process.env.PATH ?? "", ...files, ...env }, encoding: "utf8" });
    return { code: r.status ?? -1, out: r.stdout + r.stderr, env: fs.readFileSync(files.GITHUB_ENV, "utf8"), output: fs.readFileSync(files.GITHUB_OUTPUT, "utf8"), dir };
}

describe("credentials action: which path runs", () => {
    const check = byName("Check the credential set-up");
    const base = { BACKEND_URL: "", OIDC_ORGANIZATION: "", ESC_ENVIRONMENT: "", HAS_ACCESS_TOKEN: "false" };

    it("Pulumi Cloud with PULUMI_OIDC_ORGANIZATION: OIDC, no warning", () => {
        const r = run(check, { ...base, OIDC_ORGANIZATION: "acme" });
        assert.strictEqual(r.code, 0, r.out);
        assert.match(r.out, /OIDC token exchange for organization acme/);
        assert.doesNotMatch(r.out, /::warning::/);
    });

    it("Pulumi Cloud with only the stored token: runs, with a warning to move to OIDC", () => {
        const r = run(check, { ...base, HAS_ACCESS_TOKEN: "true" });
        assert.strictEqual(r.code, 0, r.out);
        assert.match(r.out, /::warning::logging in to Pulumi Cloud with the stored PULUMI_ACCESS_TOKEN; set the PULUMI_OIDC_ORGANIZATION variable/);
    });

    it("Pulumi Cloud (default or https) with neither: fails and names both ways out", () => {
        for (const url of ["", "https://api.pulumi.example.com"]) {
            const r = run(check, { ...base, BACKEND_URL: url });
            assert.strictEqual(r.code, 1, url);
            assert.match(r.out, /::error::no Pulumi Cloud credentials: set the PULUMI_OIDC_ORGANIZATION variable .* or a PULUMI_ACCESS_TOKEN secret/);
        }
    });

    it("a self-managed backend needs no Pulumi token", () => {
        for (const url of ["s3://state-bucket", "gs://state", "azblob://state", "file:///tmp/state"]) {
            const r = run(check, { ...base, BACKEND_URL: url });
            assert.strictEqual(r.code, 0, `${url}: ${r.out}`);
            assert.doesNotMatch(r.out, /::(warning|error)::/);
        }
    });

    it("ESC needs a Pulumi Cloud login, even beside a self-managed backend", () => {
        const r = run(check, { ...base, BACKEND_URL: "s3://state-bucket", ESC_ENVIRONMENT: "acme/flux-push/staging" });
        assert.strictEqual(r.code, 1);
        assert.match(r.out, /::error::ESC_ENVIRONMENT is set, but Pulumi ESC needs a Pulumi Cloud login/);
        assert.strictEqual(run(check, { ...base, BACKEND_URL: "s3://state-bucket", ESC_ENVIRONMENT: "acme/flux-push/staging", OIDC_ORGANIZATION: "acme" }).code, 0);
    });

    it("exchanges the OIDC token only when an organization is set, and opens ESC only when an environment is set", () => {
        const oidc = steps.find((s) => s.uses?.startsWith("pulumi/auth-actions@"));
        const esc = steps.find((s) => s.uses?.startsWith("pulumi/esc-action@"));
        assert.strictEqual(oidc?.if, "inputs.oidc-organization != ''");
        assert.strictEqual(esc?.if, "inputs.esc-environment != ''");
        // ESC's values stay step outputs: exporting them would hand every later step the kubeconfig.
        assert.strictEqual(esc?.with?.["export-environment-variables"], false);
        assert.strictEqual(byName("Use the stored Pulumi access token").if, "inputs.oidc-organization == '' && inputs.access-token != ''");
    });
});

describe("credentials action: the stored token", () => {
    const stored = byName("Use the stored Pulumi access token");

    it("exports PULUMI_ACCESS_TOKEN for the Pulumi steps, as the OIDC exchange does", () => {
        const r = run(stored, { TOKEN: "pul-0123456789abcdef" });
        assert.strictEqual(r.code, 0, r.out);
        assert.strictEqual(r.env, "PULUMI_ACCESS_TOKEN=pul-0123456789abcdef\n");
        assert.doesNotMatch(r.out, /pul-0123/, "never printed");
    });

    it("refuses a token with a newline (it would inject a second variable)", () => {
        const r = run(stored, { TOKEN: "pul-abc\nNODE_OPTIONS=--require=/tmp/x" });
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.env, "");
    });
});

describe("credentials action: kubeconfig and GitHub token", () => {
    const select = byName("Write the kubeconfig, choose the GitHub token");
    const kube = "apiVersion: v1\nkind: Config\nclusters: []\n";
    const secrets = { SECRET_KUBECONFIG: kube, SECRET_GITHUB_TOKEN: "ghp_secret", ESC_KUBECONFIG: "", ESC_GITHUB_TOKEN: "" };

    it("without ESC: from the secrets; the kubeconfig is a 0600 file named by KUBECONFIG", () => {
        const r = run(select, { ...secrets, ESC_ENVIRONMENT: "" });
        assert.strictEqual(r.code, 0, r.out);
        const file = path.join(r.dir, "kubeconfig");
        assert.strictEqual(fs.readFileSync(file, "utf8"), kube + "\n");
        assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
        assert.strictEqual(r.env, `KUBECONFIG=${file}\n`);
        assert.strictEqual(r.output, "github-token=ghp_secret\n");
        assert.match(r.out, /from the secrets KUBECONFIG and FLUX_PUSH_GITHUB_TOKEN/);
    });

    it("with ESC: from the ESC environment, whatever the secrets hold", () => {
        const r = run(select, { ...secrets, ESC_ENVIRONMENT: "acme/flux-push/staging", ESC_KUBECONFIG: "kind: Config\n# from esc", ESC_GITHUB_TOKEN: "ghs_from_esc" });
        assert.strictEqual(r.code, 0, r.out);
        assert.strictEqual(fs.readFileSync(path.join(r.dir, "kubeconfig"), "utf8"), "kind: Config\n# from esc\n");
        assert.strictEqual(r.output, "github-token=ghs_from_esc\n");
        assert.match(r.out, /from the ESC environment acme\/flux-push\/staging/);
    });

    it("with ESC but a key missing there: fails and names the ESC keys (no silent fallback to the secrets)", () => {
        const r = run(select, { ...secrets, ESC_ENVIRONMENT: "acme/flux-push/staging", ESC_GITHUB_TOKEN: "ghs_from_esc" });
        assert.strictEqual(r.code, 1);
        assert.match(r.out, /::error::the kubeconfig or the GitHub token is empty; they come from the ESC environment acme\/flux-push\/staging \(environmentVariables FLUX_PUSH_KUBECONFIG, FLUX_PUSH_GITHUB_TOKEN\)/);
        assert.strictEqual(r.env, "");
    });

    it("masks the token and never prints it, nor the kubeconfig", () => {
        const r = run(select, { ...secrets, ESC_ENVIRONMENT: "" });
        assert.deepStrictEqual(r.out.split("\n").filter((l) => l.includes("ghp_secret")), ["::add-mask::ghp_secret"]);
        assert.doesNotMatch(r.out, /kind: Config/);
    });

    it("refuses a multi-line GitHub token (it would corrupt the step outputs)", () => {
        const r = run(select, { ...secrets, ESC_ENVIRONMENT: "", SECRET_GITHUB_TOKEN: "ghp_a\nx=y" });
        assert.strictEqual(r.code, 1);
        assert.strictEqual(r.output, "");
    });
});

describe("credentials action: the GitHub App (actions/create-github-app-token), a personal token still accepted", () => {
    const select = byName("Write the kubeconfig, choose the GitHub token");
    const check = byName("Check the credential set-up");
    const app = byName("GitHub App installation token");
    const kube = "apiVersion: v1\nkind: Config\nclusters: []\n";
    const base = { SECRET_KUBECONFIG: kube, SECRET_GITHUB_TOKEN: "", ESC_KUBECONFIG: "", ESC_GITHUB_TOKEN: "", ESC_ENVIRONMENT: "", APP_TOKEN: "", APP_SLUG: "" };

    it("runs create-github-app-token v3.1.1 (pinned to its release commit) only when FLUX_PUSH_APP_CLIENT_ID is set, for the owner's repositories, read-only where asked", () => {
        assert.strictEqual(app.uses, "actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3");
        assert.strictEqual(app.if, "inputs.github-app-client-id != ''");
        assert.deepStrictEqual(app.with, {
            "client-id": "${{ inputs.github-app-client-id }}",
            "private-key": "${{ inputs.github-app-private-key }}",
            owner: "${{ inputs.github-app-owner || github.repository_owner }}",
            "permission-repository-hooks": "${{ inputs.github-app-read-only == 'true' && 'read' || '' }}",
            "permission-metadata": "${{ inputs.github-app-read-only == 'true' && 'read' || '' }}",
        });
        // Every input it passes is one action.yml declares at that tag (client-id, private-key, owner, permission-*).
        const declared = ["client-id", "app-id", "private-key", "owner", "repositories", "skip-token-revoke", "github-api-url", "permission-repository-hooks", "permission-metadata"];
        assert.deepStrictEqual(Object.keys(app.with ?? {}).filter((k) => !declared.includes(k)), []);
        assert.ok(steps.indexOf(app) < steps.indexOf(select), "before the token is chosen");
    });

    it("the App's token wins over a personal token (a notice says the PAT is unused), and the App's token is masked, never printed", () => {
        const r = run(select, { ...base, SECRET_GITHUB_TOKEN: "ghp_personal", APP_TOKEN: "ghs_installation", APP_SLUG: "flux-push" });
        assert.strictEqual(r.code, 0, r.out);
        assert.strictEqual(r.output, "github-token=ghs_installation\n");
        assert.match(r.out, /::notice::the GitHub App's token is used; the personal FLUX_PUSH_GITHUB_TOKEN is not \(remove it\)/);
        assert.match(r.out, /kubeconfig from the secrets KUBECONFIG and FLUX_PUSH_GITHUB_TOKEN; GitHub token: an installation token of the GitHub App flux-push/);
        assert.deepStrictEqual(r.out.split("\n").filter((l) => l.includes("ghs_installation")), ["::add-mask::ghs_installation"]);
        const alone = run(select, { ...base, APP_TOKEN: "ghs_installation", APP_SLUG: "flux-push" });
        assert.strictEqual(alone.output, "github-token=ghs_installation\n");
        assert.doesNotMatch(alone.out, /::notice::/);
    });

    it("without the App, the personal token as before", () => {
        const r = run(select, { ...base, SECRET_GITHUB_TOKEN: "ghp_personal" });
        assert.strictEqual(r.output, "github-token=ghp_personal\n");
    });

    it("a client ID without the private key fails first, naming the secret", () => {
        const env = { BACKEND_URL: "file:///state", OIDC_ORGANIZATION: "", ESC_ENVIRONMENT: "", HAS_ACCESS_TOKEN: "false" };
        const r = run(check, { ...env, APP_CLIENT_ID: "Iv23liAbCd", HAS_APP_KEY: "false" });
        assert.strictEqual(r.code, 1);
        assert.match(r.out, /::error::FLUX_PUSH_APP_CLIENT_ID is set, but the secret FLUX_PUSH_APP_PRIVATE_KEY is empty/);
        assert.strictEqual(run(check, { ...env, APP_CLIENT_ID: "Iv23liAbCd", HAS_APP_KEY: "true" }).code, 0);
        assert.strictEqual(run(check, { ...env, APP_CLIENT_ID: "", HAS_APP_KEY: "false" }).code, 0);
    });
});

describe("credentials action: shellcheck", () => {
    it("every script passes shellcheck (actionlint checks only the workflows' own run: scripts)", function () {
        if (spawnSync("shellcheck", ["--version"]).status !== 0) this.skip();
        for (const s of steps.filter((x) => x.run !== undefined)) {
            const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: `#!/usr/bin/env bash\n${s.run}`, encoding: "utf8" });
            assert.strictEqual(r.status, 0, `${s.name}:\n${r.stdout}`);
        }
    });
});
