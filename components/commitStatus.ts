import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertSpec, CommitStatusApiVersion, commitStatusTypeAliases, GitHubAppSecretKeys, notificationApiVersion, ProviderSpec } from "../lib/flux";

export interface CommitStatusTokenArgs {
    readonly namespace: string;
    /** The Secret's name (config commitStatusSecret, or github-commit-status). */
    readonly secretName: string;
    /** Secret: a GitHub token allowed to write commit statuses (config commitStatusToken). */
    readonly token?: pulumi.Input<string>;
    /** The stack's GitHub App (commitStatusApp): Flux's githubApp* keys instead of a token; the key is secret. */
    readonly app?: {
        /** githubAppID, githubAppInstallationID and (off GitHub.com) githubAppBaseURL: lib/flux.ts githubAppSecretData. */
        readonly data: pulumi.Input<Record<string, string>>;
        readonly privateKey: pulumi.Input<string>;
    };
}

/**
 * The Secret notification-controller's github Provider reads, when the stack makes it: key `token`
 * (commitStatusToken), or a GitHub App's keys, with which notification-controller mints its own
 * installation tokens (no second token). The type keeps its first name: a type token never changes.
 */
export class CommitStatusToken extends pulumi.ComponentResource {
    public readonly secretName: pulumi.Output<string>;
    constructor(name: string, args: CommitStatusTokenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:CommitStatusToken", name, {}, opts);
        if ((args.token === undefined) === (args.app === undefined)) {
            throw new pulumi.ResourceError("the commit-status Secret takes either a token or a GitHub App", this);
        }
        const stringData = args.app !== undefined
            ? pulumi.all([args.app.data, pulumi.secret(args.app.privateKey)]).apply(([data, key]) => ({ ...data, [GitHubAppSecretKeys.privateKey]: key }))
            : { token: pulumi.secret(args.token as pulumi.Input<string>) };
        const secret = new k8s.core.v1.Secret(`${name}-secret`, {
            metadata: { name: args.secretName, namespace: args.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
            type: "Opaque",
            stringData,
        }, { parent: this });
        this.secretName = secret.metadata.name;
        this.registerOutputs({ secretName: this.secretName });
    }
}

export interface CommitStatusArgs {
    readonly namespace: string;
    /** The repository entry's name: the Provider and Alert are `<name>-commit-status`. */
    readonly repositoryName: string;
    /** The repository's web URL (https://github.com/OWNER/REPO). */
    readonly address: pulumi.Input<string>;
    /** The Secret with key `token`; resolves once it exists. */
    readonly secretName: pulumi.Input<string>;
    /** The repository's Kustomizations; each applied revision gets a status on its commit. */
    readonly kustomizationNames: pulumi.Input<string[]>;
    /** The version of notification.toolkit.fluxcd.io the cluster serves Provider and Alert at (the preflight's choice). */
    readonly apiVersion: CommitStatusApiVersion;
}

export function providerSpec(address: string, secretName: string): ProviderSpec {
    return { type: "github", address, secretRef: { name: secretName } };
}

export function alertSpec(providerName: string, kustomizations: readonly string[]): AlertSpec {
    return {
        providerRef: { name: providerName },
        // info covers both outcomes: an applied revision (info -> "success") and a failed one (error -> "failure").
        eventSeverity: "info",
        eventSources: kustomizations.map((name) => ({ kind: "Kustomization" as const, name })),
    };
}

/**
 * GitHub shows what each environment applied: a notification-controller Provider (type github)
 * and an Alert on the repository's Kustomizations post a commit status for every applied (or
 * failed) revision, so the pushed commit says "success" once this cluster runs it.
 */
export class CommitStatus extends pulumi.ComponentResource {
    public readonly providerName: pulumi.Output<string>;
    public readonly alertName: pulumi.Output<string>;

    constructor(name: string, args: CommitStatusArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:CommitStatus", name, {}, opts);
        const self = { parent: this };
        const objectName = `${args.repositoryName}-commit-status`;
        // The version is part of a CustomResource's type token: the aliases make a move between
        // v1beta3 and v1 (a Flux upgrade to 2.10) an in-place update of the same objects, where it
        // would otherwise create "new" ones and delete the old, i.e. the very objects, at the end.
        // The kubernetes provider's diff replaces a custom resource only for a new name or namespace
        // (pkg/provider/diff.go forceNewProperties): a new apiVersion is an update (server-side apply).
        const provider = new k8s.apiextensions.CustomResource(`${name}-provider`, {
            apiVersion: notificationApiVersion(args.apiVersion),
            kind: "Provider",
            metadata: { name: objectName, namespace: args.namespace },
            spec: pulumi.all([args.address, args.secretName]).apply(([address, secret]) => providerSpec(address, secret)),
        }, { ...self, aliases: commitStatusTypeAliases("Provider", args.apiVersion).map((type) => ({ type })) });
        const alert = new k8s.apiextensions.CustomResource(`${name}-alert`, {
            apiVersion: notificationApiVersion(args.apiVersion),
            kind: "Alert",
            metadata: { name: objectName, namespace: args.namespace },
            spec: pulumi.all([provider.metadata.name, args.kustomizationNames]).apply(([p, ks]) => alertSpec(p, ks)),
        }, { ...self, aliases: commitStatusTypeAliases("Alert", args.apiVersion).map((type) => ({ type })) });
        this.providerName = provider.metadata.name;
        this.alertName = alert.metadata.name;
        this.registerOutputs({ providerName: this.providerName, alertName: this.alertName });
    }
}
