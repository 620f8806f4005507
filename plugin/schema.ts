// The package's schema, as the plugin serves it (GetSchema; `pulumi package get-schema` and
// `pulumi package add` ask for it): the provider's inputs, the resources it serves to the stack,
// and the whole stack as the PushReconciliation component. Built from the declared lists, not
// restated: the provider's inputs from resources/pluginProvider.ts ProviderInputs, the component's
// inputs from the config keys (lib/config.ts) with Pulumi.yaml's types and descriptions, the
// resources from resources/lifecycle.ts ResourceTypes.
import { parse } from "yaml";
import { ConfigKey, ConfigKeys } from "../lib/config";
import { ConfigDefaults } from "../lib/componentInputs";
import { ComponentTypes, ProviderPackage, ResourceTypes } from "../resources/lifecycle";
import { ProviderInputs } from "../resources/pluginProvider";

/** A property of the schema (pulumi's package schema: type or $ref, description, secret, default). */
export interface PropertySpec {
    type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
    $ref?: string;
    items?: PropertySpec;
    additionalProperties?: PropertySpec;
    description?: string;
    secret?: boolean;
    default?: unknown;
}

interface ObjectSpec {
    description: string;
    type?: "object";
    properties: Record<string, PropertySpec>;
    required?: string[];
}

interface ResourceSpec extends ObjectSpec {
    inputProperties: Record<string, PropertySpec>;
    requiredInputs?: string[];
    isComponent?: boolean;
}

const str = (description: string, secret = false): PropertySpec => ({ type: "string", description, ...(secret ? { secret } : {}) });
const int = (description: string): PropertySpec => ({ type: "integer", description });
const bool = (description: string): PropertySpec => ({ type: "boolean", description });
const strings = (description: string): PropertySpec => ({ type: "array", items: { type: "string" }, description });
const any = (description: string): PropertySpec => ({ $ref: "pulumi.json#/Any", description });
const list = (type: string, description: string): PropertySpec => ({ type: "array", items: { $ref: `#/types/${ProviderPackage}:index:${type}` }, description });

/** The object types of the component's inputs: a repositories entry and what it holds, an actionsRunners entry. */
const types: Record<string, ObjectSpec> = {
    Repository: {
        description: "A Git repository whose pushes trigger a reconcile (an entry of the stack's `repositories` config).",
        properties: {
            name: str("Name of the GitRepository and of its Receiver(s) (RFC 1123)."),
            githubRepository: str("The GitHub repository (name alone; the owner is `github:owner`); default: name."),
            existing: bool("true: reference a GitRepository made elsewhere (e.g. by flux bootstrap or flux create) and change nothing of it; only name, githubRepository, branchFilter, triggers and actionsValidations apply. Default false."),
            branchFilter: bool("Reconcile only on pushes to the GitRepository's branch (the Receiver drops pushes to other refs). Default true."),
            triggers: strings("How pushes reach the cluster: [webhook] (default), [actions-oidc] (a GitHub Actions job with an OIDC token; see the actions* inputs) or [webhook, actions-oidc]."),
            actionsValidations: list("OidcValidation", "CEL validations replacing the stack's own for the actions-oidc Receiver; one must pin the repository."),
            url: str("The repository's Git URL (https://, ssh:// or http://), unless existing."),
            branch: str("The branch the GitRepository follows; default main."),
            interval: str("The GitRepository's poll interval (Flux duration); default the gitRepositoryInterval input."),
            secretRef: str("A Secret (in the Flux namespace) with the credentials to read the repository."),
            kustomizations: list("Kustomization", "The Kustomizations that apply paths of this repository."),
        },
        required: ["name"],
    },
    Kustomization: {
        description: "A Flux Kustomization applying a path of the repository.",
        properties: {
            name: str("Name of the Kustomization (RFC 1123)."),
            path: str("The path in the repository, ./..."),
            prune: bool("Delete what the path no longer holds. Default true."),
            targetNamespace: str("The namespace the Kustomization applies into."),
            createTargetNamespace: bool("The stack creates targetNamespace (and deletes it on destroy). Default false."),
            interval: str("The Kustomization's interval (Flux duration); default the kustomizationInterval input."),
        },
        required: ["name", "path"],
    },
    OidcValidation: {
        description: "A CEL validation of the actions-oidc Receiver: an expression over the token's claims that must be true.",
        properties: {
            expression: str("The CEL expression over claims."),
            message: str("What notification-controller logs when the expression is false."),
        },
        required: ["expression", "message"],
    },
    ActionsRunner: {
        description: "For the actions-oidc trigger: one cluster, a job of the generated workflow.",
        properties: {
            job: str("The job's id in the generated workflow."),
            runsOn: strings("The label(s) of a runner that reaches this cluster's receiver (e.g. an Actions Runner Controller scale set inside it)."),
            receiverUrl: str("The base URL the runner reaches notification-controller's receiver at; default http://webhook-receiver.<namespace>.svc.cluster.local."),
        },
        required: ["job", "runsOn"],
    },
};

