// The small part of Flux's API this program writes, mirroring the layout of
// notification-controller's api/v1 and source/kustomize-controller's v1 types.
import { createHash } from "crypto";

export const GitRepositoryApiVersion = "source.toolkit.fluxcd.io/v1";
export const KustomizationApiVersion = "kustomize.toolkit.fluxcd.io/v1";
export const ReceiverApiVersion = "notification.toolkit.fluxcd.io/v1";

/** notification-controller's ReceiverWebhookPath: every Receiver is served below it. */
export const ReceiverWebhookPathPrefix = "/hook/";

/** Receiver `spec.events` for GitHub: `ping` must be listed or GitHub's ping delivery gets 400. */
export const GitHubReceiverEvents = ["ping", "push"] as const;

/** Events GitHub sends to the hook: pushes only ("Just the push event" in GitHub's UI). */
export const GitHubHookEvents = ["push"] as const;

/** Flux's duration pattern for `spec.interval` (from the CRDs' OpenAPI schema). */
export const FluxIntervalPattern = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** URL schemes GitRepository accepts (`spec.url` pattern in source-controller's CRD). */
export const GitRepositoryUrlSchemes = ["http", "https", "ssh"] as const;

/** Label that asks Flux's controllers to watch a Secret and react to its changes at once. */
export const WatchLabel = { "reconcile.fluxcd.io/watch": "Enabled" } as const;

/** Annotation whose change makes a Flux object reconcile now (value: an opaque token). */
export const ReconcileRequestedAtAnnotation = "reconcile.fluxcd.io/requestedAt";

/**
 * In-cluster annotation that makes kustomize-controller skip an object it would apply:
 * it keeps Flux's reconcile of flux-system from reverting the NodePort patch.
 */
export const KustomizeSsaIgnoreAnnotation = { "kustomize.toolkit.fluxcd.io/ssa": "Ignore" } as const;

export interface ObjectReference {
    readonly kind: "GitRepository";
    readonly name: string;
    readonly namespace?: string;
}

export interface ReceiverSpec {
    readonly type: "github";
    readonly events: readonly string[];
    readonly resources: readonly ObjectReference[];
    readonly secretRef: { readonly name: string };
}

export interface GitRepositorySpec {
    readonly interval: string;
    readonly url: string;
    readonly ref: { readonly branch: string };
    readonly secretRef?: { readonly name: string };
}

export interface KustomizationSpec {
    readonly interval: string;
    readonly path: string;
    readonly prune: boolean;
    readonly sourceRef: ObjectReference;
    readonly targetNamespace?: string;
}

/**
 * The path notification-controller serves a Receiver on, as `Receiver.GetWebhookPath` in
 * fluxcd/notification-controller api/v1/receiver_types.go computes it:
 * "/hook/" + hex(sha256(token + name + namespace)), no separators. `token` is the Secret's raw
 * `token` value: a trailing newline would change the path.
 */
export function webhookPath(token: string, receiverName: string, receiverNamespace: string): string {
    const digest = createHash("sha256").update(token + receiverName + receiverNamespace).digest("hex");
    return ReceiverWebhookPathPrefix + digest;
}
