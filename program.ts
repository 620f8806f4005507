// The whole stack as one function: `index.ts` calls it for `pulumi up`, and the sandbox calls the
// very same function through the Automation API's inline programs.
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { CommitStatus, CommitStatusToken, CommitStatusTokenArgs } from "./components/commitStatus";
import { DeliveryCheck, DeliveryCheckResult } from "./components/deliveryCheck";
import { GitSource } from "./components/gitSource";
import { ActionsProofResult, ActionsTrigger, ActionsWorkflowOutput } from "./components/actionsTrigger";
import { PushReceiver } from "./components/pushReceiver";
import { ExposureDetails, ReceiverExposure } from "./components/receiverExposure";
import { WebhookToken } from "./components/webhookToken";
import { ClusterClient, clusterClient } from "./lib/cluster";
import { ConfigNaming, formatProblems, RawConfig, readRawConfig, StackConfig, StackConfigNaming, validateConfig } from "./lib/config";
import { DefaultCommitStatusApiVersion, githubAppSecretData } from "./lib/flux";
import { githubBaseOf, repositoryWebUrl, resolveGitHubBase } from "./lib/github";
import { AppAuthConfig, resolveAppAuth } from "./lib/githubApp";
import { resolveGitHubOwner } from "./lib/githubOwner";
import { exposureIdentity } from "./lib/exposure";
import { actionsIssuerUrl, OidcValidation } from "./lib/oidc";
import { judgeOidcSupport, observeOidcSupport } from "./lib/oidcPreflight";
import { judgeCluster, observeCluster, PreflightResult } from "./lib/preflight";
import { GitHubAccess, KubeconfigInputs } from "./resources/githubHooks";
import { FluxPushGitHubProvider } from "./resources/pluginProvider";

/** A repository's Actions OIDC trigger (issue 17). */
export interface ActionsTriggerOutputs {
    /** The generic-oidc Receiver, `<name>-actions`. */
    readonly receiver: pulumi.Output<string>;
    /** Not secret: derived from the name and namespace only. */
    readonly webhookPath: pulumi.Output<string>;
    readonly validations: pulumi.Output<OidcValidation[]>;
    /** The workflow the repository needs: commit `content` to `path` on `branch` (output delivery). */
    readonly workflow: pulumi.Output<ActionsWorkflowOutput>;
    /** The proof at `up`: a dispatched run, and the reconcile request it caused. */
    readonly proof: pulumi.Output<ActionsProofResult>;
}

export interface RepositoryOutputs {
    readonly gitRepository: pulumi.Output<string>;
    readonly kustomizations: pulumi.Output<string[]>;
    /** The webhook trigger's Receiver, hook and checks (absent for a repository whose triggers are [actions-oidc]). */
    readonly receiver?: pulumi.Output<string>;
    /** Secret: derived from the token. */
    readonly webhookPath?: pulumi.Output<string>;
    /** Secret: derived from the token. */
    readonly payloadUrl?: pulumi.Output<string>;
    readonly webhookId?: pulumi.Output<string>;
    /** GitHub's ping of the hook and its delivery result, from the last time it ran. */
    readonly deliveryCheck?: pulumi.Output<DeliveryCheckResult>;
    /** The actions-oidc trigger, when the repository uses it. */
    readonly actions?: ActionsTriggerOutputs;
    /** The Provider and Alert that post commit statuses, when commit statuses are on. */
    readonly commitStatus?: pulumi.Output<{ provider: string; alert: string }>;
}

export interface FluxPushOutputs {
    readonly namespace: string;
    /** The webhook token's Secret; absent when no repository uses the webhook trigger (no token is made). */
    readonly tokenSecret?: pulumi.Output<string>;
    /** A short non-secret label of the current token; part of the Secret's and Receivers' names. */
    readonly tokenGeneration?: pulumi.Output<string>;
    readonly exposure: pulumi.Output<ExposureDetails>;
    readonly repositories: Readonly<Record<string, RepositoryOutputs>>;
}