interface PulumiYamlConfig { type?: string; description?: string; items?: unknown }

/** The component's inputs: every config key with Pulumi.yaml's type and description (and the component's default), the secret commitStatusToken. */
export function componentInputs(pulumiYaml: string): Record<string, PropertySpec> {
    const config = ((parse(pulumiYaml) as { config?: Record<string, PulumiYamlConfig> }).config ?? {});
    const inputs: Record<string, PropertySpec> = {};
    for (const k of ConfigKeys) {
        const c = config[k];
        if (!c?.description) throw new Error(`Pulumi.yaml declares no description for config key ${k}`);
        const description = c.description.trim().replace(/\s+/g, " ");
        const spec: PropertySpec = k === "repositories" ? list("Repository", description)
            : k === "actionsRunners" ? list("ActionsRunner", description)
                : { type: c.type === "integer" ? "integer" : c.type === "boolean" ? "boolean" : "string", description };
        const d = ConfigDefaults[k as ConfigKey];
        if (d !== undefined && !Array.isArray(d)) spec.default = d;
        inputs[k] = spec;
    }
    inputs.commitStatusToken = str("A GitHub token allowed to write commit statuses: the stack creates the Secret commitStatusSecret names (default github-commit-status) with it, which turns commit statuses on. Secret.", true);
    return inputs;
}

