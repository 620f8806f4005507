import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AlertApiVersion, AlertSpec, ProviderApiVersion, ProviderSpec } from "../lib/flux";

export interface CommitStatusTokenArgs {
    readonly namespace: string;
    /** The Secret's name (config commitStatusSecret, or github-commit-status). */
    readonly secretName: string;
    /** Secret: a GitHub token allowed to write commit statuses (config commitStatusToken). */
    readonly token: pulumi.Input<string>;
}

/** The Secret notification-controller's github Provider reads its token from (key `token`), when the stack makes it. */
export class CommitStatusToken extends pulumi.ComponentResource {
    public readonly secretName: pulumi.Output<string>;
    constructor(name: string, args: CommitStatusTokenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flux-push:index:CommitStatusToken", name, {}, opts);
        const secret = new k8s.core.v1.Secret(`${name}-secret`, {
            metadata: { name: args.secretName, namespace: args.namespace, labels: { "app.kubernetes.io/managed-by": "pulumi" } },
            type: "Opaque",
            stringData: { token: pulumi.secret(args.token) },
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
        const provider = new k8s.apiextensions.CustomResource(`${name}-provider`, {
            apiVersion: ProviderApiVersion,
            kind: "Provider",
            metadata: { name: objectName, namespace: args.namespace },
            spec: pulumi.all([args.address, args.secretName]).apply(([address, secret]) => providerSpec(address, secret)),
        }, self);
        const alert = new k8s.apiextensions.CustomResource(`${name}-alert`, {
            apiVersion: AlertApiVersion,
            kind: "Alert",
            metadata: { name: objectName, namespace: args.namespace },
            spec: pulumi.all([provider.metadata.name, args.kustomizationNames]).apply(([p, ks]) => alertSpec(p, ks)),
        }, self);
        this.providerName = provider.metadata.name;
        this.alertName = alert.metadata.name;
        this.registerOutputs({ providerName: this.providerName, alertName: this.alertName });
    }
}
