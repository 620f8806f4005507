// The small part of Flux's API this program writes, mirroring the layout of
// notification-controller's api/v1 and source/kustomize-controller's v1 types.
import { createHash } from "crypto";
import { celStringLiteral } from "./cel";

export const GitRepositoryApiVersion = "source.toolkit.fluxcd.io/v1";
export const KustomizationApiVersion = "kustomize.toolkit.fluxcd.io/v1";
export const ReceiverApiVersion = "notification.toolkit.fluxcd.io/v1";
export const NotificationApiGroup = "notification.toolkit.fluxcd.io";
/**
 * The versions Alert and Provider are served at, newest first: Flux 2.10 promotes them to v1 (its
 * storage version) and still serves v1beta3, deprecated; Flux 2.3 to 2.9 serve v1beta3 only. The
 * fields the stack writes are the same in both (notification-controller api v1.10.0).
 */
export const CommitStatusApiVersions = ["v1", "v1beta3"] as const;
export type CommitStatusApiVersion = (typeof CommitStatusApiVersions)[number];
/** What every supported Flux serves, for when discovery cannot tell (forbidden). */
export const DefaultCommitStatusApiVersion: CommitStatusApiVersion = "v1beta3";
export const CommitStatusKinds = ["Provider", "Alert"] as const;
export type CommitStatusKind = (typeof CommitStatusKinds)[number];

/**
 * The version to write Alert and Provider in, from the kinds discovery lists per version of
 * notification.toolkit.fluxcd.io (undefined: not known): v1 when it lists both there, else v1beta3
 * when it lists both there, else a version discovery could not be read for (RBAC): v1beta3, which
 * every supported Flux serves, when it is one of them; else none (no Flux that posts commit statuses).
 */
export function commitStatusApiVersion(kinds: Readonly<Partial<Record<CommitStatusApiVersion, readonly string[]>>>): CommitStatusApiVersion | undefined {
    const serves = (v: CommitStatusApiVersion) => CommitStatusKinds.every((k) => kinds[v]?.includes(k));
    const chosen = CommitStatusApiVersions.find(serves);
    if (chosen) return chosen;
    const unknown = CommitStatusApiVersions.filter((v) => kinds[v] === undefined);
    return unknown.includes(DefaultCommitStatusApiVersion) ? DefaultCommitStatusApiVersion : unknown[0];
}

/** `notification.toolkit.fluxcd.io/<version>`. */
export function notificationApiVersion(version: CommitStatusApiVersion): string {
    return `${NotificationApiGroup}/${version}`;
}

/**
 * Pulumi's type token for a custom resource: `kubernetes:<apiVersion>:<kind>` (pulumi-kubernetes
 * CustomResource). The version is part of it, so the same Kubernetes object written in another
 * version is, to the engine, a new resource: without an alias it would create the "new" one and
 * delete the old one at the end of the update, which deletes the very object.
 */
