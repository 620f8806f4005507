import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterClient } from "../lib/cluster";
import { branchFilterExpression, GitHubHookEvents, GitHubReceiverEvents, ReceiverApiVersion, ReceiverSpec, webhookPath } from "../lib/flux";
import { DefaultReadyWait, waitForReceiver } from "../lib/receiverReady";
import { receiverName } from "../lib/names";
import { payloadUrl } from "../lib/urls";
import { CheckMode, HookCapacity, PayloadUrlProbe } from "../resources/githubHooks";

export interface PushReceiverArgs {
    /** Namespace of notification-controller; part of the webhook path. */
    readonly namespace: string;
    /** The repository entry's name: the GitRepository's, as `flux create receiver` is used in the guide. */
    readonly repositoryName: string;
    /** The GitRepository to reconcile on a push; resolves once it exists. */
    readonly gitRepositoryName: pulumi.Input<string>;
    /** Reconcile only on pushes to this branch (the GitRepository's); undefined: on every push. */
    readonly branchFilter?: pulumi.Input<string>;
    /** GitHub repository (under `github:owner`) that gets the webhook. */
    readonly githubRepository: string;
    /**
     * The account that owns the repository (`github:owner`). The checks' GitHub REST base and
     * credentials are the plugin provider's, given in this component's `providers` option.
     */
    readonly githubOwner: pulumi.Input<string>;
    /** The shared token (secret). */
    readonly token: pulumi.Input<string>;
    /** The token's generation: the Receiver is named `<repositoryName>-<generation>`. */
    readonly generation: pulumi.Input<string>;
    /** Name of the Secret holding the token; resolves once the Secret holds the current token. */
    readonly secretName: pulumi.Input<string>;
    /** Base URL of the exposure GitHub posts to; resolves once the exposure exists. */
    readonly baseUrl: pulumi.Input<string>;
    /** Let GitHub skip TLS verification (self-signed certificates only). */
    readonly insecureSsl: boolean;
    /** Probe a new payload URL from where `up` runs before GitHub's hook moves to it. */
    readonly receiverProbe: { readonly mode: CheckMode; readonly timeoutSeconds: number };
    /** Which object serves the base URL (mode and object), so a new exposure is probed even at the same URL. */
    readonly exposureId: pulumi.Input<string>;
    /** The cluster, to wait for (and if need be nudge) the new Receiver; absent under unit tests. */
    readonly cluster?: ClusterClient;
}

/**
 * Runs after a Receiver is created, before anything that depends on it: waits until
 * notification-controller serves its path, asking for a reconcile if the first one is missed
 * (lib/receiverReady.ts). An after-hook's error is a warning, so a Receiver that never becomes
 * ready still stops the update, at the probe (or, with the probe off, at the delivery check).
 */
export function receiverReadyHook(cluster: ClusterClient | undefined): pulumi.ResourceHookFunction {
    return async (args) => {
        if (!cluster) return;
        const meta = (args.newOutputs?.metadata ?? {}) as { name?: string; namespace?: string };
        if (!meta.name || !meta.namespace) return;
        const r = await waitForReceiver(cluster, meta.namespace, meta.name, { ...DefaultReadyWait, log: (m) => pulumi.log.warn(m) });
        pulumi.log.info(`Receiver ${meta.namespace}/${meta.name} serves ${r.webhookPath.slice(0, 14)}... after ${r.seconds} s${r.nudges ? ` and ${r.nudges} reconcile request(s)` : ""}`);
    };
}

/** Receiver spec: a GitHub receiver for ping and push that reconciles one GitRepository. */
export function receiverSpec(gitRepositoryName: string, secretName: string, branch?: string): ReceiverSpec {
    return {
        type: "github",
        events: [...GitHubReceiverEvents],
        resources: [{ kind: "GitRepository", name: gitRepositoryName }],
        ...(branch !== undefined ? { resourceFilter: branchFilterExpression(branch) } : {}),
        secretRef: { name: secretName },
    };
}