/** What the program needs from outside its config; tests give their own. */
export interface ProgramDependencies {
    /** The cluster the kubernetes provider talks to (default: from `kubernetes:kubeconfig`/`kubernetes:context`). */
    readonly cluster?: ClusterClient;
    /** How the program's own checks call GitHub (default: the github provider's settings). */
    readonly github?: GitHubAccess;
    /** How the delivery check's provider process reads the cluster (default: `kubernetes:kubeconfig`/`kubernetes:context`). */
    readonly kubeconfig?: KubeconfigInputs;
    /**
     * The PushReconciliation component (components/pushReconciliation.ts) running the stack: its
     * resources are the component's children, problems name its inputs, and the commit-status
     * token is its secret input, not the stack's config.
     */
    readonly component?: {
        readonly parent: pulumi.Resource;
        readonly naming: ConfigNaming;
        readonly commitStatusToken?: pulumi.Input<string>;
    };
}

/** Validates the config, all problems at once, and throws before any resource is registered. */
export function loadConfig(raw: RawConfig = readRawConfig(new pulumi.Config()), naming: ConfigNaming = StackConfigNaming): StackConfig {
    const result = validateConfig(raw, naming);
    if (!result.ok) {
        // RunError: Pulumi prints the message alone, without a stack trace.
        throw new pulumi.RunError(formatProblems(result.problems, naming));
    }
    return result.config;
}

/**
 * The github provider's own settings (the owner as lib/githubOwner.ts resolves it, `github:baseUrl`, `github:token`, or its env
 * vars), with `github:baseUrl` resolved as the provider resolves it (lib/github.ts
 * resolveGitHubBase): refused before anything changes when neither the provider nor GitHub could use it.
 */
export function githubAccess(config: pulumi.Config = new pulumi.Config("github"), env: NodeJS.ProcessEnv = process.env): GitHubAccess {
    const configured = config.get("baseUrl");
    const base = configured !== undefined ? resolveGitHubBase(configured, "github:baseUrl") : resolveGitHubBase(env.GITHUB_BASE_URL, "GITHUB_BASE_URL (github:baseUrl is not set)");
    if (!base.ok) throw new pulumi.RunError(`${base.problem}; nothing was changed`);
    // The owner exactly as the github provider takes it (organization, GITHUB_OWNER, owner), or a refusal when those disagree.
    const resolved = resolveGitHubOwner({ owner: config.get("owner"), organization: config.get("organization") }, env);
    if (!resolved.ok) throw new pulumi.RunError(`${resolved.problem}; nothing was changed`);
    return { owner: resolved.owner, apiBaseUrl: base.restBase, ...githubCredentials(config, env) };
}

/**
 * The github provider's credentials, resolved as terraform-provider-github v6.13.0 resolves them
 * (provider.go configureProvider): a complete `github:appAuth` (each field from its GITHUB_APP_* env
 * var unless the config sets it) wins, and the token is then not read; else `github:token`, else
 * GITHUB_TOKEN. Refused before anything changes: an `appAuth` with a field missing (the provider
 * refuses it too), a key the provider cannot parse, a plaintext key in the stack file, or neither.
 */
