import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { GitHubHookEvents, GitHubReceiverEvents, ReceiverApiVersion, ReceiverSpec, ReconcileRequestedAtAnnotation, webhookPath } from "../lib/flux";
import { payloadUrl } from "../lib/urls";

export interface PushReceiverArgs {
    /** Namespace of notification-controller; part of the webhook path. */
    readonly namespace: string;
    /** The Receiver's name (the GitRepository's, as `flux create receiver` is used in the guide); part of the path. */
    readonly receiverName: string;
    /** The GitRepository to reconcile on a push; resolves once it exists. */
    readonly gitRepositoryName: pulumi.Input<string>;
    /** GitHub repository (under `github:owner`) that gets the webhook. */
    readonly githubRepository: string;
    /** The shared token (secret). */
    readonly token: pulumi.Input<string>;
    /** Name of the Secret holding the token; resolves once the Secret holds the current token. */
    readonly secretName: pulumi.Input<string>;
    /** Base URL of the exposure GitHub posts to. */
    readonly baseUrl: pulumi.Input<string>;
    /** Let GitHub skip TLS verification (self-signed certificates only). */
    readonly insecureSsl: boolean;
}

/** The provider's await for the Receiver: until notification-controller has published its webhook path. */
export const ReceiverReadyWaitFor = "jsonpath={.status.webhookPath}";

/** Receiver spec: a GitHub receiver for ping and push that reconciles one GitRepository. */
export function receiverSpec(gitRepositoryName: string, secretName: string): ReceiverSpec {
    return {
        type: "github",
        events: [...GitHubReceiverEvents],
        resources: [{ kind: "GitRepository", name: gitRepositoryName }],
        secretRef: { name: secretName },
    };
}

/**
 * A value that changes whenever the token does. notification-controller re-reads the Secret
 * (and moves its webhook path) only on the Receiver's own reconcile, so a rotation annotates the
 * Receiver with this. A 64-bit prefix of a hash of a 256-bit random token tells nothing about it.
 */
export function tokenGeneration(token: string): string {
    return "token-" + createHash("sha256").update(`webhook-token generation:${token}`).digest("hex").slice(0, 16);
}

/**
 * The push path for one repository: Flux's Receiver and the GitHub webhook that posts to it.
 * Order on create and on rotation: the Secret (before this), the Receiver, then the webhook.
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
                name: args.receiverName,
                namespace: args.namespace,
                annotations: {
                    // Not secret on purpose: a one-way, truncated fingerprint, shown in diffs as "token changed".
                    [ReconcileRequestedAtAnnotation]: pulumi.unsecret(token.apply(tokenGeneration)),
                    // GitHub pings a hook as soon as it exists: create it only once notification-controller
                    // serves the Receiver's path. A presence check, so an update never waits on it.
                    "pulumi.com/waitFor": ReceiverReadyWaitFor,
                },
            },
            spec: pulumi.all([args.gitRepositoryName, args.secretName]).apply(([repo, secret]) => receiverSpec(repo, secret)),
        }, { ...self, customTimeouts: { create: "2m", update: "2m" } });

        this.receiverName = receiver.metadata.name;
        this.webhookPath = pulumi.secret(
            pulumi.all([token, receiver.metadata.name, receiver.metadata.namespace]).apply(([t, n, ns]) => webhookPath(t, n, ns)),
        );
        this.payloadUrl = pulumi.secret(pulumi.all([args.baseUrl, this.webhookPath]).apply(([base, path]) => payloadUrl(base, path)));

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
        }, self);
        this.webhookId = webhook.id;

        this.registerOutputs({
            receiverName: this.receiverName,
            webhookPath: this.webhookPath,
            payloadUrl: this.payloadUrl,
            webhookId: this.webhookId,
        });
    }
}