/**
 * The push path for one repository: Flux's Receiver and the GitHub webhook that posts to it.
 * Order, on creation and on every change of token or exposure: the Secret (before this), the
 * Receiver (a new one per token generation), the probe that the new payload URL is served, then
 * the webhook's one PATCH of URL and secret. Old Receivers and Secrets are deleted only at the end
 * of the update, after GitHub has the new pair.
 */
export class PushReceiver extends pulumi.ComponentResource {
    public readonly receiverName: pulumi.Output<string>;
    /** `/hook/<sha256>` as notification-controller computes it (secret: derived from the token). */
    public readonly webhookPath: pulumi.Output<string>;
    /** Base URL + webhook path: what GitHub posts to (secret: derived from the token). */
    public readonly payloadUrl: pulumi.Output<string>;
    /** GitHub's id of the repository webhook. */
    public readonly webhookId: pulumi.Output<string>;

    constructor(name: string, args: PushReceiverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:PushReceiver", name, {}, opts);
        const self = { parent: this };
        const token = pulumi.secret(args.token);

        const receiver = new k8s.apiextensions.CustomResource(`${name}-receiver`, {
            apiVersion: ReceiverApiVersion,
            kind: "Receiver",
            metadata: {
                name: pulumi.output(args.generation).apply((g) => receiverName(args.repositoryName, g)),
                namespace: args.namespace,
            },
            spec: pulumi.all([args.gitRepositoryName, args.secretName, args.branchFilter])
                .apply(([repo, secret, branch]) => receiverSpec(repo, secret, branch)),
        }, {
            ...self,
            // GitHub pings a hook as soon as it exists, and the probe posts at once: first wait until
            // notification-controller serves the new Receiver's path. Each generation is a new object.
            hooks: { afterCreate: [receiverReadyHook(args.cluster)] },
        });

        this.receiverName = receiver.metadata.name;
        this.webhookPath = pulumi.secret(
            pulumi.all([token, receiver.metadata.name, receiver.metadata.namespace]).apply(([t, n, ns]) => webhookPath(t, n, ns)),
        );
        this.payloadUrl = pulumi.secret(pulumi.all([args.baseUrl, this.webhookPath]).apply(([base, path]) => payloadUrl(base, path)));

        // GitHub refuses a 21st hook per event with an unclear 422: count first, name the options.
        const capacity = new HookCapacity(`${name}-hook-capacity`, {
            owner: args.githubOwner,
            repository: args.githubRepository,
            events: [...GitHubHookEvents],
        }, self);

        const gates: pulumi.Resource[] = [capacity];
        if (args.receiverProbe.mode !== "off") {
            const probe = new PayloadUrlProbe(`${name}-probe`, {
                owner: args.githubOwner,
                repository: args.githubRepository,
                receiver: this.receiverName,
                namespace: args.namespace,
                payloadUrl: this.payloadUrl,
                token,
                mode: args.receiverProbe.mode,
                timeoutSeconds: args.receiverProbe.timeoutSeconds,
                insecureSsl: args.insecureSsl,
                exposure: args.exposureId,
            }, self);
            // In `warn` mode a failed probe does not stop the update: say so where the user looks.
            pulumi.all([probe.ok, probe.message]).apply(([ok, message]) => {
                if (ok === false) pulumi.log.warn(message, probe);
            });
            gates.push(probe);
        }

        const webhook = new github.RepositoryWebhook(`${name}-webhook`, {
            repository: args.githubRepository,
            active: true,
            events: [...GitHubHookEvents],
            configuration: {
                url: this.payloadUrl,
                contentType: "json",
                insecureSsl: args.insecureSsl,
                secret: token,
            },
        }, { ...self, dependsOn: gates });
        this.webhookId = webhook.id;

        this.registerOutputs({
            receiverName: this.receiverName,
            webhookPath: this.webhookPath,
            payloadUrl: this.payloadUrl,
            webhookId: this.webhookId,
        });
    }
}
