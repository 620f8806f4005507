import * as assert from "assert";
import { execFile } from "child_process";
import * as os from "os";
import { tokenSecretName } from "../lib/names";
import { ConfigKeys, formatProblems, isGitBranchName, RawConfig, readRawConfig, SecretConfigKeys, validateConfig, WebhookTokenSecretName } from "../lib/config";
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

const privateFix = "GitHub.com never delivers to private or loopback addresses; give an address GitHub can reach, or, only for a GitHub Enterprise Server on the same private network, `pulumi config set allowPrivateAddresses true`";
const localhostWhy = `which GitHub refuses in a payload URL ("Sorry, the URL host localhost is not supported because it isn't reachable over the public Internet"), whatever allowPrivateAddresses says; give a host GitHub can reach`;
const ingress = { exposure: "ingress", nodeAddress: undefined, ingressHost: "flux.example.com", ingressTlsSecret: "flux-tls" };
const ks = (extra: Record<string, unknown>) => ({ name: "vote-staging", path: "./deploy", targetNamespace: "instavote", ...extra });

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
        problems: [`${P}:exposure: "nodeport" is not an exposure mode; allowed: patch-nodeport, nodeport-service, loadbalancer, ingress, gateway, url, none (e.g. \`pulumi config set exposure patch-nodeport\`)`],
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
        rule: "a private nodeAddress is refused: GitHub.com never delivers there",
        set: { nodeAddress: "10.0.0.5" },
        problems: [`${P}:nodeAddress: "10.0.0.5" is in 10.0.0.0/8 (private, RFC 1918): ${privateFix}`],
    },
    {
        rule: "a loopback nodeAddress is refused",
        set: { nodeAddress: "127.0.0.1" },
        problems: [`${P}:nodeAddress: "127.0.0.1" is in 127.0.0.0/8 (loopback): ${privateFix}`],
    },
    {
        rule: "an IPv4-mapped IPv6 nodeAddress is judged by its IPv4 address",
        set: { nodeAddress: "::ffff:192.168.1.10" },
        problems: [`${P}:nodeAddress: "::ffff:192.168.1.10" is in ::ffff:192.168.0.0/112 (IPv4-mapped private, RFC 1918): ${privateFix}`],
    },
    {
        rule: "nodeAddress localhost is refused, even with allowPrivateAddresses (GitHub answers 422)",
        set: { nodeAddress: "localhost", allowPrivateAddresses: true },
        problems: [`${P}:nodeAddress: "localhost" is localhost, ${localhostWhy}`],
    },
    {
        rule: "allowPrivateAddresses is a boolean",
        set: { allowPrivateAddresses: "yes" },
        problems: [`${P}:allowPrivateAddresses: "yes" is not a boolean; use true or false`],
    },
    {
        rule: "allowedSources is any or github",
        set: { allowedSources: "gh" },
        problems: [`${P}:allowedSources: "gh" is not an allowedSources setting; allowed: any, github (e.g. \`pulumi config set allowedSources github\`)`],
    },
    {
        // With the private-network opt-in the ranges come from github:baseUrl's /meta (a GitHub
        // Enterprise Server's own list); the program refuses an empty list at run time.
        rule: "allowedSources github with a private address is the opt-in's business: accepted",
        set: { allowPrivateAddresses: true, nodeAddress: "10.0.0.5", allowedSources: "github" },
        problems: [],
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
        rule: "a *.localhost ingressHost is refused",
        set: { ...ingress, ingressHost: "flux.localhost" },
        problems: [`${P}:ingressHost: "flux.localhost" is localhost, ${localhostWhy}`],
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
        rule: "a private publicUrl host is refused",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "https://192.168.1.10:8443" },
        problems: [`${P}:publicUrl: the host "192.168.1.10" of "https://192.168.1.10:8443" is in 192.168.0.0/16 (private, RFC 1918): ${privateFix}`],
    },
    {
        rule: "a loopback IPv6 publicUrl host is refused",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "http://[::1]:9292" },
        problems: [`${P}:publicUrl: the host "[::1]" of "http://[::1]:9292" is in ::1 (loopback): ${privateFix}`],
    },
    {
        rule: "a localhost publicUrl is refused",
        set: { exposure: "url", nodeAddress: undefined, publicUrl: "http://LocalHost:9292" },
        problems: [`${P}:publicUrl: the host "localhost" of "http://LocalHost:9292" is localhost, ${localhostWhy}`],
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
        rule: "receiverProbe is fail, warn or off",
        set: { receiverProbe: "strict" },
        problems: [`${P}:receiverProbe: "strict" is not a receiverProbe mode; allowed: fail, warn, off (e.g. \`pulumi config set receiverProbe warn\`)`],
    },
    {
        rule: "deliveryCheck is fail, warn or off (empty is not off)",
        set: { deliveryCheck: "" },
        problems: [`${P}:deliveryCheck: "" is not a deliveryCheck mode; allowed: fail, warn, off (e.g. \`pulumi config set deliveryCheck warn\`)`],
    },
    {
        rule: "deliveryCheckTimeout is at least 10 seconds",
        set: { deliveryCheckTimeout: 9 },
        problems: [`${P}:deliveryCheckTimeout: 9 is outside 10-600 (seconds to wait for an answer to the delivery check's ping); e.g. \`pulumi config set deliveryCheckTimeout 60\``],
    },
    {
        rule: "deliveryCheckTimeout is at most 600 seconds",
        set: { deliveryCheckTimeout: 601 },
        problems: [`${P}:deliveryCheckTimeout: 601 is outside 10-600 (seconds to wait for an answer to the delivery check's ping); e.g. \`pulumi config set deliveryCheckTimeout 60\``],
    },
    {
        rule: "deliveryCheckTimeout is an integer number of seconds",
        set: { deliveryCheckTimeout: "30s" },
        problems: [`${P}:deliveryCheckTimeout: "30s" is not an integer; e.g. \`pulumi config set deliveryCheckTimeout 60\``],
    },
    {
        rule: "commitStatusSecret is a Secret name",
        set: { commitStatusSecret: "GitHub Token" },
        problems: [`${P}:commitStatusSecret: "GitHub Token" is not a valid Secret name (RFC 1123: lowercase letters, digits, '-' and '.')`],
    },
    {
        rule: "commitStatusSecret is not the webhook token's Secret",
        set: { commitStatusSecret: "webhook-token", commitStatusToken: "ghp_x" },
        problems: [`${P}:commitStatusSecret: "webhook-token" is the webhook token's Secret (webhook-token, and webhook-token-* after a rotation), whose token is the hooks' HMAC secret, not a GitHub token; name another Secret, e.g. \`pulumi config set commitStatusSecret github-commit-status\``],
    },
    {
        rule: "commitStatusSecret is not a rotated webhook token Secret either",
        set: { commitStatusSecret: "webhook-token-3f2a" },
        problems: [`${P}:commitStatusSecret: "webhook-token-3f2a" is the webhook token's Secret (webhook-token, and webhook-token-* after a rotation), whose token is the hooks' HMAC secret, not a GitHub token; name another Secret, e.g. \`pulumi config set commitStatusSecret github-commit-status\``],
    },
    {
        rule: "commitStatusSecret is not the Ingress's TLS Secret",
        set: { ...ingress, commitStatusSecret: "flux-tls" },
        problems: [`${P}:commitStatusSecret: "flux-tls" is ingressTlsSecret, the Ingress's certificate; name another Secret, e.g. \`pulumi config set commitStatusSecret github-commit-status\``],
    },
    {
        rule: "commitStatusApp is a boolean",
        set: { commitStatusApp: "yes" },
        problems: [`${P}:commitStatusApp: "yes" is not a boolean; use true or false`],
    },
    {
        rule: "commitStatusApp and commitStatusToken exclude each other: the Secret holds one kind of credentials",
        set: { commitStatusApp: true, commitStatusToken: "ghp_x" },
        problems: [`${P}:commitStatusApp: and the secret commitStatusToken are both set: the commit-status Secret holds either the GitHub App's credentials or a token; remove one (\`pulumi config rm commitStatusToken\`, or \`pulumi config rm commitStatusApp\`)`],
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
        problems: [`${R0}: must be an object with name, githubRepository, existing, branchFilter, triggers, actionsValidations, url, branch, interval, secretRef, kustomizations, got "instavote"`],
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
        problems: [`${R0}.brnach: unknown setting; allowed here: name, githubRepository, existing, branchFilter, triggers, actionsValidations, url, branch, interval, secretRef, kustomizations`],
    },
    {
        rule: "branchFilter is a boolean",
        set: { repositories: [repo({ branchFilter: "no" })] },
        problems: [`${R0}.branchFilter: must be true or false, got "no"`],
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
        problems: [`${R0}.kustomizations[0].targetNamepsace: unknown setting; allowed here: name, path, prune, interval, targetNamespace, createTargetNamespace`],
    },
    {
        rule: "targetNamespace is an RFC 1123 label",
        set: { repositories: [repo({ kustomizations: [{ name: "vote-staging", path: "./deploy", targetNamespace: "Instavote" }] })] },
        problems: [`${R0}.kustomizations[0].targetNamespace: "Instavote" is not a valid namespace name (RFC 1123 label: lowercase letters, digits and '-', at most 63)`],
    },
    {
        rule: "createTargetNamespace needs a targetNamespace",
        set: { repositories: [repo({ kustomizations: [ks({ targetNamespace: undefined, createTargetNamespace: true })] })] },
        problems: [`${R0}.kustomizations[0].createTargetNamespace: is true but targetNamespace is not set, so there is no namespace to create; set targetNamespace, or remove createTargetNamespace`],
    },
    {
        rule: "createTargetNamespace is a boolean",
        set: { repositories: [repo({ kustomizations: [ks({ createTargetNamespace: "true" })] })] },
        problems: [`${R0}.kustomizations[0].createTargetNamespace: must be true or false, got "true"`],
    },
    {
        rule: "createTargetNamespace never takes Flux's own namespace (destroy would delete it)",
        set: { repositories: [repo({ kustomizations: [ks({ targetNamespace: "flux-system", createTargetNamespace: true })] })] },
        problems: [`${R0}.kustomizations[0].createTargetNamespace: is true but targetNamespace "flux-system" is Flux's own namespace: it exists already, and the stack would delete it on destroy; remove createTargetNamespace`],
    },
    {
        rule: "createTargetNamespace never takes a namespace every cluster has",
        set: { repositories: [repo({ kustomizations: [ks({ targetNamespace: "kube-system", createTargetNamespace: true })] })] },
        problems: [`${R0}.kustomizations[0].createTargetNamespace: is true but targetNamespace "kube-system" exists in every cluster and is never the stack's to create or delete; remove createTargetNamespace`],
    },
    {
        rule: "a namespace is created by one Kustomization only, across repositories",
        set: {
            repositories: [
                repo({ kustomizations: [ks({ createTargetNamespace: true })] }),
                { name: "result", url: "https://github.com/example-org/result.git", kustomizations: [ks({ name: "result-staging", createTargetNamespace: true })] },
            ],
        },
        problems: [`${P}:repositories[1].kustomizations[0].createTargetNamespace: is true but ${R0}.kustomizations[0] creates namespace "instavote" already; a namespace is created once: remove createTargetNamespace here`],
    },
    // exposure gateway: gatewayName NAMESPACE/NAME (or NAME in the Flux namespace), gatewayListener,
    // gatewayHost and gatewayPort optional; each key only with that mode.
    {
        rule: "gateway needs gatewayName",
        set: { exposure: "gateway", nodeAddress: undefined },
        problems: [`${P}:gatewayName: is required with exposure gateway: the Gateway the HTTPRoute attaches to, as NAMESPACE/NAME (or NAME in the Flux namespace), e.g. \`pulumi config set gatewayName gateway-system/internet-gateway\``],
    },
    ...["gateway-system/internet-gateway/extra", "Gateway-System/gw", "gateway-system/Internet_Gateway", "/gw", "gw/"].map((v) => ({
        rule: `gatewayName ${JSON.stringify(v)} is refused`,
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: v },
        problems: [`${P}:gatewayName: ${JSON.stringify(v)} is not NAMESPACE/NAME or NAME (a namespace is an RFC 1123 label, a Gateway's name an RFC 1123 subdomain), e.g. \`pulumi config set gatewayName gateway-system/internet-gateway\``],
    })),
    {
        rule: "gatewayListener is a SectionName",
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: "gw", gatewayListener: "Web Secure" },
        problems: [`${P}:gatewayListener: "Web Secure" is not a listener name (a Gateway API SectionName: RFC 1123 subdomain), e.g. \`pulumi config set gatewayListener websecure\``],
    },
    ...["https://flux.example.com", "*.example.com", "203.0.113.10", "flux.example.com:443"].map((v) => ({
        rule: `gatewayHost ${JSON.stringify(v)} is refused: a DNS name alone`,
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: "gw", gatewayHost: v },
        problems: [`${P}:gatewayHost: ${JSON.stringify(v)} is not a DNS name; give the host alone (no scheme, port, path or wildcard), e.g. \`pulumi config set gatewayHost flux-webhook.example.com\``],
    })),
    {
        rule: "a localhost gatewayHost is refused",
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: "gw", gatewayHost: "hooks.localhost" },
        problems: [`${P}:gatewayHost: "hooks.localhost" is localhost, ${localhostWhy}`],
    },
    ...[["70000", "70000 is not a port (1-65535)"], ["-1", "-1 is not a port (1-65535)"]].map(([v, why]) => ({
        rule: `gatewayPort ${v} is refused`,
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: "gw", gatewayPort: Number(v) },
        problems: [`${P}:gatewayPort: ${why}; it is the port GitHub connects to when it differs from the listener's (a load balancer in front that maps 443 to the listener's 8443), e.g. \`pulumi config set gatewayPort 443\``],
    })),
    {
        rule: "gatewayPort is an integer",
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: "gw", gatewayPort: "https" },
        problems: [`${P}:gatewayPort: "https" is not an integer; e.g. \`pulumi config set gatewayPort 443\``],
    },
    ...["gatewayName", "gatewayListener", "gatewayHost", "gatewayPort"].map((k) => ({
        rule: `${k} is read only with exposure gateway`,
        set: { [k]: k === "gatewayPort" ? 443 : k === "gatewayHost" ? "flux.example.com" : "gw" },
        problems: [`${P}:${k}: is set but exposure is "patch-nodeport"; it is read only with exposure gateway: remove it (\`pulumi config rm ${k}\`) or change exposure`],
    })),
    {
        rule: "allowedSources github cannot be applied by exposure gateway",
        set: { exposure: "gateway", nodeAddress: undefined, gatewayName: "gw", allowedSources: "github" },
        problems: [`${P}:allowedSources: is github, but exposure gateway cannot apply it: the Gateway API has no standard way to admit only some client addresses (each implementation has its own policy, on the Gateway it owns); narrow the sources at that Gateway or its load balancer and set \`pulumi config set allowedSources any\`, or use an exposure that applies it (patch-nodeport, nodeport-service, loadbalancer, ingress)`],
    },
    ...[["5", "5 is outside 10-3600"], ["3601", "3601 is outside 10-3600"]].map(([v, why]) => ({
        rule: `loadBalancerTimeout ${v} is refused`,
        set: { exposure: "loadbalancer", nodeAddress: undefined, loadBalancerTimeout: Number(v) },
        problems: [`${P}:loadBalancerTimeout: ${why} (seconds to wait for the load balancer's address); e.g. \`pulumi config set loadBalancerTimeout 600\``],
    })),
    {
        rule: "loadBalancerTimeout is read only with exposure loadbalancer",
        set: { loadBalancerTimeout: 120 },
        problems: [`${P}:loadBalancerTimeout: is set but exposure is "patch-nodeport"; it is read only with exposure loadbalancer: remove it (\`pulumi config rm loadBalancerTimeout\`) or change exposure`],
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

    it("exposure gateway and loadbalancer become typed settings (a Gateway NAME alone is in the Flux namespace)", () => {
        const exposureOf = (set: Record<string, unknown>) => {
            const r = validateConfig(config({ nodeAddress: undefined, ...set }));
            assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
            return r.config.exposure;
        };
        assert.deepStrictEqual(exposureOf({ exposure: "gateway", gatewayName: "internet-gateway" }), { mode: "gateway", gateway: { namespace: "flux-system", name: "internet-gateway" } });
        assert.deepStrictEqual(exposureOf({ exposure: "gateway", namespace: "gitops", gatewayName: "gateway-system/internet-gateway", gatewayListener: "websecure", gatewayHost: "flux.example.com", gatewayPort: 8443 }), {
            mode: "gateway", gateway: { namespace: "gateway-system", name: "internet-gateway" }, listener: "websecure", host: "flux.example.com", port: 8443,
        });
        assert.deepStrictEqual(exposureOf({ exposure: "loadbalancer" }), { mode: "loadbalancer", timeoutSeconds: 600 });
        assert.deepStrictEqual(exposureOf({ exposure: "loadbalancer", loadBalancerTimeout: 45 }), { mode: "loadbalancer", timeoutSeconds: 45 });
        const insecure = validateConfig(config({ nodeAddress: undefined, exposure: "gateway", gatewayName: "gw", insecureSsl: true }));
        assert.ok(insecure.ok, "insecureSsl applies to a gateway's https listener");
    });

    it("returns a frozen, typed config with per-item defaults applied", () => {
        const result = validateConfig(config({ gitRepositoryInterval: "2h", kustomizationInterval: "3h" }));
        assert.ok(result.ok);
        const { config: c } = result;
        assert.deepStrictEqual(c, {
            namespace: "flux-system",
            exposure: { mode: "patch-nodeport", nodePort: 31234, nodeAddress: "203.0.113.10" },
            allowPrivateAddresses: false,
            allowedSources: "any",
            insecureSsl: false,
            receiverProbe: "fail",
            deliveryCheck: { mode: "fail", trigger: "", timeoutSeconds: 60 },
            token: { length: 48, rotation: "initial" },
            repositories: [{
                name: "instavote",
                githubRepository: "instavote",
                existing: false,
                branchFilter: true,
                triggers: ["webhook"],
                url: "https://github.com/example-org/instavote.git",
                branch: "main",
                interval: "2h",
                kustomizations: [{ name: "vote-staging", path: "./deploy/vote/staging", prune: true, interval: "3h", targetNamespace: "instavote", createTargetNamespace: false }],
            }],
        });
        assert.ok(!("commitStatus" in c), "commit statuses are off unless configured");
        assert.ok(Object.isFrozen(c) && Object.isFrozen(c.repositories[0]) && Object.isFrozen(c.exposure) && Object.isFrozen(c.deliveryCheck));
    });

    it("keeps a repository's and a Kustomization's own intervals over the stack's", () => {
        const result = validateConfig(config({ repositories: [repo({ interval: "5m", kustomizations: [{ name: "k", path: "./k", interval: "7m", prune: false }] })] }));
        assert.ok(result.ok);
        const r = result.config.repositories[0];
        assert.ok(!r.existing);
        assert.strictEqual(r.interval, "5m");
        assert.deepStrictEqual(r.kustomizations[0], { name: "k", path: "./k", prune: false, interval: "7m", createTargetNamespace: false });
    });

    it("accepts an existing repository by name alone", () => {
        const result = validateConfig(config({ repositories: [{ name: "flux-system", githubRepository: "fleet-infra", existing: true }] }));
        assert.ok(result.ok);
        assert.deepStrictEqual(result.config.repositories, [{ name: "flux-system", githubRepository: "fleet-infra", existing: true, branchFilter: true, triggers: ["webhook"] }]);
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

    describe("addresses GitHub posts to", () => {
        // Every range GitHub.com cannot deliver to, as written in an address and the range named.
        const privateAddresses: [string, string][] = [
            ["0.0.0.0", "0.0.0.0/8 (unspecified)"],
            ["10.255.255.255", "10.0.0.0/8 (private, RFC 1918)"],
            ["100.64.0.1", "100.64.0.0/10 (shared address space, CGNAT)"],
            ["100.127.255.254", "100.64.0.0/10 (shared address space, CGNAT)"],
            ["127.0.0.53", "127.0.0.0/8 (loopback)"],
            ["127.1", "127.0.0.0/8 (loopback)"],
            ["169.254.169.254", "169.254.0.0/16 (link-local)"],
            ["172.16.0.1", "172.16.0.0/12 (private, RFC 1918)"],
            ["172.31.255.254", "172.16.0.0/12 (private, RFC 1918)"],
            ["192.168.0.1", "192.168.0.0/16 (private, RFC 1918)"],
            ["224.0.0.251", "224.0.0.0/4 (multicast)"],
            ["::", ":: (unspecified)"],
            ["::1", "::1 (loopback)"],
            ["fc00::1", "fc00::/7 (unique local)"],
            ["fdff:ffff::1", "fc00::/7 (unique local)"],
            ["fe80::1", "fe80::/10 (link-local)"],
            ["febf::1", "fe80::/10 (link-local)"],
            ["ff02::fb", "ff00::/8 (multicast)"],
            ["::ffff:127.0.0.1", "::ffff:127.0.0.0/104 (IPv4-mapped loopback)"],
            ["::ffff:7f00:1", "::ffff:127.0.0.0/104 (IPv4-mapped loopback)"],
            ["::ffff:169.254.1.1", "::ffff:169.254.0.0/112 (IPv4-mapped link-local)"],
        ];
        // Documentation ranges (the committed staging stack uses 203.0.113.10), the neighbours of
        // every private range, public addresses and DNS names.
        const accepted = [
            "203.0.113.10", "198.51.100.7", "192.0.2.1", "2001:db8::10",
            "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0",
            "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255", "192.169.0.0",
            "223.255.255.255", "fbff::1", "fec0::1", "::2", "::ffff:8.8.8.8",
            "node1.example.com", "localhost.example.com", "mylocalhost",
        ];

        for (const [address, range] of privateAddresses) {
            it(`refuses ${address} as nodeAddress (${range})`, () => {
                assert.deepStrictEqual(problemsOf(config({ nodeAddress: address })), [`${P}:nodeAddress: ${JSON.stringify(address)} is in ${range}: ${privateFix}`]);
            });
        }

        it("accepts documentation, public and neighbouring addresses and DNS names as nodeAddress", () => {
            for (const nodeAddress of accepted) assert.deepStrictEqual(problemsOf(config({ nodeAddress })), [], nodeAddress);
        });

        it("accepts every private range with allowPrivateAddresses (GitHub Enterprise Server on the same network)", () => {
            for (const [nodeAddress] of privateAddresses) {
                const result = validateConfig(config({ nodeAddress, allowPrivateAddresses: true }));
                assert.ok(result.ok, `${nodeAddress}: ${result.ok ? "" : result.problems.join("; ")}`);
                assert.strictEqual(result.config.allowPrivateAddresses, true);
            }
            const url = validateConfig(config({ exposure: "url", nodeAddress: undefined, publicUrl: "https://10.0.0.5:8443", allowPrivateAddresses: true }));
            assert.ok(url.ok, url.ok ? "" : url.problems.join("; "));
        });

        it("refuses localhost in every form and place, allowPrivateAddresses or not", () => {
            for (const allowPrivateAddresses of [false, true]) {
                for (const nodeAddress of ["localhost", "LOCALHOST", "node1.localhost"]) {
                    assert.deepStrictEqual(problemsOf(config({ nodeAddress, allowPrivateAddresses })), [`${P}:nodeAddress: ${JSON.stringify(nodeAddress)} is localhost, ${localhostWhy}`]);
                }
                assert.strictEqual(problemsOf(config({ ...ingress, ingressHost: "localhost", allowPrivateAddresses })).length, 1);
                assert.strictEqual(problemsOf(config({ exposure: "url", nodeAddress: undefined, publicUrl: "https://flux.localhost.", allowPrivateAddresses })).length, 1);
            }
        });

        it("checks publicUrl's host as the URL parser reads it (127.1, 0x7f000001, [::ffff:a00:5])", () => {
            for (const publicUrl of ["http://127.1:9292", "http://0x7f000001", "https://[::ffff:a00:5]", "https://[fd00::5]:8443"]) {
                const problems = problemsOf(config({ exposure: "url", nodeAddress: undefined, publicUrl }));
                assert.strictEqual(problems.length, 1, publicUrl);
                assert.ok(problems[0].startsWith(`${P}:publicUrl: the host `) && problems[0].endsWith(privateFix), problems[0]);
            }
        });
    });

    it("defaults the checks around the hook to fail, and takes warn, off, a trigger and 10-600 seconds", () => {
        const d = validateConfig(config());
        assert.ok(d.ok);
        assert.strictEqual(d.config.receiverProbe, "fail");
        assert.deepStrictEqual(d.config.deliveryCheck, { mode: "fail", trigger: "", timeoutSeconds: 60 });
        for (const [mode, timeout] of [["warn", 10], ["off", 600]] as const) {
            const r = validateConfig(config({ receiverProbe: mode, deliveryCheck: mode, deliveryCheckTrigger: "2026-11-25 again", deliveryCheckTimeout: timeout }));
            assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
            assert.strictEqual(r.config.receiverProbe, mode);
            assert.deepStrictEqual(r.config.deliveryCheck, { mode, trigger: "2026-11-25 again", timeoutSeconds: timeout });
        }
    });

    it("takes allowedSources github with public addresses", () => {
        const r = validateConfig(config({ allowedSources: "github" }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
        assert.strictEqual(r.config.allowedSources, "github");
    });

    it("turns commit statuses on by the Secret's name, the token or the App, and creates the Secret only from the token or the App", () => {
        const commitStatus = (set: Record<string, unknown>) => {
            const r = validateConfig(config(set));
            assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
            return r.config.commitStatus;
        };
        assert.strictEqual(commitStatus({}), undefined);
        assert.deepStrictEqual(commitStatus({ commitStatusToken: "set" }), { secretName: "github-commit-status", createSecret: true, credentials: "token" });
        assert.deepStrictEqual(commitStatus({ commitStatusSecret: "gh-status" }), { secretName: "gh-status", createSecret: false });
        assert.deepStrictEqual(commitStatus({ commitStatusSecret: "gh-status", commitStatusToken: "set" }), { secretName: "gh-status", createSecret: true, credentials: "token" });
        assert.deepStrictEqual(commitStatus({ commitStatusApp: true }), { secretName: "github-commit-status", createSecret: true, credentials: "app" });
        assert.deepStrictEqual(commitStatus({ commitStatusApp: "true", commitStatusSecret: "gh-app" }), { secretName: "gh-app", createSecret: true, credentials: "app" });
        assert.strictEqual(commitStatus({ commitStatusApp: false }), undefined);
    });

    it("sees of commitStatusToken only that it is set: readRawConfig never reads it with get", () => {
        const values: Record<string, string> = { exposure: "loadbalancer", commitStatusToken: "ghp_secretvalue" };
        const asked: string[] = [];
        const reader = (secretSet: boolean) => ({
            get: (k: string) => {
                if ((SecretConfigKeys as readonly string[]).includes(k)) throw new Error(`get(${k}) on a secret key`);
                asked.push(k);
                return values[k];
            },
            getSecret: (k: string) => (k === "commitStatusToken" && secretSet ? { secret: "an Output the reader must not open" } : undefined),
        });
        const raw = readRawConfig(reader(true));
        assert.deepStrictEqual(raw, { exposure: "loadbalancer", secretsSet: ["commitStatusToken"] });
        assert.ok(!JSON.stringify(raw).includes("ghp_secretvalue"));
        assert.deepStrictEqual(asked, [...ConfigKeys]);
        assert.deepStrictEqual(readRawConfig(reader(false)).secretsSet, []);
    });

    it("keeps branchFilter (default true), also for an existing repository", () => {
        const r = validateConfig(config({ repositories: [repo({ branchFilter: false }), { name: "flux-system", existing: true, branchFilter: false }, { name: "other", existing: true }] }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
        assert.deepStrictEqual(r.config.repositories.map((x) => x.branchFilter), [false, false, true]);
    });

    it("keeps createTargetNamespace with its targetNamespace", () => {
        const r = validateConfig(config({ repositories: [repo({ kustomizations: [ks({ createTargetNamespace: true }), ks({ name: "other", targetNamespace: "instavote" })] })] }));
        assert.ok(r.ok, r.ok ? "" : r.problems.join("; "));
        const repository = r.config.repositories[0];
        assert.ok(!repository.existing);
        assert.deepStrictEqual(repository.kustomizations.map((k) => [k.targetNamespace, k.createTargetNamespace]), [["instavote", true], ["instavote", false]]);
    });

    it("names the webhook token's Secret as the component does", () => {
        assert.ok(tokenSecretName("0123456789").startsWith(`${WebhookTokenSecretName}-`));
    });

    it("accepts ssh and http Git URLs", () => {
        for (const url of ["ssh://git@github.com/example-org/instavote.git", "http://git.internal:8080/instavote.git"]) {
            assert.deepStrictEqual(problemsOf(config({ repositories: [repo({ url })] })), [], url);
        }
    });
});

describe("config: the token's length at its bounds", () => {
    it("the smallest accepted tokenLength is 43 (256 bits of alphanumerics) and the largest 1024; one less or more is refused", () => {
        for (const n of [43, 1024]) {
            const r = validateConfig(config({ tokenLength: n }));
            assert.ok(r.ok, r.ok ? "" : r.problems.join("\n"));
            assert.strictEqual(r.config.token.length, n);
        }
        assert.deepStrictEqual(problemsOf(config({ tokenLength: 42 })), [`${P}:tokenLength: 42 is outside 43-1024: 43 alphanumeric characters are the least that carry 256 bits; e.g. \`pulumi config set tokenLength 48\``]);
        assert.strictEqual(problemsOf(config({ tokenLength: 1025 })).length, 1);
    });
});