export function customResourceType(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion}:${kind}`;
}

/** The type tokens `kind` had under the other versions: aliases, so a move between versions is an update of the same resource. */
export function commitStatusTypeAliases(kind: CommitStatusKind, version: CommitStatusApiVersion): string[] {
    return CommitStatusApiVersions.filter((v) => v !== version).map((v) => customResourceType(notificationApiVersion(v), kind));
}

/** The API groups and versions the program writes, as the preflight checks that the cluster serves them. */
export const FluxApis = [
    { group: "source.toolkit.fluxcd.io", version: "v1", kind: "GitRepository" },
    { group: "kustomize.toolkit.fluxcd.io", version: "v1", kind: "Kustomization" },
    { group: "notification.toolkit.fluxcd.io", version: "v1", kind: "Receiver" },
] as const;
/** The oldest Flux whose Receiver has `spec.resourceFilter` (notification-controller v1.5). */
export const MinimumFluxVersion = "2.5";

/** notification-controller's ReceiverWebhookPath: every Receiver is served below it. */
export const ReceiverWebhookPathPrefix = "/hook/";

/** The Service `flux install` creates in front of notification-controller's receiver. */
export const WebhookReceiverService = { name: "webhook-receiver", portName: "http", port: 80, targetPort: "http-webhook" } as const;
/** notification-controller's Pod label, which `webhook-receiver` selects too. */
export const NotificationControllerSelector = { app: "notification-controller" } as const;

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
    /** CEL over `res` (the target's metadata) and `req` (the JSON body); false skips the reconcile. */
    readonly resourceFilter?: string;
    readonly secretRef: { readonly name: string };
}

/** notification-controller's Provider (v1 or v1beta3: the same fields), type github: commit statuses on the pushed commit. */
export interface ProviderSpec {
    readonly type: "github";
    /** The repository's web URL, https://github.com/OWNER/REPO (another host: GitHub Enterprise routes). */
    readonly address: string;
    /** A Secret with key `token` (a GitHub token allowed to write commit statuses), or Flux's GitHub App keys. */
    readonly secretRef: { readonly name: string };
}

/**
 * The keys of a GitHub App in a Secret, as Flux reads them (fluxcd/pkg auth/githubapp and
 * runtime/secrets GitHubAppDataFromSecret, used by notification-controller v1.9.3's github
 * Provider when the Secret has no `token`): the App's numeric ID, exactly one of the installation
 * ID or owner, the PEM private key, and for a GitHub Enterprise Server the API base (else Flux
 * mints at api.github.com; a host root gets `/api/v3/`).
 */
export const GitHubAppSecretKeys = {
    appId: "githubAppID",
    installationId: "githubAppInstallationID",
    installationOwner: "githubAppInstallationOwner",
    privateKey: "githubAppPrivateKey",
    baseUrl: "githubAppBaseURL",
} as const;

/**
 * A commit-status Secret's data for a GitHub App, but the key (added as a secret by the component):
 * the App and installation IDs and, off GitHub.com, the REST base to mint installation tokens at
 * (Flux keeps a base ending in /api/v3/ or on an `api.` host as it is).
 */
export function githubAppSecretData(appId: string, installationId: string, restBase: string, onGitHubDotCom: boolean): Record<string, string> {
    const k = GitHubAppSecretKeys;
    return { [k.appId]: appId, [k.installationId]: installationId, ...(onGitHubDotCom ? {} : { [k.baseUrl]: restBase }) };
}

/** What a commit-status Secret lacks for notification-controller's github Provider, or undefined (it has key token, or a whole GitHub App). */
export function commitStatusSecretProblem(keys: readonly string[]): string | undefined {
    if (keys.includes("token")) return undefined;
    const k = GitHubAppSecretKeys;
    const app = [k.appId, k.installationId, k.installationOwner, k.privateKey].filter((x) => keys.includes(x));
    if (app.length === 0) return `has no key token nor Flux's GitHub App keys (${k.appId}, ${k.installationId}, ${k.privateKey}): notification-controller's github Provider reads the GitHub token from key token, or mints one from the App`;
    const missing: string[] = [k.appId, k.privateKey].filter((x) => !keys.includes(x));
    const installation = [k.installationId, k.installationOwner].filter((x) => keys.includes(x));
    if (installation.length !== 1) missing.push(installation.length === 0 ? `${k.installationId} (or ${k.installationOwner})` : `only one of ${k.installationId} and ${k.installationOwner}`);
    return missing.length === 0 ? undefined : `holds GitHub App keys but lacks ${missing.join(", ")}: Flux refuses such a Secret (runtime/secrets GitHubAppDataFromSecret)`;
}

export interface AlertSpec {
    readonly providerRef: { readonly name: string };
    /** info: both applied (success) and failed (failure) reconciliations. */
    readonly eventSeverity: "info" | "error";
    readonly eventSources: readonly { readonly kind: "Kustomization"; readonly name: string }[];
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
 * Receiver `spec.resourceFilter` that reconciles only for pushes to `branch`. GitHub's push body
 * carries `ref: refs/heads/<branch>`; its ping body has no `ref`, and a ping must still reconcile:
 * it is the delivery check's catch-up after any change of URL or token.
 */
export function branchFilterExpression(branch: string): string {
    // git check-ref-format accepts quotes in a branch (`refs/heads/it's`): the ref is written as an
    // escaped CEL string literal, which is the plain name quoted for every ordinary branch.
    return `has(req.ref) ? req.ref == ${celStringLiteral(`refs/heads/${branch}`)} : true`;
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
