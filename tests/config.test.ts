import * as assert from "assert";
import { execFile } from "child_process";
import * as os from "os";
import { formatProblems, isGitBranchName, RawConfig, validateConfig } from "../lib/config";
import { withDefaults } from "./support/projectConfig";

const instavote = {
    name: "instavote",
    url: "https://github.com/example-org/instavote.git",
    kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", targetNamespace: "instavote" }],
};

/** A valid staging-like config with `overrides` applied (undefined removes a key). */
function config(overrides: Record<string, unknown> = {}): RawConfig {
    return withDefaults({ nodeAddress: "203.0.113.10", repositories: [instavote], ...overrides });
}

function problemsOf(raw: RawConfig): readonly string[] {
    const result = validateConfig(raw);
    return result.ok ? [] : result.problems;
}

function repo(extra: Record<string, unknown>): Record<string, unknown> {
    return { ...instavote, ...extra };
}

const P = "flux-push";
const R0 = `${P}:repositories[0]`;

// One row per rule: the config change, and exactly the problems it must report.
const rules: { rule: string; set: Record<string, unknown>; problems: string[] }[] = [
    {
        rule: "namespace must be an RFC 1123 label",
        set: { namespace: "Flux_System" },
        problems: [`${P}:namespace: "Flux_System" is not a valid namespace name (RFC 1123 label); Flux installs into flux-system: \`pulumi config set namespace flux-system\``],
    },
    {
        rule: "exposure must be a known mode",
        set: { exposure: "nodeport" },
        problems: [`${P}:exposure: "nodeport" is not an exposure mode; allowed: patch-nodeport, nodeport-service, loadbalancer, ingress, url (e.g. \`pulumi config set exposure patch-nodeport\`)`],
    },
    {
        rule: "nodePort must be in 30000-32767",
        set: { nodePort: 80 },
        problems: [`${P}:nodePort: 80 is outside Kubernetes' NodePort range 30000-32767; e.g. \`pulumi config set nodePort 31234\``],
    },
    {
        rule: "nodePort's upper bound is 32767: 32768 is refused",
        set: { nodePort: 32768 },
        problems: [`${P}:nodePort: 32768 is outside Kubernetes' NodePort range 30000-32767; e.g. \`pulumi config set nodePort 31234\``],
    },
    {
        rule: "nodePort's lower bound is 30000: 29999 is refused",
        set: { nodePort: 29999 },
        problems: [`${P}:nodePort: 29999 is outside Kubernetes' NodePort range 30000-32767; e.g. \`pulumi config set nodePort 31234\``],
    },
    {
        rule: "nodePort must be an integer",
        set: { nodePort: "31234x" },
        problems: [`${P}:nodePort: "31234x" is not an integer; e.g. \`pulumi config set nodePort 31234\``],
    },
    {
        rule: "patch-nodeport needs nodeAddress",
        set: { nodeAddress: undefined },
        problems: [`${P}:nodeAddress: is required with exposure patch-nodeport: the IP or DNS name of a node GitHub can reach, e.g. \`pulumi config set nodeAddress 203.0.113.10\``],
    },
    {
        rule: "nodeport-service needs nodeAddress",
        set: { exposure: "nodeport-service", nodeAddress: undefined },
        problems: [`${P}:nodeAddress: is required with exposure nodeport-service: the IP or DNS name of a node GitHub can reach, e.g. \`pulumi config set nodeAddress 203.0.113.10\``],
    },
    {
        rule: "nodeAddress is an address, without scheme or port",
        set: { nodeAddress: "http://203.0.113.10:31234" },
        problems: [`${P}:nodeAddress: "http://203.0.113.10:31234" is not an IP address or DNS name; give the node's address alone, without scheme or port (the port is nodePort)`],
    },
    {
        rule: "ingress needs a host and a TLS Secret",
        set: { exposure: "ingress", nodeAddress: undefined },
        problems: [
            `${P}:ingressHost: is required with exposure ingress: the public DNS name routed to the Ingress, e.g. \`pulumi config set ingressHost flux-webhook.example.com\``,
            `${P}:ingressTlsSecret: is required with exposure ingress: the Secret holding the certificate for ingressHost, e.g. \`pulumi config set ingressTlsSecret flux-webhook-tls\``,
        ],
    },
    {
        rule: "ingressHost is a DNS name",
        set: { exposure: "ingress", nodeAddress: undefined, ingressHost: "https://flux.example.com/", ingressTlsSecret: "tls" },
        problems: [`${P}:ingressHost: "https://flux.example.com/" is not a DNS name; give the host alone, without scheme, port or path`],
    },
    {
        rule: "ingressTlsSecret is a Secret name",
        set: { exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "Flux_TLS" },
        problems: [`${P}:ingressTlsSecret: "Flux_TLS" is not a valid Secret name (RFC 1123: lowercase letters, digits, '-' and '.')`],
    },
    {
        rule: "ingressClassName is an RFC 1123 name",
        set: { exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "tls", ingressClassName: "NGINX" },
        problems: [`${P}:ingressClassName: "NGINX" is not a valid IngressClass name (RFC 1123)`],
    },
    {
        rule: "url needs publicUrl",
        set: { exposure: "url", nodeAddress: undefined },
        problems: [`${P}:publicUrl: is required with exposure url: the public origin that reaches webhook-receiver, e.g. \`pulumi config set publicUrl https://flux-webhook.example.com\``],
    },
    {
        rule: "publicUrl is an origin: no path (the controller matches the full URI)",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "https://tunnel.example.com/flux" },
        problems: [`${P}:publicUrl: "https://tunnel.example.com/flux" has a path, query or fragment; give the origin only (scheme://host[:port]): notification-controller serves /hook/<sha256> at the root and answers 404 to anything else`],
    },
    {
        rule: "publicUrl is http or https",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "ftp://tunnel.example.com" },
        problems: [`${P}:publicUrl: scheme "ftp" is not allowed; use https:// (or http://)`],
    },
    {
        rule: "publicUrl carries no credentials",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "https://user:pw@tunnel.example.com" },
        problems: [`${P}:publicUrl: must not carry credentials; GitHub authenticates with the HMAC signature, not the URL`],
    },
    {
        rule: "publicUrl carries no password either, even without a user",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "https://:pw@tunnel.example.com" },
        problems: [`${P}:publicUrl: must not carry credentials; GitHub authenticates with the HMAC signature, not the URL`],
    },
    {
        rule: "publicUrl must parse",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "tunnel.example.com" },
        problems: [`${P}:publicUrl: "tunnel.example.com" is not a URL; give the public origin GitHub reaches, e.g. \`pulumi config set publicUrl https://flux-webhook.example.com\``],
    },
    {
        rule: "a key another exposure mode reads is a mistake",
        set: { publicUrl: "https://tunnel.example.com" },
        problems: [`${P}:publicUrl: is set but exposure is "patch-nodeport"; it is read only with exposure url: remove it (\`pulumi config rm publicUrl\`) or change exposure`],
    },
    {
        rule: "insecureSsl only with an https exposure",
        set: { insecureSsl: true },
        problems: [`${P}:insecureSsl: applies only to https payload URLs, and exposure patch-nodeport serves plain http; remove it (\`pulumi config rm insecureSsl\`)`],
    },
    {
        rule: "insecureSsl is refused with loadbalancer, which serves plain http too",
        set: { exposure: "loadbalancer", nodeAddress: undefined, insecureSsl: true },
        problems: [`${P}:insecureSsl: applies only to https payload URLs, and exposure loadbalancer serves plain http; remove it (\`pulumi config rm insecureSsl\`)`],
    },
    {
        rule: "insecureSsl is a boolean",
        set: { insecureSsl: "yes" },
        problems: [`${P}:insecureSsl: "yes" is not a boolean; use true or false`],
    },
    {
        rule: "gitRepositoryInterval is a Flux duration",
        set: { gitRepositoryInterval: "1d" },
        problems: [`${P}:gitRepositoryInterval: "1d" is not a Flux duration (pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$, e.g. 30s, 10m, 1h, 1h30m); e.g. \`pulumi config set gitRepositoryInterval 1h\``],
    },
    {
        rule: "kustomizationInterval is a Flux duration",
        set: { kustomizationInterval: "10 minutes" },
        problems: [`${P}:kustomizationInterval: "10 minutes" is not a Flux duration (pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$, e.g. 30s, 10m, 1h, 1h30m); e.g. \`pulumi config set kustomizationInterval 1h\``],
    },
    {
        rule: "tokenLength carries at least 256 bits",
        set: { tokenLength: 32 },
        problems: [`${P}:tokenLength: 32 is outside 43-1024: 43 alphanumeric characters are the least that carry 256 bits; e.g. \`pulumi config set tokenLength 48\``],
    },
    {
        rule: "tokenRotation is required",
        set: { tokenRotation: "" },
        problems: [`${P}:tokenRotation: is required: any label; changing it rotates the token, e.g. \`pulumi config set tokenRotation 2026-11\``],
    },
    {
        rule: "repositories is required",
        set: { repositories: undefined },
        problems: [`${P}:repositories: is required: the Git repositories whose pushes trigger a reconcile; see Pulumi.staging.yaml for an example`],
    },
    {
        rule: "repositories is a list",
        set: { repositories: "instavote" },
        problems: [`${P}:repositories: is not a list of objects (could not parse "instavote"); see Pulumi.staging.yaml for an example`],
    },
    {
        rule: "repositories is not empty",
        set: { repositories: [] },
        problems: [`${P}:repositories: must be a non-empty list of repositories; see Pulumi.staging.yaml for an example`],
    },
    {
        rule: "repository entries are objects",
        set: { repositories: ["instavote"] },
        problems: [`${R0}: must be an object with name, githubRepository, existing, url, branch, interval, secretRef, kustomizations, got "instavote"`],
    },
    {
        rule: "repository name is an RFC 1123 name",
        set: { repositories: [repo({ name: "InstaVote" })] },
        problems: [`${R0}.name: "InstaVote" is not a valid name (RFC 1123: lowercase letters, digits, '-' and '.', at most 253)`],
    },
    {
        rule: "repository name is required",
        set: { repositories: [repo({ name: undefined })] },
        problems: [`${R0}.name: is required: the GitRepository (and Receiver) name, e.g. instavote`],
    },
    {
        rule: "repository names are unique",
        set: { repositories: [instavote, { name: "instavote", url: "https://github.com/example-org/other.git" }] },
        problems: [`${P}:repositories[1].name: "instavote" is already used by ${R0}; each GitRepository/Receiver name must be unique`],
    },
    {
        rule: "githubRepository is a name, the owner comes from github:owner",
        set: { repositories: [repo({ githubRepository: "example-org/instavote" })] },
        problems: [`${R0}.githubRepository: "example-org/instavote" must be the repository name alone; the owner comes from \`pulumi config set github:owner OWNER\``],
    },
    {
        rule: "githubRepository follows GitHub's naming rules",
        set: { repositories: [repo({ githubRepository: "instavote.git" })] },
        problems: [`${R0}.githubRepository: "instavote.git" is not a GitHub repository name (letters, digits, '-', '_' and '.', at most 100, without .git)`],
    },
    {
        rule: "url uses a scheme GitRepository accepts (scp-like gets a hint)",
        set: { repositories: [repo({ url: "git@github.com:example-org/instavote.git" })] },
        problems: [`${R0}.url: "git@github.com:example-org/instavote.git" must start with http://, https://, ssh://, as GitRepository requires (scp-like addresses are not accepted: write ssh://git@github.com/example-org/instavote.git)`],
    },
    {
        rule: "url is required for a repository the stack creates",
        set: { repositories: [repo({ url: undefined })] },
        problems: [`${R0}.url: is required: the Git URL source-controller clones, e.g. https://github.com/OWNER/REPO.git`],
    },
    {
        rule: "branch is a valid branch name",
        set: { repositories: [repo({ branch: "release..1" })] },
        problems: [`${R0}.branch: "release..1" is not a valid branch name`],
    },
    {
        rule: "a branch may not end with .lock",
        set: { repositories: [repo({ branch: "main.lock" })] },
        problems: [`${R0}.branch: "main.lock" is not a valid branch name`],
    },
    {
        rule: "no component of a branch may end with .lock (git check-ref-format)",
        set: { repositories: [repo({ branch: "release.lock/1" })] },
        problems: [`${R0}.branch: "release.lock/1" is not a valid branch name`],
    },
    {
        rule: "no component of a branch may begin with a dot (git check-ref-format)",
        set: { repositories: [repo({ branch: "feature/.wip" })] },
        problems: [`${R0}.branch: "feature/.wip" is not a valid branch name`],
    },
    {
        rule: "secretRef is a Secret name",
        set: { repositories: [repo({ secretRef: "Git Credentials" })] },
        problems: [`${R0}.secretRef: "Git Credentials" is not a valid Secret name (RFC 1123)`],
    },
    {
        rule: "a repository's own interval is a Flux duration",
        set: { repositories: [repo({ interval: "hourly" })] },
        problems: [`${R0}.interval: "hourly" is not a Flux duration (pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$, e.g. 30s, 10m, 1h, 1h30m); or remove it to use gitRepositoryInterval`],
    },
    {
        rule: "unknown keys are reported (typos do not pass silently)",
        set: { repositories: [repo({ brnach: "main" })] },
        problems: [`${R0}.brnach: unknown setting; allowed here: name, githubRepository, existing, url, branch, interval, secretRef, kustomizations`],
    },
    {
        rule: "existing is a boolean",
        set: { repositories: [repo({ existing: "yes" })] },
        problems: [`${R0}.existing: must be true or false, got "yes"`],
    },
    {
        rule: "existing: true takes no settings of the objects it only references",
        set: { repositories: [repo({ existing: true })] },
        problems: [
            `${R0}.url: is set but existing is true: the stack only references GitRepository "instavote" and changes none of its settings; remove url, or set existing: false to let the stack create and own the objects`,
            `${R0}.kustomizations: is set but existing is true: the stack only references GitRepository "instavote" and changes none of its settings; remove kustomizations, or set existing: false to let the stack create and own the objects`,
        ],
    },
    {
        rule: "kustomizations is a list",
        set: { repositories: [repo({ kustomizations: { name: "vote-staging" } })] },
        problems: [`${R0}.kustomizations: must be a list, got {"name":"vote-staging"}`],
    },
    {
        rule: "a Kustomization path begins with ./ (as flux create requires)",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "deploy/vote/staging" }] })] },
        problems: [`${R0}.kustomizations[0].path: "deploy/vote/staging" must begin with ./ (as flux create requires), e.g. ./deploy/vote/staging`],
    },
    {
        rule: "a Kustomization path stays inside the repository",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "./../other" }] })] },
        problems: [`${R0}.kustomizations[0].path: "./../other" must stay inside the repository (no '..')`],
    },
    {
        rule: "a Kustomization needs a name and a path",
        set: { repositories: [repo({ kustomizations: [{}] })] },
        problems: [
            `${R0}.kustomizations[0].name: is required: the Kustomization's name, e.g. vote-staging`,
            `${R0}.kustomizations[0].path: is required: the directory in the repository to apply, e.g. ./deploy/vote/staging`,
        ],
    },
    {
        rule: "Kustomization names are unique across repositories",
        set: {
            repositories: [instavote, { name: "result", url: "https://github.com/example-org/result.git", kustomizations: [{ name: "vote-staging", path: "./deploy" }] }],
        },
        problems: [`${P}:repositories[1].kustomizations[0].name: "vote-staging" is already used by ${R0}.kustomizations[0]; Kustomization names must be unique in the namespace`],
    },
    {
        rule: "unknown keys in a Kustomization entry are reported (typos do not pass silently)",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "./deploy", targetNamepsace: "instavote" }] })] },
        problems: [`${R0}.kustomizations[0].targetNamepsace: unknown setting; allowed here: name, path, prune, interval, targetNamespace`],
    },
    {
        rule: "targetNamespace is an RFC 1123 label",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "./deploy", targetNamespace: "Instavote" }] })] },
        problems: [`${R0}.kustomizations[0].targetNamespace: "Instavote" is not a valid namespace name (RFC 1123 label: lowercase letters, digits and '-', at most 63)`],
    },
    {
        rule: "prune is a boolean",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "./deploy", prune: "true" }] })] },
        problems: [`${R0}.kustomizations[0].prune: must be true or false, got "true"`],
    },
    {
        rule: "a Kustomization's own interval is a Flux duration",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "./deploy", interval: "5" }] })] },
        problems: [`${R0}.kustomizations[0].interval: "5" is not a Flux duration (pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$, e.g. 30s, 10m, 1h, 1h30m); or remove it to use kustomizationInterval`],
    },
];