export function githubCredentials(config: pulumi.Config = new pulumi.Config("github"), env: NodeJS.ProcessEnv = process.env): Pick<GitHubAccess, "token" | "app"> {
    const tokenSet = config.getSecret("token") !== undefined || Boolean(env.GITHUB_TOKEN);
    const raw = config.get("appAuth");
    let appAuth: AppAuthConfig | undefined;
    if (raw !== undefined) {
        try {
            appAuth = JSON.parse(raw) as AppAuthConfig;
        } catch {
            appAuth = undefined;
        }
        if (appAuth === null || typeof appAuth !== "object" || Array.isArray(appAuth)) {
            throw new pulumi.RunError("github:appAuth is not an object {id, installationId, pemFile}: set its fields with `pulumi config set --path github:appAuth.id <App ID>`, `--path github:appAuth.installationId <installation ID>` and `pulumi config set --secret --path github:appAuth.pemFile < app.private-key.pem`; nothing was changed");
        }
    }
    const app = resolveAppAuth(appAuth, env);
    if (app.kind === "invalid") {
        throw new pulumi.RunError(`the GitHub App settings cannot be used (${app.problems.length} problem${app.problems.length === 1 ? "" : "s"}); nothing was changed:\n` + app.problems.map((p) => `  - ${p}`).join("\n"));
    }
    if (app.kind === "app") {
        // The key must not sit in the stack file in plaintext: `--secret` encrypts it with the stack's secrets provider.
        const isSecretKey = (pulumi.runtime as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
        if (app.sources.pemFile === "config" && isSecretKey !== undefined && !isSecretKey("github:appAuth")) {
            throw new pulumi.RunError("github:appAuth.pemFile is stored in plaintext in the stack's config: set it again as a secret, `pulumi config set --secret --path github:appAuth.pemFile < app.private-key.pem`; nothing was changed");
        }
        if (tokenSet) pulumi.log.warn("github:token (or GITHUB_TOKEN) is set but not used: github:appAuth (or GITHUB_APP_*) is, and the GitHub App wins, as in the github provider");
        const { appId, installationId, privateKey } = app.credentials;
        return { app: { appId, installationId, privateKey: pulumi.secret(privateKey) } };
    }
    if (app.partialEnv.length > 0) {
        pulumi.log.warn(`${app.partialEnv.join(", ")} ${app.partialEnv.length === 1 ? "is" : "are"} set, but not all of GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID and GITHUB_APP_PEM_FILE: the github provider ignores an incomplete GitHub App and uses the token`);
    }
    const token = config.getSecret("token") ?? (env.GITHUB_TOKEN ? pulumi.secret(env.GITHUB_TOKEN) : undefined);
    if (!token) {
        throw new pulumi.RunError("no GitHub credentials: a GitHub App (`pulumi config set --path github:appAuth.id <App ID>`, `--path github:appAuth.installationId <installation ID>`, " +
            "`pulumi config set --secret --path github:appAuth.pemFile < app.private-key.pem`, or GITHUB_APP_ID, GITHUB_APP_INSTALLATION_ID, GITHUB_APP_PEM_FILE; docs/github-app.md), " +
            "or a token (`pulumi config set --secret github:token ...` or GITHUB_TOKEN), with \"Webhooks: read and write\" on the repositories; nothing was changed");
    }
    return { token };
}

/**
 * commitStatusApp: the stack's GitHub App, as Flux's Secret keys. Refused before anything changes
 * without an App, and for an App named by its client ID (Flux parses githubAppID as a number).
 */
export function commitStatusApp(gh: GitHubAccess): NonNullable<CommitStatusTokenArgs["app"]> {
    if (gh.app === undefined) {
        throw new pulumi.RunError("commitStatusApp is true, but the stack has no GitHub App: set github:appAuth (docs/github-app.md), or use a token instead (`pulumi config rm commitStatusApp` and `pulumi config set --secret commitStatusToken <token>`); nothing was changed");
    }
    const { appId, installationId, privateKey } = gh.app;
    if (!/^[0-9]+$/.test(appId)) {
        throw new pulumi.RunError(`commitStatusApp needs the GitHub App's numeric App ID in github:appAuth.id (Flux's githubAppID is a number), not ${JSON.stringify(appId)}: the App ID is on the App's settings page; nothing was changed`);
    }
    const data = pulumi.output(gh.apiBaseUrl).apply((restBase) => githubAppSecretData(appId, installationId, restBase, githubBaseOf(restBase).kind === "github.com"));
    return { data, privateKey };
}

/** The commit-status token (secret): the component's input, or the stack's `commitStatusToken` config. */
function commitStatusToken(deps: ProgramDependencies): pulumi.Input<string> {
    if (deps.component) {
        // Validation ensured it is set when the stack is to create the Secret.
        if (deps.component.commitStatusToken === undefined) throw new pulumi.RunError(`${deps.component.naming.key("commitStatusToken")} is not set`);
        return pulumi.secret(deps.component.commitStatusToken);
    }
    return new pulumi.Config().requireSecret("commitStatusToken");
}

/** Flux, its namespace and the namespaces the Kustomizations target must be there before anything is created. */
async function preflight(cluster: ClusterClient, config: StackConfig): Promise<PreflightResult> {
    const result = judgeCluster(await observeCluster(cluster, config), config);
    // The actions-oidc trigger needs Flux 2.9's generic-oidc Receiver, which only the CRD's schema shows.
    const oidc = config.actions ? judgeOidcSupport(await observeOidcSupport(cluster), config, cluster.description) : { problems: [], warnings: [] };
    const problems = [...result.problems, ...oidc.problems];
    for (const n of result.notices) pulumi.log.info(`preflight: ${n}`);
    for (const w of [...result.warnings, ...oidc.warnings]) pulumi.log.warn(`preflight: ${w}`);
    if (problems.length > 0) {
        const n = problems.length;
        throw new pulumi.RunError(`the cluster is not ready for this stack (${n} problem${n === 1 ? "" : "s"}); nothing was changed:\n` + problems.map((p) => `  - ${p}`).join("\n"));
    }
    return result;
}

export async function fluxPushReconciliation(raw: RawConfig = readRawConfig(new pulumi.Config()), deps: ProgramDependencies = {}): Promise<FluxPushOutputs> {
    const config = loadConfig(raw, deps.component?.naming);
    // The stack's own resources have no parent (their URNs are the stack's); a component's are its children.
    const scope: pulumi.ComponentResourceOptions = deps.component ? { parent: deps.component.parent } : {};
    const { namespace } = config;
    const gh = deps.github ?? githubAccess();
    // Refused before anything is registered: commitStatusApp without a usable App.
    const statusApp = config.commitStatus?.credentials === "app" ? commitStatusApp(gh) : undefined;
    const kubernetes = new pulumi.Config("kubernetes");
    const cluster = deps.cluster ?? clusterClient({ kubeconfig: kubernetes.get("kubeconfig"), context: kubernetes.get("context") });
    // The same settings for the delivery check, which reads the cluster from the provider process.
    const kubeconfig: KubeconfigInputs = deps.kubeconfig ?? { kubeconfig: kubernetes.getSecret("kubeconfig"), context: kubernetes.get("context") };
    const { existingBranches, commitStatusApiVersion, gateway } = await preflight(cluster, config);

    // The webhook trigger's shared token; a stack whose repositories use only the actions-oidc trigger has none.
    const webhookRepositories = config.repositories.filter((r) => r.triggers.includes("webhook"));
    const token = webhookRepositories.length > 0 ? new WebhookToken("webhook-token", { namespace, length: config.token.length, rotation: config.token.rotation }, scope) : undefined;
    // GitHub's hook addresses, read on every preview and update: a change shows up as a diff.
    const sourceRanges = config.allowedSources === "github" && webhookRepositories.length > 0
        ? github.getIpRangesOutput(scope).hooks.apply((hooks) => {
            // An empty list would admit nobody: every delivery would be dropped.
            if (!hooks || hooks.length === 0) {
                throw new pulumi.RunError(`allowedSources is github, but GitHub's /meta at ${gh.apiBaseUrl} lists no hooks address ranges (a GitHub Enterprise Server may list none): set \`pulumi config set allowedSources any\``);
            }
            return hooks;
        })
        : undefined;
    const exposure = new ReceiverExposure("webhook-receiver", {
        namespace, exposure: config.exposure, sourceRanges, cluster, allowPrivateAddresses: config.allowPrivateAddresses,
        gateway, acceptanceTimeoutSeconds: config.deliveryCheck.timeoutSeconds,
    }, scope);
    const exposureId = exposure.details.apply(exposureIdentity);
    const commitStatusSecret = config.commitStatus === undefined
        ? undefined
        : config.commitStatus.createSecret
            ? new CommitStatusToken("commit-status-token", {
                namespace, secretName: config.commitStatus.secretName,
                ...(statusApp !== undefined ? { app: statusApp } : { token: commitStatusToken(deps) }),
            }, scope).secretName
            : pulumi.output(config.commitStatus.secretName);

    // The program's own GitHub-side resources call GitHub through this provider, with the stack's
    // current REST base and credentials: a rotated or expired token never strands them.
    const pluginProvider = new FluxPushGitHubProvider("flux-push-github", gh.app !== undefined ? { apiBaseUrl: gh.apiBaseUrl, app: gh.app } : { apiBaseUrl: gh.apiBaseUrl, token: gh.token ?? "" }, scope);
    const checks = { ...scope, providers: [pluginProvider] };

    const repositories: Record<string, RepositoryOutputs> = {};
    for (const repository of config.repositories) {
        const source = new GitSource(repository.name, { namespace, repository, existingBranch: existingBranches[repository.name] }, scope);
        if (repository.branchFilter && source.branch === undefined) {
            pulumi.log.warn(`repositories ${repository.name}: the existing GitRepository follows no branch the stack could read (a tag, semver or commit, or not readable): its Receiver reconciles on every push`);
        }
        let webhookOutputs: Partial<RepositoryOutputs> = {};
        if (repository.triggers.includes("webhook") && token !== undefined) {
            const receiver = new PushReceiver(repository.name, {
                namespace,
                repositoryName: repository.name,
                gitRepositoryName: source.gitRepositoryName,
                branchFilter: repository.branchFilter ? source.branch : undefined,
                githubRepository: repository.githubRepository,
                githubOwner: gh.owner,
                token: token.token,
                generation: token.generation,
                secretName: token.secretName,
                baseUrl: exposure.baseUrl,
                insecureSsl: config.insecureSsl,
                receiverProbe: { mode: config.receiverProbe, timeoutSeconds: config.deliveryCheck.timeoutSeconds },
                exposureId,
                cluster,
            }, checks);
            const check = new DeliveryCheck(repository.name, {
                githubOwner: gh.owner,
                githubRepository: repository.githubRepository,
                webhookId: receiver.webhookId,
                payloadUrl: receiver.payloadUrl,
                secret: token.token,
                namespace,
                receiverName: receiver.receiverName,
                gitRepositoryName: source.gitRepositoryName,
                cluster: kubeconfig,
                mode: config.deliveryCheck.mode,
                trigger: config.deliveryCheck.trigger,
                timeoutSeconds: config.deliveryCheck.timeoutSeconds,
                exposureId,
            }, checks);
            webhookOutputs = {
                receiver: receiver.receiverName,
                webhookPath: receiver.webhookPath,
                payloadUrl: receiver.payloadUrl,
                webhookId: receiver.webhookId,
                deliveryCheck: check.result,
            };
        }
        let actionsOutputs: ActionsTriggerOutputs | undefined;
        if (repository.triggers.includes("actions-oidc") && config.actions !== undefined) {
            const trigger = new ActionsTrigger(repository.name, {
                namespace,
                repositoryName: repository.name,
                gitRepositoryName: source.gitRepositoryName,
                branch: repository.branchFilter ? source.branch : undefined,
                githubRepository: repository.githubRepository,
                githubOwner: gh.owner,
                actions: config.actions,
                issuer: config.actions.issuer ?? pulumi.output(gh.apiBaseUrl).apply(actionsIssuerUrl),
                ...(repository.actionsValidations ? { validations: repository.actionsValidations } : {}),
                proofTrigger: config.deliveryCheck.trigger,
                cluster,
                kubeconfig,
            }, checks);
            actionsOutputs = { receiver: trigger.receiverName, webhookPath: trigger.webhookPath, validations: trigger.validations, workflow: trigger.workflow, proof: trigger.proof };
        }
        let commitStatus: RepositoryOutputs["commitStatus"];
        if (commitStatusSecret !== undefined && (repository.existing || repository.kustomizations.length === 0)) {
            // A commit status names a Kustomization and this repository's commit: with no Kustomization
            // the stack manages, it cannot know which ones apply this repository's revisions.
            pulumi.log.warn(`repositories ${repository.name}: no commit statuses (the stack manages no Kustomization of it)`);
        }
        if (commitStatusSecret !== undefined && !repository.existing && repository.kustomizations.length > 0) {
            const status = new CommitStatus(repository.name, {
                namespace,
                repositoryName: repository.name,
                address: pulumi.all([gh.owner, gh.apiBaseUrl]).apply(([owner, base]) => repositoryWebUrl(base, owner, repository.githubRepository)),
                secretName: commitStatusSecret,
                kustomizationNames: source.kustomizationNames,
                apiVersion: commitStatusApiVersion ?? DefaultCommitStatusApiVersion,
            }, scope);
            commitStatus = pulumi.all([status.providerName, status.alertName]).apply(([provider, alert]) => ({ provider, alert }));
        }
        repositories[repository.name] = {
            gitRepository: source.gitRepositoryName,
            kustomizations: source.kustomizationNames,
            ...webhookOutputs,
            ...(actionsOutputs ? { actions: actionsOutputs } : {}),
            ...(commitStatus ? { commitStatus } : {}),
        };
    }
    return { namespace, ...(token ? { tokenSecret: token.secretName, tokenGeneration: token.generation } : {}), exposure: exposure.details, repositories };
}