/** The schema the plugin serves. `pulumiYaml`: the project's Pulumi.yaml (the component's inputs' types and descriptions). */
export function packageSchema(version: string, pulumiYaml: string): Record<string, unknown> {
    const providerInputs: Record<string, PropertySpec> = {};
    for (const [k, spec] of Object.entries(ProviderInputs)) providerInputs[k] = str(spec.description, spec.secret);
    const github = "GitHub (the REST base and token of the provider's configuration)";
    const resources: Record<string, ResourceSpec> = {
        [ResourceTypes.hookCapacity]: {
            description: `Counts a repository's webhooks before the stack adds one, so GitHub's per-event limit gets a clear message. Reads ${github}.`,
            inputProperties: { owner: str("The repository's owner."), repository: str("The repository."), events: strings("The events the stack's hook subscribes to.") },
            requiredInputs: ["owner", "repository", "events"],
            properties: { owner: str("The repository's owner."), repository: str("The repository."), events: strings("The events."), hooksForEvent: { type: "object", additionalProperties: { type: "integer" }, description: "Hooks per event the repository had." }, limit: int("GitHub's hooks-per-event limit.") },
        },
        [ResourceTypes.payloadUrlProbe]: {
            description: "Before GitHub's hook moves to a new payload URL, posts a signed ping to it until notification-controller answers 200 (or the timeout).",
            inputProperties: {
                owner: str("The repository's owner."), repository: str("The repository."), receiver: str("The Receiver's name."), namespace: str("Flux's namespace."),
                payloadUrl: str("The new payload URL (secret: it holds the token's digest).", true), token: str("The webhook token that signs the ping.", true),
                mode: str("fail or warn."), timeoutSeconds: int("Seconds to wait for a 200."), insecureSsl: bool("Skip TLS verification."), exposure: str("The exposure's identity: a new one is probed again."),
            },
            requiredInputs: ["owner", "repository", "receiver", "namespace", "payloadUrl", "token", "mode", "timeoutSeconds", "insecureSsl", "exposure"],
            properties: { ok: bool("Whether the receiver answered 200."), statusCode: int("The last answer's status."), message: str("What the probe found.") },
        },
        [ResourceTypes.webhookPing]: {
            description: `After the hook is created or its URL or secret change, asks GitHub to ping it and judges the ping by the cluster and GitHub's delivery log. Calls ${github}.`,
            inputProperties: {
                owner: str("The repository's owner."), repository: str("The repository."), hookId: str("The hook's id."), payloadUrl: str("The payload URL.", true), secret: str("The webhook token.", true),
                receiver: str("The Receiver's name."), namespace: str("Flux's namespace."), gitRepository: str("The GitRepository the Receiver reconciles."),
                kubeconfig: str("How the check reads the cluster (`kubernetes:kubeconfig`: a path or the content).", true), kubeContext: str("`kubernetes:context`."),
                mode: str("fail or warn."), trigger: str("Any label: a new one runs the check again."), timeoutSeconds: int("Seconds to wait for the delivery."), exposure: str("The exposure's identity."),
            },
            requiredInputs: ["owner", "repository", "hookId", "payloadUrl", "secret", "receiver", "namespace", "gitRepository", "mode", "trigger", "timeoutSeconds", "exposure"],
            properties: {
                result: any("The delivery check's result."), ok: bool("Whether GitHub's delivery succeeded."), seenInCluster: bool("Whether the cluster saw the ping."), statusCode: int("The delivery's status code."),
                status: str("GitHub's delivery status."), deliveryId: int("GitHub's delivery id."), deliveredAt: str("When GitHub delivered it."), durationSeconds: { type: "number", description: "GitHub's delivery duration." },
                checkSeconds: { type: "number", description: "How long the check took." }, message: str("What the check found."),
            },
        },
        [ResourceTypes.workflowFile]: {
            description: `The actions-oidc trigger's generated workflow, committed to the application repository through GitHub's contents API. Calls ${github}.`,
            inputProperties: { owner: str("The repository's owner."), repository: str("The repository."), path: str("The workflow's path."), branch: str("The branch it is committed to."), content: str("The workflow.") },
            requiredInputs: ["owner", "repository", "path", "branch", "content"],
            properties: { sha: str("The file's blob SHA."), commit: str("The commit that wrote it.") },
        },
        [ResourceTypes.actionsProof]: {
            description: `The actions-oidc trigger's proof at up: dispatches the workflow once and waits until the cluster shows the reconcile request it caused. Calls ${github}.`,
            inputProperties: {
                owner: str("The repository's owner."), proof: any("What to prove (repository, workflow, job, Receiver)."), mode: str("fail or warn."),
                receiverSpecDigest: str("Digest of the Receiver's spec: a new spec is proven again."), trigger: str("Any label: a new one runs the proof again."),
                kubeconfig: str("`kubernetes:kubeconfig` (a path or the content); empty: KUBECONFIG, ~/.kube/config, in-cluster.", true), context: str("`kubernetes:context`."),
            },
            requiredInputs: ["owner", "proof", "mode", "receiverSpecDigest", "trigger"],
            properties: {
                ok: bool("Whether the proof succeeded."), state: str("Where the proof ended."), message: str("What the proof found."), seconds: { type: "number", description: "How long it took." },
                runId: int("The workflow run's id."), jobConclusion: str("The job's conclusion."), receiverStatus: int("The Receiver's answer to the job."),
            },
        },
        [ComponentTypes.pushReconciliation]: {
            isComponent: true,
            description: "Push-based reconciliation for FluxCD, the whole flux-push stack as one component: a shared webhook-token, an exposed webhook-receiver, " +
                "Flux Receivers, GitRepositories and Kustomizations, and the GitHub webhooks (or GitHub Actions OIDC triggers) that trigger them, with the receiver probe, " +
                "the delivery check and the Actions proof. Its inputs are the flux-push stack's config keys, with the same types, defaults and checks; GitHub and the cluster " +
                "come from the consuming stack's `github:*` and `kubernetes:*` config (owner, token, baseUrl; kubeconfig, context), as for the stack. One per stack.",
            inputProperties: componentInputs(pulumiYaml),
            requiredInputs: ["repositories"],
            properties: {
                namespace: str("The Flux namespace."),
                tokenSecret: str("The webhook token's Secret; absent when no repository uses the webhook trigger."),
                tokenGeneration: str("A short non-secret label of the current token."),
                exposure: any("How GitHub reaches the receiver: mode, the exposed object, its base URL and NodePort."),
                repositories: { type: "object", additionalProperties: { $ref: "pulumi.json#/Any" }, description: "Per repository: GitRepository, Kustomizations, Receiver, webhook id, delivery check, the actions-oidc trigger, commit status, and (secret) payload URL and path." },
            },
            required: ["namespace", "exposure", "repositories"],
        },
    };
    return {
        name: ProviderPackage,
        displayName: "flux-push",
        version,
        description: "Push-based reconciliation for FluxCD: a GitHub push triggers Flux's reconcile at once (webhook or GitHub Actions OIDC), set up by one component.",
        keywords: ["flux", "fluxcd", "gitops", "github", "kubernetes", "kind/component", "category/infrastructure"],
        license: "Apache-2.0",
        config: { variables: providerInputs },
        provider: { description: "The provider of the package's GitHub-side resources: which GitHub, and the credentials to call it with now.", inputProperties: providerInputs },
        resources,
        types: Object.fromEntries(Object.entries(types).map(([k, t]) => [`${ProviderPackage}:index:${k}`, { ...t, type: "object" }])),
        language: {
            nodejs: { packageName: "@flux-push/flux-push-github", respectSchemaVersion: true },
            python: { packageName: "fluxpush_github", respectSchemaVersion: true },
            csharp: { rootNamespace: "FluxPush", respectSchemaVersion: true },
        },
    };
}