describe("config validation", () => {
    it("accepts the baseline used by every rule below", () => {
        assert.deepStrictEqual(problemsOf(config()), []);
    });

    for (const { rule, set, problems } of rules) {
        it(rule, () => {
            assert.deepStrictEqual(problemsOf(config(set)), problems);
        });
    }

    it("reports every problem at once, in the order of the settings", () => {
        const problems = problemsOf(config({
            namespace: "Flux",
            nodePort: 99999,
            tokenLength: 10,
            repositories: [repo({ url: "ftp://example.com/x.git" })],
        }));
        assert.strictEqual(problems.length, 4);
        assert.deepStrictEqual(problems.map((p) => p.split(":").slice(0, 2).join(":")), [
            `${P}:namespace`,
            `${P}:nodePort`,
            `${P}:tokenLength`,
            `${R0}.url`,
        ]);
    });

    it("formats the problems as one message saying nothing was changed", () => {
        assert.strictEqual(
            formatProblems(["a: x", "b: y"]),
            "invalid stack configuration (2 problems); nothing was changed:\n  - a: x\n  - b: y",
        );
        assert.strictEqual(formatProblems(["a: x"]).split("\n")[0], "invalid stack configuration (1 problem); nothing was changed:");
    });

    it("returns a frozen, typed config with per-item defaults applied", () => {
        const result = validateConfig(config({ gitRepositoryInterval: "2h", kustomizationInterval: "3h" }));
        assert.ok(result.ok);
        const { config: c } = result;
        assert.deepStrictEqual(c, {
            namespace: "flux-system",
            exposure: { mode: "patch-nodeport", nodePort: 31234, nodeAddress: "203.0.113.10" },
            insecureSsl: false,
            token: { length: 48, rotation: "initial" },
            repositories: [{
                name: "instavote",
                githubRepository: "instavote",
                existing: false,
                url: "https://github.com/example-org/instavote.git",
                branch: "main",
                interval: "2h",
                kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, interval: "3h", targetNamespace: "instavote" }],
            }],
        });
        assert.ok(Object.isFrozen(c) && Object.isFrozen(c.repositories[0]) && Object.isFrozen(c.exposure));
    });

    it("keeps a repository's and a Kustomization's own intervals over the stack's", () => {
        const result = validateConfig(config({ repositories: [repo({ interval: "5m", kustomizations: [{ name: "k", path: "./k", interval: "7m", prune: false }] })] }));
        assert.ok(result.ok);
        const r = result.config.repositories[0];
        assert.ok(!r.existing);
        assert.strictEqual(r.interval, "5m");
        assert.deepStrictEqual(r.kustomizations[0], { name: "k", path: "./k", prune: false, interval: "7m" });
    });

    it("accepts an existing repository by name alone", () => {
        const result = validateConfig(config({ repositories: [{ name: "flux-system", githubRepository: "fleet-infra", existing: true }] }));
        assert.ok(result.ok);
        assert.deepStrictEqual(result.config.repositories, [{ name: "flux-system", githubRepository: "fleet-infra", existing: true }]);
    });

    it("accepts each exposure mode with its settings", () => {
        const modes: Record<string, Record<string, unknown>> = {
            "patch-nodeport": {},
            "nodeport-service": { nodePort: 30080 },
            loadbalancer: { nodeAddress: undefined },
            ingress: { nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls", ingressClassName: "nginx", insecureSsl: true },
            url: { nodeAddress: undefined, publicUrl: "https://tunnel.example.com:8443/" },
        };
        for (const [mode, extra] of Object.entries(modes)) {
            const result = validateConfig(config({ exposure: mode, ...extra }));
            assert.ok(result.ok, `${mode}: ${result.ok ? "" : result.problems.join("; ")}`);
            assert.strictEqual(result.config.exposure.mode, mode);
        }
        const url = validateConfig(config({ exposure: "url", nodeAddress: undefined, publicUrl: "https://tunnel.example.com:8443/" }));
        assert.ok(url.ok && url.config.exposure.mode === "url");
        assert.strictEqual(url.config.exposure.publicUrl, "https://tunnel.example.com:8443");
    });

    it("accepts Flux's compound durations and rejects units Flux does not know", () => {
        for (const ok of ["30s", "1h30m", "1.5h", "500ms", "10m"]) assert.deepStrictEqual(problemsOf(config({ gitRepositoryInterval: ok })), [], ok);
        for (const bad of ["1d", "m", "-1m", "1 h", ""]) assert.strictEqual(problemsOf(config({ gitRepositoryInterval: bad })).length, 1, bad);
    });

    it("accepts nodePort at both ends of the range, 30000 and 32767", () => {
        for (const nodePort of [30000, 32767]) {
            const result = validateConfig(config({ nodePort }));
            assert.ok(result.ok, `${nodePort}: ${result.ok ? "" : result.problems.join("; ")}`);
            assert.strictEqual(result.config.exposure.mode === "patch-nodeport" && result.config.exposure.nodePort, nodePort);
        }
    });

    it("accepts branch names with dots and .lock inside a component", () => {
        for (const branch of ["release-1.2", "feature/v1.lock-free", "a.locked/b", "users/x.y"]) {
            assert.deepStrictEqual(problemsOf(config({ repositories: [repo({ branch })] })), [], branch);
        }
    });

    it("judges branch names as git check-ref-format --branch does", async () => {
        // An independent judge: git itself (CI has git; it cloned the repository). "@" is left out:
        // with --branch git reads it as "the current branch" and prints that.
        const names = [
            "main", "release-1.2", "users/x.y", "a.locked/b", "feature/v1.lock-free", "_", "ä",
            "main.lock", "release.lock/1", "a/.lock", "feature/.wip", ".hidden", "a..b", "a//b", "/a", "a/", "a.",
            "-x", "a@{b", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[b", "a\\b", "HEAD",
        ];
        const git = await Promise.all(names.map((n) => new Promise<boolean>((resolve) => {
            execFile("git", ["check-ref-format", "--branch", n], { cwd: os.tmpdir() }, (err) => resolve(err === null));
        })));
        assert.deepStrictEqual(names.map((n) => [n, isGitBranchName(n)]), names.map((n, i) => [n, git[i]]));
    });

    it("accepts ssh and http Git URLs", () => {
        for (const url of ["ssh://git@github.com/example-org/instavote.git", "http://git.internal:8080/instavote.git"]) {
            assert.deepStrictEqual(problemsOf(config({ repositories: [repo({ url })] })), [], url);
        }
    });
});
